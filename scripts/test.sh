#!/usr/bin/env bash
# One command: set up and run the whole suite (lint, types, tests on SQLite and PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --dev

# PostgreSQL: the local server on 127.0.0.1:5432 (start it if this machine has it but it is down).
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

.venv/bin/ruff check marketplace search payments tests bench migrations
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest -n 2 "$@"
