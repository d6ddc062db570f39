#!/bin/sh
# The read replica's start (docker-compose.yml, profile "replica"; docs/replicas.md). On the
# first start (an empty data directory) it copies the primary with pg_basebackup and from then
# on streams the primary's WAL as a hot standby; on later starts it resumes streaming.
# Environment: PRIMARY_HOST, PRIMARY_USER (a superuser or a role with REPLICATION),
# PRIMARY_PASSWORD; REPLICATION_SLOT (default catalog_replica).
set -eu
export PGPASSWORD="$PRIMARY_PASSWORD"
SLOT="${REPLICATION_SLOT:-catalog_replica}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    # The official image's primary accepts network logins but no replication connections.
    # Add the one pg_hba.conf line replication needs, once, and reload the primary; an
    # operator who manages pg_hba.conf can add it by hand, and nothing is changed then.
    # The slot makes the primary keep the WAL this replica has not received yet.
    psql -h "$PRIMARY_HOST" -U "$PRIMARY_USER" -d postgres -v ON_ERROR_STOP=1 -v slot="$SLOT" <<'SQL'
SELECT NOT EXISTS (
    SELECT 1 FROM pg_hba_file_rules
     WHERE type = 'host' AND 'replication' = ANY (database) AND address = 'all'
) AS needs_rule,
       'cat >> ' || setting AS append_to_hba
  FROM pg_settings WHERE name = 'hba_file' \gset
\if :needs_rule
COPY (SELECT 'host replication all all scram-sha-256') TO PROGRAM :'append_to_hba';
SELECT pg_reload_conf();
\endif
SELECT pg_create_physical_replication_slot(:'slot')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL
    pg_basebackup -h "$PRIMARY_HOST" -U "$PRIMARY_USER" -D "$PGDATA" \
        --write-recovery-conf --wal-method=stream --slot="$SLOT" --checkpoint=fast --progress
    chmod 700 "$PGDATA"
fi

# standby.signal (written by --write-recovery-conf) keeps it a read-only hot standby.
exec postgres -D "$PGDATA" -c hot_standby=on
