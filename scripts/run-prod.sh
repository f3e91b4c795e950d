#!/usr/bin/env bash
# `make run-prod`: the production stack on this machine, on real services. PostgreSQL (127.0.0.1:5432, user
# postgres) and Redis (127.0.0.1:6379) must be running; the S3-compatible object store is moto's server on
# loopback unless AWS_S3_ENDPOINT_URL points at a real one. gunicorn, N Celery workers and one beat run under
# honcho (Procfile.prod); Ctrl-C stops all of them, the S3 server included.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8000}"
WEB_WORKERS="${WEB_WORKERS:-2}"
CELERY_WORKERS="${CELERY_WORKERS:-2}"
S3_PORT="${S3_PORT:-9000}"
PG="${PROD_PG:-postgres://postgres@127.0.0.1:5432}"
DB_NAME="${PROD_DB_NAME:-certportal_prod}"

export DEBUG=false
export CERTPORTAL_VAR_DIR="${CERTPORTAL_VAR_DIR:-$PWD/var/prod}"
export DATABASE_URL="$PG/$DB_NAME"
export CELERY_BROKER_URL="${PROD_BROKER_URL:-redis://127.0.0.1:6379/1}"
export CACHE_URL="${PROD_CACHE_URL:-redis://127.0.0.1:6379/2}"
export SITE_URL="http://127.0.0.1:$PORT"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export WEB_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY="$WEB_WORKERS"
# With DEBUG off the settings default to HTTPS only (redirect, HTTPS-only cookies, HSTS). This stack speaks plain
# HTTP on loopback, so it turns them off explicitly; a real installation keeps them on behind its TLS proxy.
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
mkdir -p "$CERTPORTAL_VAR_DIR"
# Metrics (README "Operations"): gunicorn's and the Celery workers' processes write their counters here and any web
# process serves the sums at /metrics/. It must start empty: counters from a previous run would be added in.
export PROMETHEUS_MULTIPROC_DIR="$CERTPORTAL_VAR_DIR/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

pg_isready -q -d "$PG/postgres" || { echo "run-prod: PostgreSQL is not running on $PG (start it first)"; exit 1; }
(exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { echo "run-prod: Redis is not running on 127.0.0.1:6379"; exit 1; }

if [ -z "${AWS_S3_ENDPOINT_URL:-}" ]; then
  # moto keeps its objects in memory: a database that outlived them would point at files that are gone, so the
  # database starts afresh with the S3 server. With a real S3 endpoint the database is kept.
  export AWS_S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_STORAGE_BUCKET_NAME=certportal-private
  export AWS_ACCESS_KEY_ID=certportal AWS_SECRET_ACCESS_KEY=certportal-local AWS_S3_REGION_NAME=us-east-1
  .venv/bin/moto_server -H 127.0.0.1 -p "$S3_PORT" >"$CERTPORTAL_VAR_DIR/s3.log" 2>&1 &
  s3_pid=$!
  trap 'kill "$s3_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break; sleep 0.2; done
  .venv/bin/python -c "import boto3; boto3.client('s3', endpoint_url='$AWS_S3_ENDPOINT_URL', region_name='us-east-1').create_bucket(Bucket='$AWS_STORAGE_BUCKET_NAME')"
  dropdb --if-exists --force --maintenance-db="$PG/postgres" "$DB_NAME"
fi
: "${AWS_STORAGE_BUCKET_NAME:?set AWS_STORAGE_BUCKET_NAME with AWS_S3_ENDPOINT_URL}"
psql -d "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
  || createdb --maintenance-db="$PG/postgres" "$DB_NAME"

.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
# The PDFs are signed: a development key under $CERTPORTAL_VAR_DIR/signing unless SIGNING_PKCS12_PATH names the body's.
[ -n "${SIGNING_PKCS12_PATH:-}" ] || .venv/bin/python manage.py create_dev_signing_key
# Not a production installation (loopback, throwaway data): the demo accounts get a random password and TOTP
# secret on every start, printed once below and nowhere else.
.venv/bin/python manage.py seed_demo --not-production
echo ""
echo "  certportal (production stack) on http://127.0.0.1:$PORT/  (staff: http://127.0.0.1:$PORT/admin/)"
echo "  Plain HTTP on loopback: SSL redirect, HTTPS-only cookies and HSTS are turned OFF for this run (never in production)"
echo "  PostgreSQL $DB_NAME, Redis $CELERY_BROKER_URL (cache $CACHE_URL), S3 $AWS_S3_ENDPOINT_URL, $WEB_WORKERS web + $CELERY_WORKERS Celery workers + 1 beat"
echo ""
.venv/bin/honcho start -f Procfile.prod -c "worker=$CELERY_WORKERS"
