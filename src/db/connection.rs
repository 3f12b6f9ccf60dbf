//! Opening connections: the backend comes from the URL scheme, and a failure says what failed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, ConnectionError, PgConnection, RunQueryDsl, SqliteConnection};

use super::circuit::{Circuit, OpenOnError, RETRY_EVERY, Turn};
use crate::config::{Backend, DbUrl};
use crate::error::AppError;

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl Conn {
    /// Which database this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Postgres(_) => Backend::Postgres,
            Conn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Settings every SQLite connection gets. `busy_timeout` must come before WAL:
/// switching the journal mode itself may have to wait for another connection. `threads`
/// lets a large sort (an export's, of every opinion) use a helper thread: 1,000,000
/// opinions as CSV 6.4 -> 5.3 s, XLSX 11.5 -> 9.7 s.
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 10000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA threads = 2;";

/// SQLite keeps memory statistics behind one process-wide mutex, which every allocation
/// of every connection then takes; nothing here reads them. Must run before the first
/// connection opens (afterwards SQLite refuses, harmlessly).
fn sqlite_without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config with an int argument, called once, before SQLite is used.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
        }
    });
}

/// Opens one connection, with the backend's own error message on failure
/// (for PostgreSQL, libpq's text, e.g. that the password was refused).
pub fn connect(url: &DbUrl) -> Result<Conn, ConnectionError> {
    match url.backend() {
        Backend::Postgres => PgConnection::establish(url.as_str()).map(Conn::Postgres),
        Backend::Sqlite => {
            if let Some(dir) = PathBuf::from(url.as_str()).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    ConnectionError::BadConnection(format!("cannot create the directory {}: {e}", dir.display()))
                })?;
            }
            sqlite_without_memory_statistics();
            let mut conn = SqliteConnection::establish(url.as_str())?;
            conn.batch_execute(SQLITE_SETUP).map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(Conn::Sqlite(conn))
        }
    }
}

/// r2d2 manager that opens connections with [`connect`].
#[derive(Debug)]
pub struct Manager {
    url: DbUrl,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Conn, ConnectionError> {
        connect(&self.url)
    }

    /// Asked of every connection the pool gives out, so that one left broken by a database
    /// restart is replaced instead of failing a request. On PostgreSQL the `SELECT 1` is kept
    /// prepared: a round trip, but nothing to parse or plan on each request.
    fn is_valid(&self, conn: &mut Conn) -> Result<(), ConnectionError> {
        match conn {
            Conn::Postgres(c) => super::prepared("SELECT 1").execute(c),
            Conn::Sqlite(c) => diesel::sql_query("SELECT 1").execute(c),
        }
        .map(|_| ())
        .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    /// A connection handed back inside a transaction, or (SQLite) with its durability
    /// lowered, is not given out again.
    fn has_broken(&self, conn: &mut Conn) -> bool {
        if !matches!(transaction_depth(conn), Ok(None)) {
            return true;
        }
        match conn {
            Conn::Sqlite(c) => !sqlite_is_durable(c),
            Conn::Postgres(_) => false,
        }
    }
}

/// The connection pool, behind a [`Circuit`]: while the database is known to be out of
/// reach a request fails at once instead of waiting out the timeout (see `get`).
#[derive(Clone, Debug)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    circuit: Arc<Circuit>,
    timeout: Duration,
}

/// No connection could be had: the database is out of reach, or every connection is busy.
#[derive(Debug, thiserror::Error)]
pub enum NoConnection {
    #[error("the database is known to be out of reach (retried once a second)")]
    KnownDown,
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::PoolError),
}

/// How long a waiting request sleeps between looks at the circuit.
const LOOK_EVERY: Duration = Duration::from_millis(100);

impl Pool {
    /// A connection. While the circuit is closed this waits up to the pool's timeout for
    /// one, but gives up as soon as a new connection fails to open (the database went
    /// away); while it is open only one request a second tries, for up to a second.
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, NoConnection> {
        let start = Instant::now();
        let wait = match self.circuit.turn(start) {
            Turn::Refuse => return Err(NoConnection::KnownDown),
            Turn::Retry => RETRY_EVERY,
            Turn::Wait => self.timeout,
        };
        loop {
            let left = wait.saturating_sub(start.elapsed());
            match self.inner.get_timeout(left.min(LOOK_EVERY).max(Duration::from_millis(1))) {
                Ok(conn) => {
                    self.circuit.close();
                    return Ok(conn);
                }
                Err(err) if start.elapsed() >= wait => return Err(err.into()),
                Err(err) if wait == self.timeout && self.circuit.is_open() => return Err(err.into()),
                Err(_) => {}
            }
        }
    }

    /// Whether the database is known to be out of reach just now.
    pub fn known_down(&self) -> bool {
        self.circuit.is_open()
    }
}

/// Builds the pool after one direct connection attempt, so that a wrong password or
/// an unreachable server is reported as such instead of as a pool timeout.
pub fn build_pool(url: &DbUrl, size: u32) -> anyhow::Result<Pool> {
    connect(url).map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
    let circuit = Arc::new(Circuit::default());
    let timeout = Duration::from_secs(5);
    let inner = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(timeout)
        .error_handler(Box::new(OpenOnError(circuit.clone())))
        .build(Manager { url: url.clone() })
        .map_err(|e| anyhow::anyhow!("cannot open a connection pool to {url}: {e}"))?;
    Ok(Pool { inner, circuit, timeout })
}

/// How deep in transactions the connection is (`None`: in none).
pub fn transaction_depth(conn: &mut Conn) -> diesel::QueryResult<Option<std::num::NonZeroU32>> {
    crate::on_inner!(conn, c => AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth())
}

/// Opens a write transaction: on SQLite with `BEGIN IMMEDIATE`, which takes the write lock
/// up front (a deferred transaction that reads first and then writes can fail at once with
/// "database is locked" instead of waiting its turn); on PostgreSQL with `postgres_begin`.
pub(super) fn begin_write(conn: &mut Conn, postgres_begin: &str) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        Conn::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(c, postgres_begin),
    }
}

pub(super) fn commit(conn: &mut Conn) -> diesel::QueryResult<()> {
    crate::on_inner!(conn, c => AnsiTransactionManager::commit_transaction(c))
}

/// Rolls back the innermost open transaction or savepoint.
pub(super) fn rollback(conn: &mut Conn) -> diesel::QueryResult<()> {
    crate::on_inner!(conn, c => AnsiTransactionManager::rollback_transaction(c))
}

#[derive(diesel::QueryableByName)]
struct SyncLevel {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    synchronous: i32,
}

/// Whether every commit on this SQLite connection is flushed to disk (`synchronous = FULL`).
fn sqlite_is_durable(c: &mut SqliteConnection) -> bool {
    diesel::sql_query("PRAGMA synchronous").get_result::<SyncLevel>(c).is_ok_and(|l| l.synchronous == 2)
}

/// Runs `work` in a write transaction that a power cut may undo without harm to anyone:
/// captcha challenges and rate-limit counters. It commits without waiting for the disk
/// (PostgreSQL: `synchronous_commit` off for this transaction; SQLite: `synchronous =
/// NORMAL` while it runs, which in WAL mode leaves the flush to the next durable commit).
/// Inside an open transaction it simply joins it.
pub fn ephemeral_tx<T>(conn: &mut Conn, work: impl FnOnce(&mut Conn) -> Result<T, AppError>) -> Result<T, AppError> {
    if transaction_depth(conn)?.is_some() {
        return conn.transaction(work);
    }
    match conn {
        // One round trip for both statements.
        Conn::Postgres(_) => write_tx_begun_by(conn, "BEGIN; SET LOCAL synchronous_commit TO OFF", work),
        Conn::Sqlite(c) => {
            c.batch_execute("PRAGMA synchronous = NORMAL")?;
            let result = write_tx(conn, work);
            if let Conn::Sqlite(c) = conn {
                // Should this fail, the pool discards the connection (see `has_broken`).
                c.batch_execute("PRAGMA synchronous = FULL")?;
            }
            result
        }
    }
}

/// Runs `work` so that it takes effect entirely or not at all: inside an open transaction
/// it simply runs (the caller's transaction or savepoint decides), otherwise in a write
/// transaction of its own. Cheaper than a savepoint where the caller already has one.
pub fn atomic<T>(conn: &mut Conn, work: impl FnOnce(&mut Conn) -> Result<T, AppError>) -> Result<T, AppError> {
    if transaction_depth(conn)?.is_some() { work(conn) } else { write_tx(conn, work) }
}

/// SQLite lets one connection write at a time, and the others poll for the lock, sleeping
/// 1, 2, 5, 10… ms between tries. This process's writers queue on this mutex instead, so
/// a write waits only as long as the one before it takes.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// This process's turn to write to SQLite; `None` for PostgreSQL, which has no such limit.
pub(super) fn writer_turn(conn: &Conn) -> Option<std::sync::MutexGuard<'static, ()>> {
    matches!(conn, Conn::Sqlite(_)).then(|| SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Runs `work` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`,
/// which takes the write lock up front: a deferred transaction that reads first and
/// then writes can fail at once with "database is locked" instead of waiting its turn.
/// Inside an open transaction it runs in a savepoint instead.
pub fn write_tx<T>(conn: &mut Conn, work: impl FnOnce(&mut Conn) -> Result<T, AppError>) -> Result<T, AppError> {
    write_tx_begun_by(conn, "BEGIN", work)
}

/// [`write_tx`], with the SQL that opens the transaction on PostgreSQL.
fn write_tx_begun_by<T>(
    conn: &mut Conn,
    postgres_begin: &str,
    work: impl FnOnce(&mut Conn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    if transaction_depth(conn)?.is_some() {
        return conn.transaction(work);
    }
    let _turn = writer_turn(conn);
    begin_write(conn, postgres_begin)?;
    match work(conn) {
        Ok(value) => {
            commit(conn)?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback_err) = rollback(conn) {
                tracing::error!(error = %rollback_err, "rollback failed");
            }
            Err(err)
        }
    }
}
