//! Group commit: writes that must be on disk before a person is told "saved" (a citizen's
//! opinion and its receipt) are queued to writer threads, which run whatever has queued
//! up in one transaction, each write in a savepoint of its own, and answer every waiting
//! request after the one COMMIT. A burst of opinions then costs one disk flush per batch
//! instead of one per opinion, and no answer is given before its data is durable.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::{Conn, Pool};
use crate::error::AppError;

/// What a queued write hands back: called once the batch's COMMIT succeeded or failed.
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&mut Conn) -> Completion + Send>;

/// Most writes in one transaction: enough to share a flush, few enough that one failed
/// COMMIT does not fail a crowd.
const MAX_BATCH: usize = 64;

/// The queue to the writer threads of one instance.
pub struct GroupCommit {
    sender: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts `writers` writer threads on `pool` (one for SQLite, which has one writer at
    /// a time anyway; a few for PostgreSQL).
    pub fn start(pool: Pool, writers: usize) -> GroupCommit {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..writers.max(1) {
            let (pool, receiver) = (pool.clone(), receiver.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("zhengqiu-writer-{n}"))
                .spawn(move || write_batches(&pool, &receiver));
            if let Err(err) = spawned {
                tracing::error!(error = %err, "could not start a writer thread");
            }
        }
        GroupCommit { sender }
    }

    /// Runs `work` in the next batch, in a savepoint of its own, and returns its result once
    /// the batch is committed. An error from `work` undoes only its own writes.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, AppError>>();
        let job: Job = Box::new(move |conn| {
            let outcome = conn.transaction(work);
            Box::new(move |committed| {
                let answer = match committed {
                    Ok(()) => outcome,
                    Err(why) => Err(AppError::unavailable(anyhow::anyhow!("the batch was not committed: {why}"))),
                };
                let _ = tx.send(answer);
            })
        });
        self.sender.send(job).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

fn stopped() -> AppError {
    AppError::unavailable(anyhow::anyhow!("the writer thread has stopped"))
}

/// One writer thread: takes the first queued write, whatever else has queued meanwhile,
/// and commits them together.
fn write_batches(pool: &Pool, receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let jobs = {
            let Ok(receiver) = receiver.lock() else { return };
            let Ok(first) = receiver.recv() else { return };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        commit_batch(pool, jobs);
    }
}

fn commit_batch(pool: &Pool, jobs: Vec<Job>) {
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(err) => {
            // Each job's own sender is dropped unanswered: its request gets a 503.
            tracing::error!(error = %err, writes = jobs.len(), "no database connection for a batch of writes");
            return;
        }
    };
    let conn: &mut Conn = &mut conn;
    let _turn = super::connection::writer_turn(conn);
    if let Err(err) = begin(conn) {
        tracing::error!(error = %err, writes = jobs.len(), "could not begin a batch of writes");
        return;
    }
    let mut completions = Vec::with_capacity(jobs.len());
    for job in jobs {
        match std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))) {
            Ok(completion) => completions.push(completion),
            Err(_) => {
                // The batch is abandoned: nothing in it is reported saved.
                tracing::error!("a write panicked; its whole batch is rolled back");
                let _ = rollback(conn);
                for completion in completions {
                    completion(Err("a write in the same batch failed".to_owned()));
                }
                return;
            }
        }
    }
    let committed = commit(conn).map_err(|e| e.to_string());
    if let Err(why) = &committed {
        tracing::error!(error = %why, writes = completions.len(), "a batch of writes could not be committed");
        let _ = rollback(conn);
    }
    for completion in completions {
        completion(committed.clone());
    }
}

fn begin(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        // Take the write lock up front (see `write_tx`).
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        Conn::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
    }
}

fn commit(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        Conn::Postgres(c) => AnsiTransactionManager::commit_transaction(c),
    }
}

/// Rolls back everything open, savepoints of a write that panicked included.
fn rollback(conn: &mut Conn) -> diesel::QueryResult<()> {
    while super::connection::transaction_depth(conn)?.is_some() {
        match conn {
            Conn::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c)?,
            Conn::Postgres(c) => AnsiTransactionManager::rollback_transaction(c)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::db::{DbUrl, build_pool};

    fn pool(dir: &tempfile::TempDir) -> Pool {
        let url = DbUrl::parse(&dir.path().join("group.db").to_string_lossy()).unwrap();
        let pool = build_pool(&url, 4).unwrap();
        pool.get().unwrap().batch_execute("CREATE TABLE notes (body TEXT NOT NULL)").unwrap();
        pool
    }

    fn notes(pool: &Pool) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Note {
            #[diesel(sql_type = diesel::sql_types::Text)]
            body: String,
        }
        let mut conn = pool.get().unwrap();
        let mut rows: Vec<String> = diesel::sql_query("SELECT body FROM notes")
            .load::<Note>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect();
        rows.sort();
        rows
    }

    fn insert(body: &'static str) -> impl FnOnce(&mut Conn) -> Result<&'static str, AppError> + Send + 'static {
        move |conn| {
            diesel::sql_query(format!("INSERT INTO notes (body) VALUES ('{body}')")).execute(conn)?;
            Ok(body)
        }
    }

    #[actix_web::test]
    async fn every_write_is_answered_after_its_commit_and_a_failing_one_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = GroupCommit::start(pool.clone(), 1);
        let failing = writes.run(|conn| {
            diesel::sql_query("INSERT INTO notes (body) VALUES ('half done')").execute(conn)?;
            Err::<(), _>(AppError::BadRequest("refused".into()))
        });
        let many: Vec<_> = ["a", "b", "c", "d", "e"].into_iter().map(|b| writes.run(insert(b))).collect();
        let (failed, answers) = futures_util::future::join(failing, futures_util::future::join_all(many)).await;
        assert!(matches!(failed, Err(AppError::BadRequest(_))));
        let answers: Vec<&str> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, ["a", "b", "c", "d", "e"]);
        assert_eq!(notes(&pool), ["a", "b", "c", "d", "e"], "the failed write left nothing behind");
    }

    #[actix_web::test]
    async fn a_panicking_write_fails_its_batch_but_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = GroupCommit::start(pool.clone(), 1);
        let panicking = writes.run(|_conn| -> Result<(), AppError> { panic!("a bug in a write") });
        assert!(panicking.await.is_err());
        assert_eq!(writes.run(insert("after")).await.unwrap(), "after");
        assert_eq!(notes(&pool), ["after"]);
    }
}
