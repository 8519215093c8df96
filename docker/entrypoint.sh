#!/bin/sh
# Wait for the database, apply migrations, then start the requested process: web | worker | <command>.
set -eu

wait_for_database() {
  attempts=0
  until python manage.py check --database default >/dev/null 2>&1; do
    attempts=$((attempts + 1))
    if [ "$attempts" -ge 60 ]; then
      echo "database not reachable after 120 s:" >&2
      python manage.py check --database default >&2 || true
      exit 1
    fi
    sleep 2
  done
}

case "${1:-web}" in
  web)
    wait_for_database
    if [ "${MIGRATE_ON_START:-1}" = "1" ]; then python manage.py migrate --noinput; fi
    exec gunicorn connector.wsgi --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" \
      --timeout 30 --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}"
    ;;
  worker)
    wait_for_database
    exec python manage.py db_worker --queue-name default
    ;;
  *)
    exec "$@"
    ;;
esac
