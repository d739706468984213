#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the hall server's tests (tests/hall_databases.py), on a Unix socket only.
#
#   scripts/test_cluster.sh start DIR   makes and starts a cluster in DIR (new or empty), prints its URL
#                                       (put it in HALL_TEST_POSTGRES)
#   scripts/test_cluster.sh stop DIR    stops it and removes DIR
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the user postgres (made by Debian's
# postgresql package). It takes no TCP port, trusts local connections and does not flush to disk (fsync off):
# it exists for one test run, and the tests are about what the server does, not about power cuts. DIR must
# be short: the socket's path is at most 107 bytes.
set -euo pipefail
command="${1:-}" dir="${2:-}"
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

pg_bin() {
  local found
  for found in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$found/initdb" ] && [ -x "$found/pg_ctl" ] && { echo "$found"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  echo "test_cluster: PostgreSQL's server is not installed (Debian: apt-get install -y postgresql)" >&2
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    bin="$(pg_bin)"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@/postgres?host=$dir"
    ;;
  stop)
    bin="$(pg_bin)"
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
