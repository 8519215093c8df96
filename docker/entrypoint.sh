#!/bin/sh
# Container entry point: wait for the database, check it, then start what was asked for.
#   web            check, migrate (unless MIGRATE_ON_START=0), then gunicorn on $PORT
#   worker         check, wait until migrations are applied, then the task worker
#   manage ARGS    python manage.py ARGS (e.g. `manage dbcheck`, `manage backup`)
#   anything else  run as given
set -eu

WAIT_SECONDS="${WAIT_SECONDS:-120}"

wait_until() {
  # wait_until DESCRIPTION COMMAND...: retry COMMAND every 2 s for WAIT_SECONDS, then show its error.
  description="$1"
  shift
  waited=0
  until "$@" >/dev/null 2>&1; do
    waited=$((waited + 2))
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      echo "gave up after ${WAIT_SECONDS} s waiting for ${description}:" >&2
      "$@" >&2 || true
      exit 1
    fi
    sleep 2
  done
}

wait_for_database() {
  # Only the connection: a problem that waiting cannot fix is reported by check_database.
  wait_until "the database" python manage.py shell --no-imports \
    -c "from django.db import connection; connection.ensure_connection()"
}

check_database() {
  # utf8mb4, server version, and FIELD_ENCRYPTION_KEYS able to decrypt the stored secrets
  # (Django system checks tagged "database"): `check` names each failure and its fix.
  if ! python manage.py check --database default; then
    echo "$1 not started: the database check above failed (docs/operations.md › Troubleshooting)." >&2
    exit 1
  fi
}

case "${1:-web}" in
  web)
    wait_for_database
    check_database web
    if [ "${MIGRATE_ON_START:-1}" = "1" ]; then python manage.py migrate --noinput; fi
    # connector/gunicorn.conf.py: timeout and an access log without query strings (tokens).
    exec gunicorn connector.wsgi --config connector/gunicorn.conf.py --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}"
    ;;
  worker)
    wait_for_database
    check_database worker
    # The web container migrates; the worker starts once the schema is there.
    wait_until "migrations (run by the web container)" python manage.py migrate --check
    exec python manage.py worker --queue-name default
    ;;
  manage)
    shift
    exec python manage.py "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
