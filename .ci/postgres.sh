# Sourced by .ci/run and benches/run: makes a PostgreSQL server available and sets
# PG_URL to it (a running server, the installed cluster, Debian's package, or a
# private cluster in a temporary directory, stopped again on exit).
PG_URL="${PG_URL:-${ZHENGQIU_TEST_DATABASE_URL:-}}"
PRIVATE_PGDATA=""

pg_answers() { # $1 = url
  command -v psql >/dev/null 2>&1 && psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
}

try_local_server() {
  for url in "postgres://postgres@127.0.0.1:5432/postgres" "postgres://postgres@localhost:5432/postgres"; do
    if pg_answers "$url"; then PG_URL="$url"; return 0; fi
  done
  return 1
}

start_installed_cluster() {
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  [ -d /etc/postgresql ] || return 1
  for version in $(ls /etc/postgresql); do
    echo "starting the installed PostgreSQL $version cluster"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 || true
  done
  for _ in $(seq 1 20); do try_local_server && return 0; sleep 1; done
  return 1
}

install_postgres() {
  command -v apt-get >/dev/null 2>&1 || return 1
  echo "installing PostgreSQL from Debian's packages"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null 2>&1 || return 1
}

start_private_cluster() {
  local bindir; bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bindir" ] && [ -x "$bindir/initdb" ] || return 1
  PRIVATE_PGDATA=$(mktemp -d /tmp/zhengqiu-ci-pg.XXXXXX)
  local port=55432 run=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || return 1
    chown postgres "$PRIVATE_PGDATA"; run=(runuser -u postgres --)
  fi
  echo "starting a private PostgreSQL cluster in $PRIVATE_PGDATA on port $port"
  "${run[@]}" "$bindir/initdb" -D "$PRIVATE_PGDATA/data" -U postgres --auth=trust -E UTF8 >/dev/null || return 1
  "${run[@]}" "$bindir/pg_ctl" -D "$PRIVATE_PGDATA/data" -o "-p $port -k $PRIVATE_PGDATA -c listen_addresses=127.0.0.1" -l "$PRIVATE_PGDATA/log" -w start >/dev/null || return 1
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  pg_answers "$PG_URL"
}

stop_private_cluster() {
  [ -n "$PRIVATE_PGDATA" ] || return 0
  local bindir; bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  local run=(); [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bindir/pg_ctl" -D "$PRIVATE_PGDATA/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PRIVATE_PGDATA"
}
trap stop_private_cluster EXIT

# Sets PG_URL, or says why it cannot and returns 1.
ensure_postgres() {
  if [ -n "$PG_URL" ]; then
    pg_answers "$PG_URL" || { echo "PostgreSQL at $PG_URL does not answer"; return 1; }
  elif try_local_server; then :
  elif start_installed_cluster; then :
  elif install_postgres && (start_installed_cluster || start_private_cluster); then :
  elif start_private_cluster; then :
  else
    echo "PostgreSQL is not running on 127.0.0.1:5432, no installed cluster could be started,"
    echo "it could not be installed with apt-get, and no private cluster could be created."
    return 1
  fi
}
