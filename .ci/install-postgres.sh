#!/usr/bin/env bash
# Throw-away PostgreSQL cluster for the checkpoint-store tests.
#
#   .ci/install-postgres.sh [start]   install Debian's postgresql if missing, start a cluster on 127.0.0.1 on a free
#                                     port with trust auth, create a database; the last stdout line is
#                                     P2C_TEST_PG_URL=postgres://... for the caller to export
#   .ci/install-postgres.sh stop      stop the cluster and delete its directory
#
# Progress goes to stderr so that stdout carries only the URL line. Running `start` twice reuses the live cluster.
set -euo pipefail

STATE_FILE="${P2C_PG_STATE_FILE:-${TMPDIR:-/tmp}/p2c-test-postgres.state}"
DB_NAME="${P2C_PG_DATABASE:-p2c_test}"
SUPERUSER=postgres

log() { echo "install-postgres: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# initdb refuses to run as root, so a root caller runs the server as the postgres account.
as_db_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
  fi
}

ensure_installed() {
  if [ -n "$(find_bindir)" ]; then
    return
  fi
  log "postgresql is not installed; installing it with apt-get"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
  [ -n "$(find_bindir)" ] || die "postgresql was installed but no initdb was found under /usr/lib/postgresql/*/bin"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})"
}

read_state() {
  # shellcheck disable=SC1090
  [ -f "$STATE_FILE" ] && . "$STATE_FILE"
}

print_url() {
  echo "P2C_TEST_PG_URL=postgres://${SUPERUSER}@127.0.0.1:${PG_PORT}/${DB_NAME}"
}

start() {
  ensure_installed
  local bindir
  bindir=$(find_bindir)

  if read_state && [ -n "${PG_DIR:-}" ] && as_db_owner "$PG_BINDIR/pg_ctl" status -D "$PG_DIR/data" >/dev/null 2>&1; then
    log "reusing the cluster in $PG_DIR"
    print_url
    return
  fi

  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/p2c-pg.XXXXXX")
  PG_PORT=$(free_port)
  PG_BINDIR=$bindir
  mkdir -p "$PG_DIR/socket"
  chmod 700 "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "the postgres system user does not exist (is the postgresql package installed?)"
    chown -R postgres: "$PG_DIR"
  fi

  log "initialising a cluster in $PG_DIR/data"
  as_db_owner "$bindir/initdb" -D "$PG_DIR/data" -U "$SUPERUSER" --auth=trust --encoding=UTF8 --no-sync >&2

  # fsync off: the cluster lives only as long as the test run.
  log "starting the server on 127.0.0.1:$PG_PORT"
  as_db_owner "$bindir/pg_ctl" start -w -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/socket -c fsync=off -c max_connections=200" >&2 ||
    {
      cat "$PG_DIR/server.log" >&2 || true
      die "the server did not start"
    }

  printf 'PG_DIR=%q\nPG_PORT=%q\nPG_BINDIR=%q\n' "$PG_DIR" "$PG_PORT" "$PG_BINDIR" >"$STATE_FILE"

  as_db_owner "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$SUPERUSER" "$DB_NAME"
  log "database $DB_NAME is ready"
  print_url
}

stop() {
  if ! read_state || [ -z "${PG_DIR:-}" ]; then
    log "no cluster recorded in $STATE_FILE; nothing to stop"
    return
  fi
  if [ -d "$PG_DIR/data" ]; then
    as_db_owner "$PG_BINDIR/pg_ctl" stop -w -m fast -D "$PG_DIR/data" >&2 || log "the server was not running"
  fi
  rm -rf "$PG_DIR"
  rm -f "$STATE_FILE"
  log "stopped and removed $PG_DIR"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) die "unknown mode '$1' (expected start or stop)" ;;
esac
