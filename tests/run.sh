#!/usr/bin/env bash
# Set up and run the whole test suite from a fresh clone:
# Debian packages the tests need, the virtualenv with the test extras, a throwaway
# PostgreSQL server on a private port, then pytest (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages: PostgreSQL server (PostgreSQL tests), Redis server (the job queue's Redis
#    storage; the tests start their own on a free port) and Chromium (browser tests;
#    Playwright drives Debian's browser, never a browser download of its own).
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. The virtualenv with the app and its test, bench (pyvroom: the routing tests compare with VROOM) and postgres
#    extras, at the versions CI pins.
#    First the venv's own pip and setuptools: the ones python3 -m venv seeds are known-vulnerable
#    (tests/test_dependencies.py fails on them).
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -c .ci/constraints.txt --upgrade pip setuptools
.venv/bin/python -m pip install -q --disable-pip-version-check -c .ci/constraints.txt -e '.[test,bench,postgres]'

# 3. A private PostgreSQL server for this run, stopped on exit.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_DIR=$(mktemp -d /tmp/foodtrain-pg.XXXXXX)
PG_PORT=${FOODTRAIN_TEST_PG_PORT:-55432}
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
run_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop_pg() { run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap stop_pg EXIT
run_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres foodtrain_test
export DATABASE_URL_TEST_POSTGRES="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/foodtrain_test"

# 4. The tests (browser tests must run here, not skip), one xdist worker per core and one more (a sixth of the
#    suite's time is spent waiting on processes it started -- servers, job workers, browsers -- so a third
#    worker on 2 cores took the suite from 608 s to 553 s): each xdist worker makes its
#    own PostgreSQL database from DATABASE_URL_TEST_POSTGRES (tests/conftest.py). FOODTRAIN_TEST_WORKERS=0
#    runs them in one process.
cd "$ROOT"
.venv/bin/ruff check .  # lint first (settings in pyproject.toml)
.venv/bin/ruff format --check .  # and the layout: `ruff format .` puts it right
# Types of foodtrain/ and web/ (settings in pyproject.toml; .mypy_cache makes later runs take seconds).
.venv/bin/mypy foodtrain web
# routing/ and rota/ are checked on their own too (no module is exempt: 0 errors everywhere).
.venv/bin/mypy routing rota
export FOODTRAIN_REQUIRE_BROWSER=1
.venv/bin/python -m pytest -n "${FOODTRAIN_TEST_WORKERS:-$(( $(nproc) + 1 ))}" --dist worksteal "$@"
