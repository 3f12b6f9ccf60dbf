//! Database access: one connection type over SQLite (embedded default) and PostgreSQL.

mod connection;
mod group;
mod migrate;
pub mod schema;

pub use connection::{Conn, MultiBackend, Pool, atomic, build_pool, connect, ephemeral_tx, write_tx};
pub use group::{GroupCommit, Scratch, defer};
pub use migrate::run_migrations;

use crate::error::AppError;

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
