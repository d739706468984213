#!/usr/bin/env bash
# Builds the Debian packages from the frozen terminal (scripts/build-frozen.sh makes dist/kiosk/):
#   dist/hall-kiosk_<version>_<arch>.deb               the terminal: /opt/hall-kiosk, `kiosk` on PATH, its
#                                                      units, udev rules, one example file per role in /etc
#   dist/hall-kiosk-hall-server_<version>_<arch>.deb   the reference hall server: a Python environment in
#                                                      /opt/hall-kiosk-hall-server/venv (the wheel, the
#                                                      [server] extra, packaging/hall-server/requirements.txt),
#                                                      its unit and flags
# The terminal's Depends come from packaging/frozen-libraries.txt, checked first against the frozen folder.
# Environment: DEB_REVISION (the Debian revision, default 1), DEB_OUT (default dist), DEB_COMPRESS
# (dpkg-deb's compressor:level, default xz:3), DEB_MAINTAINER, DEB_PIP (a Python with pip, default .venv's).
# docs/deployment.md, "Installing on Debian".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
unset PYTHONPATH

frozen=dist/kiosk
if [ ! -x "$frozen/kiosk" ]; then
  echo "build-deb: $frozen/kiosk is missing: run scripts/build-frozen.sh first" >&2
  exit 1
fi
project() { python3 -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['$1'])"; }
name="$(project name)"
upstream="$(project version)"
if ! [[ "$name" =~ ^[a-z0-9][a-z0-9+.-]+$ ]]; then
  echo "build-deb: the project's name '$name' is not a valid Debian package name" >&2
  exit 1
fi
frozen_version="$(QT_QPA_PLATFORM=offscreen "$frozen/kiosk" --version)"
if [ "$frozen_version" != "kiosk $upstream" ]; then
  echo "build-deb: $frozen is '$frozen_version', pyproject.toml says $upstream: build it again" >&2
  exit 1
fi
version="$upstream-${DEB_REVISION:-1}"
arch="$(dpkg --print-architecture)"
maintainer="${DEB_MAINTAINER:-hall-kiosk maintainers <root@localhost>}"
compress="${DEB_COMPRESS:-xz:3}"
out="${DEB_OUT:-dist}"
pip_python="${DEB_PIP:-$here/.venv/bin/python}"
stage="$here/build/deb"
mkdir -p "$out"

python3 scripts/frozen_libraries.py check "$frozen" packaging/frozen-libraries.txt

control() {  # control() TEMPLATE ROOT DEPENDS PYTHON: DEBIAN/control from the template
  local size
  size="$(du -sk --exclude=DEBIAN "$2" | cut -f1)"
  sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@SIZE@|$size|" \
      -e "s|@DEPENDS@|$3|" -e "s|@PYTHON@|$4|" "$1" > "$2/DEBIAN/control"
}

scripts_and_conffiles() {  # SOURCE ROOT: maintainer scripts, and every file under /etc as a conffile
  install -d "$2/DEBIAN"
  install -m 0755 "$1/postinst" "$1/prerm" "$1/postrm" "$2/DEBIAN/"
  (cd "$2" && find etc -type f | sort | sed 's|^|/|') > "$2/DEBIAN/conffiles"
}

documents() {  # PACKAGE ROOT
  local doc="$2/usr/share/doc/$1"
  install -d "$doc"
  install -m 0644 docs/deployment.md docs/configuration.md "$doc/"
  cat > "$doc/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $name

Files: *
Copyright: the $name authors
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
COPYRIGHT
}

build() {  # ROOT PACKAGE: the .deb
  local deb="$out/${2}_${version}_${arch}.deb"
  dpkg-deb --root-owner-group -Z"${compress%%:*}" -z"${compress##*:}" --build "$1" "$deb" >/dev/null
  echo "build-deb: $deb ($(du -h "$deb" | cut -f1))"
}

terminal() {
  local root="$stage/$name" src=packaging/terminal role
  rm -rf "$root"
  install -d "$root/opt" "$root/usr/bin" "$root/etc/$name" "$root/usr/lib/systemd/system" "$root/usr/lib/udev/rules.d"
  cp -al "$here/$frozen" "$root/opt/$name" 2>/dev/null || cp -a "$here/$frozen" "$root/opt/$name"
  printf '#!/bin/sh\nexec /opt/%s/kiosk "$@"\n' "$name" > "$root/usr/bin/kiosk"
  chmod 0755 "$root/usr/bin/kiosk"
  for role in citizen clerk display technician; do  # the sample files, pointed at the installed places
    {
      echo "# Installed by $name: systemctl enable --now $name@$role runs this file."
      echo "# Every setting: configuration.md; the installation: deployment.md; both in /usr/share/doc/$name/."
      sed -e "s|/etc/kiosk/|/etc/$name/|g" -e "s|simulators/sample_data/|/etc/$name/|g" \
          -e "/^hall_id = /a data_dir = \"/var/lib/$name\"               # the store, its keys; logs in /var/log/$name" \
          "simulators/sample_data/$role.toml"
    } > "$root/etc/$name/$role.toml"
  done
  install -m 0644 "$src/terminal.env" "$root/etc/$name/terminal.env"
  install -m 0644 "$src/$name@.service" "$src/$name-x.service" "$root/usr/lib/systemd/system/"
  install -m 0644 "$src/60-$name.rules" "$root/usr/lib/udev/rules.d/"
  documents "$name" "$root"
  scripts_and_conffiles "$src" "$root"
  control "$src/control.in" "$root" "$(python3 scripts/frozen_libraries.py depends packaging/frozen-libraries.txt)" ""
  build "$root" "$name"
}

hall_server() {
  local package="$name-hall-server" src=packaging/hall-server
  local root="$stage/$package" venv="/opt/$package/venv" python
  rm -rf "$root"
  install -d "$root/usr/bin" "$root/etc/$package" "$root/usr/lib/systemd/system"
  /usr/bin/python3 -m venv --without-pip "$root$venv"
  python="python$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  # The package depends on pythonX.Y, which holds /usr/bin/pythonX.Y but not /usr/bin/python3.
  ln -sfn "/usr/bin/$python" "$root$venv/bin/python"
  local server_extra
  mapfile -t server_extra < <(python3 -c "import tomllib
print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['server']))")
  "$pip_python" -m pip --python "$root$venv/bin/python" install -q --no-compile -r "$src/requirements.txt" \
    "${server_extra[@]}"
  "$pip_python" -m pip --python "$root$venv/bin/python" install -q --no-compile --no-deps .
  # The environment is built here and runs from /opt: its scripts and its record of the build name /opt.
  grep -rlI --null "$root" "$root$venv/bin" "$root$venv/pyvenv.cfg" | xargs -0 -r sed -i "s|$root||g"
  (cd / && "$root$venv/bin/python" - <<'CHECK'
import importlib, pkgutil, sys
import hall_server
for module in pkgutil.walk_packages(hall_server.__path__, "hall_server."):
    importlib.import_module(module.name)
import kiosk.cli
print(f"build-deb: every hall_server module imports in the hall server's environment", file=sys.stderr)
CHECK
  )
  "$root$venv/bin/python" -m compileall -q -j0 -s "$root" -p / "$root$venv/lib" >/dev/null
  install -m 0755 "$src/$name-server" "$root/usr/bin/"
  install -m 0644 "$src/hall-server.env" "$root/etc/$package/"
  install -m 0644 "$src/$package.service" "$root/usr/lib/systemd/system/"
  documents "$package" "$root"
  scripts_and_conffiles "$src" "$root"
  control "$src/control.in" "$root" "" "$python, libc6"
  build "$root" "$package"
}

terminal
hall_server
