#!/usr/bin/env bash
# One command: set up, migrate, load demo data and serve on the embedded defaults
# (SQLite + embedded search + bank transfer) at http://127.0.0.1:8000 (docs: /api/docs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export FLASK_APP=wsgi
.venv/bin/flask db upgrade
.venv/bin/flask demo seed
.venv/bin/flask search reindex   # the index is derived data: rebuild it from the database
exec .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app
