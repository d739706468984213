#!/usr/bin/env bash
# Checks the packages of scripts/build-deb.sh the way a hall installs them: builds the same packages with
# the next Debian revision (the upgrade), then runs packaging/check-install.sh (install, `kiosk --version`,
# `kiosk diag selftest`, the hall server, upgrade, remove, purge) in a clean Debian root made by
# mmdebstrap from this machine's apt sources, so Depends must bring in everything the program needs.
# Without mmdebstrap (or where it cannot make a root) it runs on this machine itself; as root only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
if [ "$(id -u)" != 0 ]; then
  echo "check-deb: installing packages needs root; as root: apt-get install -y mmdebstrap, then run this again" >&2
  exit 1
fi
version="$(python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")"
revision="${DEB_REVISION:-1}"
arch="$(dpkg --print-architecture)"
work="$here/build/deb-check"
rm -rf "$work"
mkdir -p "$work/first" "$work/upgrade"
for package in hall-kiosk hall-kiosk-hall-server; do
  deb="dist/${package}_${version}-${revision}_${arch}.deb"
  [ -f "$deb" ] || { echo "check-deb: $deb is missing: run scripts/build-deb.sh first" >&2; exit 1; }
  ln "$deb" "$work/first/" 2>/dev/null || cp "$deb" "$work/first/"
done
DEB_REVISION=$((revision + 1)) DEB_OUT="$work/upgrade" DEB_COMPRESS=gzip:1 scripts/build-deb.sh
cp packaging/check-install.sh "$work/"

suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
sources=""
for candidate in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  if [ -s "$candidate" ]; then sources="$candidate"; break; fi
done
if command -v mmdebstrap >/dev/null && [ -n "$suite" ] && [ -n "$sources" ]; then
  echo "check-deb: a clean $suite root (mmdebstrap, apt sources of $sources)"
  status=0
  mmdebstrap --quiet --variant=apt --mode=root --include=ca-certificates,systemd \
    --customize-hook="touch '$work/.root-made'" \
    --customize-hook="copy-in $work/first $work/upgrade $work/check-install.sh /tmp" \
    --customize-hook='chroot "$1" sh /tmp/check-install.sh /tmp/first /tmp/upgrade' \
    "$suite" /dev/null "$sources" || status=$?
  [ "$status" = 0 ] && exit 0
  # A failed check inside the root is a failure; only a root that could not be made falls back.
  if [ -e "$work/.root-made" ]; then exit "$status"; fi
  echo "check-deb: mmdebstrap failed (exit $status); checking on this machine instead" >&2
else
  echo "check-deb: no mmdebstrap (apt-get install -y mmdebstrap); checking on this machine itself" >&2
fi
sh "$work/check-install.sh" "$work/first" "$work/upgrade"
