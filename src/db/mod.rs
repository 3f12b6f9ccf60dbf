//! Database access: one connection type over SQLite (embedded default) and PostgreSQL.

mod batch_commit;
mod circuit;
mod connection;
mod migrate;
mod prepared;
pub mod schema;
mod stamp;

pub use batch_commit::{Asks, BatchCommit, Flush, Scratch, write_at_commit, write_last_at_commit};
pub use connection::{
    Conn, MultiBackend, NoConnection, Pool, atomic, build_pool, connect, ephemeral_tx, transaction_depth, write_tx,
};
pub use migrate::{pending_migrations, run_migrations};
pub use prepared::{Prepared, prepared};
pub use stamp::Stamp;

use crate::error::AppError;

/// Runs one body on whichever inner connection `conn` holds, bound to `$c`: for statements
/// the multi-backend connection cannot build (`RETURNING`, upserts, multi-row inserts,
/// transaction control) but whose SQL is the same on both databases. Where the SQL really
/// differs, match on [`Conn`] and write each arm.
#[macro_export]
macro_rules! on_inner {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}

/// Runs blocking database work on the thread pool, with a pooled connection.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(AppError::unavailable)?;
        work(&mut conn)
    })
    .await
    .map_err(AppError::internal)?
}
