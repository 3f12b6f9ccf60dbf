//! Embedded migrations for both backends, run at start-up and by `zhengqiu migrate`.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::Conn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// Any fixed number: instances starting together take turns migrating.
const PG_MIGRATION_LOCK: i64 = 0x7a68_656e_6771;

/// Applies pending migrations, then `data_tasks`: the work they left for the application
/// (e.g. indexing text stored before the index existed), which on PostgreSQL runs under
/// the same lock, so instances starting together do it once. Returns the versions applied.
pub fn run_migrations(
    conn: &mut Conn,
    data_tasks: impl FnOnce(&mut Conn) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<String>> {
    fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
        versions.into_iter().map(|v| v.to_string()).collect()
    }
    let applied = match conn {
        Conn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(names).map_err(|e| anyhow::anyhow!("{e}")),
        Conn::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})")).execute(c)?;
            let result = c.run_pending_migrations(POSTGRES).map(names).map_err(|e| anyhow::anyhow!("{e}"));
            let result = result.and_then(|applied| {
                data_tasks(conn)?;
                Ok(applied)
            });
            if let Conn::Postgres(c) = conn {
                diesel::sql_query(format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})")).execute(c)?;
            }
            return result;
        }
    }?;
    data_tasks(conn)?;
    Ok(applied)
}

/// The versions of the migrations built into this program that the database has not
/// applied yet (empty when the schema is current).
pub fn pending_migrations(conn: &mut Conn) -> anyhow::Result<Vec<String>> {
    fn versions<DB: diesel::backend::Backend>(
        pending: diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>>,
    ) -> anyhow::Result<Vec<String>> {
        let pending = pending.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(pending.iter().map(|m| m.name().version().to_string()).collect())
    }
    match conn {
        Conn::Sqlite(c) => versions(c.pending_migrations(SQLITE)),
        Conn::Postgres(c) => versions(c.pending_migrations(POSTGRES)),
    }
}
