#!/bin/sh
# Creates and migrates the Temporal server's two PostgreSQL databases, `temporal` and
# `temporal_visibility`, with temporal-sql-tool (what the temporalio/admin-tools image ships, and
# what its auto-setup script used to run). Safe to run again: existing databases are kept and only
# newer schema versions are applied. Run by cluster mode (scripts/lib/cluster.ts) and by the
# `temporal-schema` service of docker-compose.yml, with the same environment:
#
#   POSTGRES_SEEDS, DB_PORT      the PostgreSQL host and port
#   POSTGRES_USER, POSTGRES_PWD  a role allowed to create databases
#   SCHEMA_DIR                   the server's schema/postgresql/v12 folder (v1.29.1)
#   TEMPORAL_SQL_TOOL            the tool's path (default: temporal-sql-tool on PATH)
set -eu
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}" "${SCHEMA_DIR:?}"
port="${DB_PORT:-5432}"

for pair in "temporal:temporal" "temporal_visibility:visibility"; do
  db="${pair%%:*}"
  dir="$SCHEMA_DIR/${pair#*:}/versioned"
  [ -d "$dir" ] || { echo "setup-schema: $dir does not exist (SCHEMA_DIR must be schema/postgresql/v12)" >&2; exit 1; }
  sql() {
    "$tool" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
  }
  # create-database fails when the database exists; that is the case to keep going.
  if ! out=$(sql --db "$db" create-database 2>&1); then
    case "$out" in
      *"already exists"*) ;;
      *) echo "$out" >&2; exit 1 ;;
    esac
  fi
  # Version 0.0 only creates the schema_version bookkeeping; update-schema applies every versioned step.
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$dir"
  echo "setup-schema: $db is at the newest schema version in $dir"
done
