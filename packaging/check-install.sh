#!/bin/sh
# The packages' life on one Debian system, as root: install (their Depends from the system's apt sources),
# run the installed terminal and hall server, upgrade to the same packages with a bumped version, remove,
# purge. Upgrade and removal keep the configuration and the data; purge removes them (Debian Policy ch. 6,
# "Package maintainer scripts"). Run by scripts/check-deb.sh in a clean root, or on the machine itself:
#   packaging/check-install.sh DIR_OF_FIRST_DEBS DIR_OF_UPGRADE_DEBS
set -eu
first="$1"
upgrade="$2"
export DEBIAN_FRONTEND=noninteractive
say() { printf 'check-install: %s\n' "$*"; }
fail() { printf 'check-install: FAILED: %s\n' "$*" >&2; exit 1; }
as_user() { user="$1"; shift; runuser -u "$user" -- env HOME="/var/lib/$user" "$@"; }
version_of() { dpkg-query -W -f='${Version}' "$1"; }

say "install" $(ls "$first")
apt-get install -y -q --no-install-recommends "$first"/*.deb >/dev/null
[ "$(kiosk --version)" = "kiosk $(version_of hall-kiosk | sed 's/-[^-]*$//')" ] || fail "kiosk --version"
say "$(command -v kiosk): $(kiosk --version)"
as_user hall-kiosk env QT_QPA_PLATFORM=offscreen kiosk diag selftest || fail "kiosk diag selftest as hall-kiosk"
id -nG hall-kiosk | tr ' ' '\n' | grep -qx dialout || fail "hall-kiosk is not in dialout"
id -nG hall-kiosk | tr ' ' '\n' | grep -qx video || fail "hall-kiosk is not in video"
id -nG hall-kiosk | tr ' ' '\n' | grep -qx audio || fail "hall-kiosk is not in audio"
for role in citizen clerk display technician; do
  grep -q '^data_dir = "/var/lib/hall-kiosk"' "/etc/hall-kiosk/$role.toml" || fail "/etc/hall-kiosk/$role.toml"
done
[ "$(stat -c '%U:%G %a' /var/lib/hall-kiosk)" = "hall-kiosk:hall-kiosk 750" ] || fail "/var/lib/hall-kiosk"
[ "$(readlink /var/lib/hall-kiosk/logs)" = /var/log/hall-kiosk ] || fail "the log directory"
[ "$(stat -c '%U:%G %a' /etc/hall-kiosk)" = "root:hall-kiosk 750" ] || fail "/etc/hall-kiosk"
test -f /usr/lib/systemd/system/hall-kiosk@.service || fail "the terminal's unit"
test -f /usr/lib/udev/rules.d/60-hall-kiosk.rules || fail "the udev rules"
if command -v systemd-analyze >/dev/null; then  # systemd.unit(5): the installed units as systemd reads them
  systemd-analyze verify --man=no hall-kiosk@citizen.service hall-kiosk-hall-server.service || fail "systemd-analyze verify"
  say "systemd-analyze verify: hall-kiosk@citizen.service, hall-kiosk-hall-server.service"
fi

db=/var/lib/hall-kiosk-hall-server/hall.db
as_user hall-kiosk-server hall-kiosk-server hall-admin --db "$db" load-hall >/dev/null || fail "hall-admin load-hall"
as_user hall-kiosk-server hall-kiosk-server hall-admin --db "$db" add-terminal K-01 --role citizen \
  > /etc/hall-kiosk/K-01.secret || fail "hall-admin add-terminal"
as_user hall-kiosk-server hall-kiosk-server hall-admin --db "$db" list-terminals | grep -q '^K-01' \
  || fail "the hall server's database"
say "hall server: $(hall-kiosk-server --version), terminal K-01 provisioned in $db"

# What a hall changes and keeps: its own settings in a role's file, the terminal's data.
echo '# changed by the hall' >> /etc/hall-kiosk/citizen.toml
as_user hall-kiosk sh -c 'mkdir -p /var/lib/hall-kiosk/store && echo kept > /var/lib/hall-kiosk/store/marker'
as_user hall-kiosk sh -c 'echo kept > /var/lib/hall-kiosk/logs/kiosk.log'
kept() {
  grep -q '^# changed by the hall' /etc/hall-kiosk/citizen.toml || fail "$1: the changed configuration is gone"
  test -s /etc/hall-kiosk/K-01.secret || fail "$1: the terminal's secret is gone"
  test -f /var/lib/hall-kiosk/store/marker || fail "$1: the terminal's data is gone"
  test -f /var/log/hall-kiosk/kiosk.log || fail "$1: the terminal's log is gone"
  test -f "$db" || fail "$1: the hall server's database is gone"
  test -f /etc/hall-kiosk-hall-server/hall-server.env || fail "$1: the hall server's flags are gone"
}

say "upgrade to" $(ls "$upgrade")
dpkg -i "$upgrade"/*.deb >/dev/null
[ "$(version_of hall-kiosk)" = "$(dpkg-deb -f "$upgrade"/hall-kiosk_*.deb Version)" ] || fail "upgrade"
kept upgrade
as_user hall-kiosk env QT_QPA_PLATFORM=offscreen kiosk --version >/dev/null || fail "kiosk after the upgrade"

say "remove"
dpkg -r hall-kiosk hall-kiosk-hall-server >/dev/null
! command -v kiosk >/dev/null || fail "kiosk is still installed"
test ! -e /opt/hall-kiosk && test ! -e /opt/hall-kiosk-hall-server || fail "/opt still holds the program"
kept remove

say "purge"
dpkg -P hall-kiosk hall-kiosk-hall-server >/dev/null
for gone in /etc/hall-kiosk /var/lib/hall-kiosk /var/log/hall-kiosk /etc/hall-kiosk-hall-server \
            /var/lib/hall-kiosk-hall-server; do
  test ! -e "$gone" || fail "purge left $gone"
done
say "install, run, upgrade, remove and purge: ok"
