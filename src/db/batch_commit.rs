//! Batch commit (what databases call group commit): writes that must be on disk before a person is told "saved" (a citizen's
//! opinion and its receipt) are queued to writer threads, which run whatever has queued
//! up in one transaction, each write in a savepoint of its own, and answer every waiting
//! request after the one COMMIT. A burst of opinions then costs one disk flush per batch
//! instead of one per opinion, and no answer is given before its data is durable.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

use diesel::Connection;

use super::{Conn, Pool};
use crate::error::AppError;

/// A write put off to the end of the batch: see [`write_at_commit`].
type Deferred = Box<dyn FnOnce(&mut Conn, &mut Scratch) -> diesel::QueryResult<()>>;
type Flush = fn(&mut Conn, &mut Scratch) -> diesel::QueryResult<()>;

/// Where a batch's deferred writes gather what they will write together, one value of
/// each type; it lives as long as the batch.
#[derive(Default)]
pub struct Scratch(std::collections::HashMap<std::any::TypeId, Box<dyn std::any::Any>>);

impl Scratch {
    /// This batch's value of type `T`, made on first use.
    pub fn get<T: Default + 'static>(&mut self) -> &mut T {
        self.0
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("keyed by its own type")
    }
}

/// The deferred writes of the batch running on this thread, and the flushes that write
/// what they gathered (one per scratch type).
#[derive(Default)]
struct Pending {
    writes: Vec<Deferred>,
    flushes: Vec<(std::any::TypeId, Flush)>,
}

thread_local! {
    /// `Some` while a batch runs on this writer thread.
    static PENDING: std::cell::RefCell<Option<Pending>> = const { std::cell::RefCell::new(None) };
}

/// Writes just before the commit of the transaction it is called in. Inside a batch (a
/// write queued with [`BatchCommit::run`], on a writer thread) that is the batch's COMMIT,
/// and the write is gathered with the batch's others; in any other transaction the commit
/// is not known here, so the write runs at once — either way it lands with the caller's
/// transaction, or not at all. `gather` adds what is to
/// be written to this batch's `T`; after every write of the batch has gathered, `flush`
/// writes the whole of `T` in as few statements as it can. For writes nobody in the batch
/// reads back: counters that every opinion of a consultation touches (so their row locks
/// are held only for the moment before COMMIT, and once per batch rather than per
/// opinion) and the text index. A write that fails takes what it deferred with it.
pub fn write_at_commit<T: Default + 'static>(
    conn: &mut Conn,
    gather: impl FnOnce(&mut T) + 'static,
    flush: fn(&mut Conn, &mut Scratch) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<()> {
    let mut gather = Some(gather);
    PENDING.with(|p| {
        if let Some(pending) = p.borrow_mut().as_mut()
            && let Some(g) = gather.take()
        {
            pending.writes.push(Box::new(move |_, scratch| {
                g(scratch.get::<T>());
                Ok(())
            }));
            let key = std::any::TypeId::of::<T>();
            if !pending.flushes.iter().any(|(k, _)| *k == key) {
                pending.flushes.push((key, flush));
            }
        }
    });
    match gather {
        Some(gather) => {
            let mut scratch = Scratch::default();
            gather(scratch.get::<T>());
            flush(conn, &mut scratch)
        }
        None => Ok(()),
    }
}

fn deferred_len() -> usize {
    PENDING.with(|p| p.borrow().as_ref().map_or(0, |p| p.writes.len()))
}

fn forget_deferred_after(mark: usize) {
    PENDING.with(|p| {
        if let Some(pending) = p.borrow_mut().as_mut() {
            pending.writes.truncate(mark);
        }
    });
}

/// Runs the batch's deferred writes and their flushes.
fn write_deferred(conn: &mut Conn, pending: Pending) -> diesel::QueryResult<()> {
    let mut scratch = Scratch::default();
    for write in pending.writes {
        write(conn, &mut scratch)?;
    }
    for (_, flush) in pending.flushes {
        flush(conn, &mut scratch)?;
    }
    Ok(())
}

/// What a queued write hands back: called once the batch's COMMIT succeeded or failed.
type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&mut Conn) -> Completion + Send>;

/// Most writes in one transaction: enough to share a flush, few enough that one failed
/// COMMIT does not fail a crowd.
const MAX_BATCH: usize = 64;

/// The queue to the writer threads of one instance.
pub struct BatchCommit {
    sender: mpsc::Sender<Job>,
}

impl BatchCommit {
    /// Starts `writers` writer threads on `pool` (one for SQLite, which has one writer at
    /// a time anyway; a few for PostgreSQL).
    pub fn start(pool: Pool, writers: usize) -> BatchCommit {
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
        BatchCommit { sender }
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
            let mark = deferred_len();
            let outcome = conn.transaction(work);
            if outcome.is_err() {
                forget_deferred_after(mark);
            }
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
    if let Err(err) = super::connection::begin_write(conn, "BEGIN") {
        tracing::error!(error = %err, writes = jobs.len(), "could not begin a batch of writes");
        return;
    }
    let mut completions = Vec::with_capacity(jobs.len());
    PENDING.with(|p| *p.borrow_mut() = Some(Pending::default()));
    let mut panicked = false;
    for job in jobs {
        match std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))) {
            Ok(completion) => completions.push(completion),
            Err(_) => {
                panicked = true;
                break;
            }
        }
    }
    let pending = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
    if panicked {
        // The batch is abandoned: nothing in it is reported saved.
        tracing::error!("a write panicked; its whole batch is rolled back");
        let _ = rollback(conn);
        for completion in completions {
            completion(Err("a write in the same batch failed".to_owned()));
        }
        return;
    }
    let committed =
        write_deferred(conn, pending).and_then(|()| super::connection::commit(conn)).map_err(|e| e.to_string());
    if let Err(why) = &committed {
        tracing::error!(error = %why, writes = completions.len(), "a batch of writes could not be committed");
        let _ = rollback(conn);
    }
    for completion in completions {
        completion(committed.clone());
    }
}

/// Rolls back everything open, savepoints of a write that panicked included.
fn rollback(conn: &mut Conn) -> diesel::QueryResult<()> {
    while super::connection::transaction_depth(conn)?.is_some() {
        super::connection::rollback(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::config::DbUrl;
    use crate::db::build_pool;

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
        let writes = BatchCommit::start(pool.clone(), 1);
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

    #[derive(Default)]
    struct Later(Vec<&'static str>);

    fn write_later(conn: &mut Conn, scratch: &mut Scratch) -> diesel::QueryResult<()> {
        for body in std::mem::take(scratch.get::<Later>()).0 {
            diesel::sql_query(format!("INSERT INTO notes (body) VALUES ('{body}')")).execute(conn)?;
        }
        Ok(())
    }

    #[actix_web::test]
    async fn deferred_writes_land_with_the_batch_unless_their_write_fails() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        let kept = writes.run(|conn| {
            write_at_commit(conn, |l: &mut Later| l.0.push("kept"), write_later)?;
            Ok(())
        });
        let dropped = writes.run(|conn| {
            write_at_commit(conn, |l: &mut Later| l.0.push("dropped"), write_later)?;
            Err::<(), _>(AppError::BadRequest("refused".into()))
        });
        let (kept, dropped) = futures_util::future::join(kept, dropped).await;
        assert!(kept.is_ok() && dropped.is_err());
        assert_eq!(notes(&pool), ["kept"]);
        // Outside a batch a deferred write happens at once.
        let mut conn = pool.get().unwrap();
        write_at_commit(&mut conn, |l: &mut Later| l.0.push("at once"), write_later).unwrap();
        drop(conn);
        assert_eq!(notes(&pool), ["at once", "kept"]);
    }

    #[actix_web::test]
    async fn a_panicking_write_fails_its_batch_but_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        let panicking = writes.run(|_conn| -> Result<(), AppError> { panic!("a bug in a write") });
        assert!(panicking.await.is_err());
        assert_eq!(writes.run(insert("after")).await.unwrap(), "after");
        assert_eq!(notes(&pool), ["after"]);
    }
}
