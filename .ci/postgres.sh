#!/usr/bin/env bash
# A throwaway PostgreSQL for the lake tests (tests/test_lake_postgres.py), on 127.0.0.1 with its own data
# folder, run by the unprivileged `postgres` user (initdb refuses root).
#   source .ci/postgres.sh start   # installs Debian's postgresql if missing, starts it, exports NEWSINTEL_TEST_PG
#   .ci/postgres.sh stop           # stops it and removes its folder (PG_DIR)
# Developers can use it too: `source .ci/postgres.sh start && make test`.
# A free port unless PG_PORT names one, so a server a developer already runs is never in the way.
PG_PORT="${PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }; done
  command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

pg_start() {
  if ! pg_bin >/dev/null; then
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >&2 \
      || { echo "WARNING: could not install postgresql; the lake tests will be skipped" >&2; return 0; }
  fi
  local bin runas=()
  bin="$(pg_bin)" || { echo "WARNING: no pg_ctl found; the lake tests will be skipped" >&2; return 0; }
  export PG_DIR="${PG_DIR:-$(mktemp -d /tmp/newsintel-pg.XXXXXX)}"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    runas=(runuser -u postgres --)
  fi
  if "${runas[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.log" 2>&1 \
     && "${runas[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
          -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=200" start >&2; then
    export NEWSINTEL_TEST_PG="host=127.0.0.1 port=$PG_PORT user=postgres"
    echo "PostgreSQL for the lake tests: $NEWSINTEL_TEST_PG (data in $PG_DIR)" >&2
  else
    echo "WARNING: PostgreSQL did not start (see $PG_DIR/*.log); the lake tests will be skipped" >&2
    cat "$PG_DIR"/*.log >&2 2>/dev/null || true
  fi
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
  local bin runas=()
  bin="$(pg_bin)" || return 0
  [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  "${runas[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
  rm -rf "$PG_DIR"
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop ;;
  *) echo "usage: source .ci/postgres.sh start | .ci/postgres.sh stop" >&2 ;;
esac
