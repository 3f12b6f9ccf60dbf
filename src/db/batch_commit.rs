//! Batch commit (what databases call group commit): writes that must be on disk before a person is told "saved" (a citizen's
//! opinion and its receipt) are queued to writer threads, which run whatever has queued
//! up in one transaction and answer every waiting request after the one COMMIT. A burst
//! of opinions then costs one disk flush per batch instead of one per opinion, and no
//! answer is given before its data is durable.
//!
//! Writes do not run in savepoints of their own: what they look up (the captchas they use
//! up, earlier opinions with their duplicate key) is asked before the batch runs and
//! fetched for all of them in one statement each ([`Asks`]). When any write of a batch
//! fails, or its COMMIT does, the batch is rolled back and its writes are run again one
//! at a time, each in a transaction of its own: the failing one is answered with its
//! error and the others are stored. Writes with the same key (an opinion's duplicate key)
//! always go to the same writer thread, so two identical opinions sent at once are
//! checked one after the other, without a lock in the database.

use std::any::TypeId;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use super::prepared::{Prepared, run_together};
use super::{Conn, Pool};
use crate::error::AppError;

/// A write put off to the end of the batch: see [`write_at_commit`].
type Deferred = Box<dyn FnOnce(&mut Conn, &mut Scratch) -> diesel::QueryResult<()>>;
/// Looks up, for all the writes of a batch, what they asked: see [`Asks`].
type Fetch = fn(&mut Conn, &mut Scratch) -> diesel::QueryResult<()>;
/// Writes what the writes of a batch gathered of one type: see [`write_at_commit`]. On
/// PostgreSQL it returns its statements rather than running them, and the batch sends all
/// of its deferred writes as one statement, one round trip (a round trip over the loopback
/// costs the two processes more than a small statement's execution); on SQLite, where a
/// statement costs no round trip, it runs them and returns none.
pub type Flush = fn(&mut Conn, &mut Scratch) -> diesel::QueryResult<Vec<Prepared<'static>>>;

/// Where a batch's writes gather what they will look up or write together, one value of
/// each type; it lives as long as the batch.
#[derive(Default)]
pub struct Scratch(std::collections::HashMap<TypeId, Box<dyn std::any::Any>>);

impl Scratch {
    /// This batch's value of type `T`, made on first use.
    pub fn get<T: Default + 'static>(&mut self) -> &mut T {
        self.0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("keyed by its own type")
    }
}

/// What the writes of a batch ask before any of them runs. Each ask adds to the batch's
/// value of a type `T`; once every write has asked, each `T`'s `fetch` runs once (one
/// statement for the whole batch) and leaves its answers in `T`, where the writes find
/// them in the [`Scratch`] they are given.
pub struct Asks<'a> {
    scratch: &'a mut Scratch,
    fetches: &'a mut Vec<(TypeId, Fetch)>,
    outside: &'a mut Vec<(TypeId, Fetch)>,
}

impl Asks<'_> {
    pub fn ask<T: Default + 'static>(&mut self, add: impl FnOnce(&mut T), fetch: Fetch) {
        add(self.scratch.get::<T>());
        Self::once(self.fetches, TypeId::of::<T>(), fetch);
    }

    /// Like [`Asks::ask`], for a fetch that writes what nobody must wait for and a crash may
    /// lose (rate-limit counters): on PostgreSQL it runs before the batch's transaction,
    /// outside any, and must be one statement that commits on its own without waiting for the
    /// disk (as `rate_limit_add_now` does), so the row locks it takes are not held through
    /// the batch and its COMMIT (two writer threads counting the same client would otherwise
    /// wait for each other's whole batch). On SQLite, where one writer works at a time, it
    /// runs inside the batch. A batch written again row by row fetches it again for each
    /// write.
    pub fn ask_outside<T: Default + 'static>(&mut self, add: impl FnOnce(&mut T), fetch: Fetch) {
        add(self.scratch.get::<T>());
        Self::once(self.outside, TypeId::of::<T>(), fetch);
    }

    fn once(list: &mut Vec<(TypeId, Fetch)>, key: TypeId, fetch: Fetch) {
        if !list.iter().any(|(k, _)| *k == key) {
            list.push((key, fetch));
        }
    }
}

/// The deferred writes of the batch running on this thread, and the flushes that write
/// what they gathered (one per scratch type).
#[derive(Default)]
struct Pending {
    writes: Vec<Deferred>,
    /// Each flush, and whether its statements go last, on their own.
    flushes: Vec<(TypeId, Flush, bool)>,
}

thread_local! {
    /// `Some` while a batch runs on this writer thread.
    static PENDING: std::cell::RefCell<Option<Pending>> = const { std::cell::RefCell::new(None) };
}

/// Writes just before the commit of the transaction it is called in. Inside a batch (a
/// write queued with [`BatchCommit::run`], on a writer thread) that is the batch's COMMIT,
/// and the write is gathered with the batch's others; in any other transaction the commit
/// is not known here, so the write runs at once — either way it lands with the caller's
/// transaction, or not at all. `gather` adds what is to be written to this batch's `T`;
/// after every write of the batch has gathered, `flush` writes the whole of `T` in as few
/// statements as it can (on PostgreSQL it returns them, and the flushes' statements go as
/// one, in the order the flushes were first asked for: see [`Flush`]). For writes nobody
/// in the batch reads back, written once per batch rather than per write: the text index,
/// the question answers, and (with [`write_last_at_commit`]) the counters every opinion of
/// a consultation touches. A batch that fails takes what it deferred with it.
pub fn write_at_commit<T: Default + 'static>(
    conn: &mut Conn,
    gather: impl FnOnce(&mut T) + 'static,
    flush: Flush,
) -> diesel::QueryResult<()> {
    defer(conn, gather, flush, false)
}

/// Like [`write_at_commit`], for rows the batches of other writers wait for (counters every
/// opinion of a consultation changes): on PostgreSQL their statements go last, on their own,
/// so that their row locks are held from that statement to the COMMIT only, and not while
/// PostgreSQL checks the foreign keys of the batch's other deferred writes.
pub fn write_last_at_commit<T: Default + 'static>(
    conn: &mut Conn,
    gather: impl FnOnce(&mut T) + 'static,
    flush: Flush,
) -> diesel::QueryResult<()> {
    defer(conn, gather, flush, true)
}

fn defer<T: Default + 'static>(
    conn: &mut Conn,
    gather: impl FnOnce(&mut T) + 'static,
    flush: Flush,
    last: bool,
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
            let key = TypeId::of::<T>();
            if !pending.flushes.iter().any(|(k, _, _)| *k == key) {
                pending.flushes.push((key, flush, last));
            }
        }
    });
    match gather {
        Some(gather) => {
            let mut scratch = Scratch::default();
            gather(scratch.get::<T>());
            let statements = flush(conn, &mut scratch)?;
            run_together(conn, statements)
        }
        None => Ok(()),
    }
}

/// Runs the batch's deferred writes and their flushes; on PostgreSQL the flushes'
/// statements go as one, and those of [`write_last_at_commit`] as one more after it.
fn write_deferred(conn: &mut Conn, pending: Pending) -> diesel::QueryResult<()> {
    let mut scratch = Scratch::default();
    for write in pending.writes {
        write(conn, &mut scratch)?;
    }
    let (mut statements, mut last) = (Vec::new(), Vec::new());
    for (_, flush, goes_last) in pending.flushes {
        let made = flush(conn, &mut scratch)?;
        if goes_last { last.extend(made) } else { statements.extend(made) }
    }
    run_together(conn, statements)?;
    run_together(conn, last)
}

/// One queued write: asked, run (perhaps twice: in its batch, and alone if the batch
/// failed), and answered once its transaction is over.
trait Job: Send {
    fn ask(&self, asks: &mut Asks<'_>);
    /// Runs the write; `false` when it failed (its transaction must then roll back).
    fn attempt(&mut self, conn: &mut Conn, answers: &mut Scratch) -> bool;
    /// Answers the waiting request: `failed` says why its transaction did not commit.
    fn answer(self: Box<Self>, failed: Option<String>);
}

struct Queued<T, A, W> {
    ask: A,
    work: W,
    outcome: Option<Result<T, AppError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, AppError>>,
}

impl<T, A, W> Job for Queued<T, A, W>
where
    T: Send + 'static,
    A: Fn(&mut Asks<'_>) + Send,
    W: FnMut(&mut Conn, &mut Scratch) -> Result<T, AppError> + Send,
{
    fn ask(&self, asks: &mut Asks<'_>) {
        (self.ask)(asks)
    }

    fn attempt(&mut self, conn: &mut Conn, answers: &mut Scratch) -> bool {
        let outcome = (self.work)(conn, answers);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn answer(self: Box<Self>, failed: Option<String>) {
        let answer = match (self.outcome, failed) {
            (Some(Err(err)), _) => Err(err),
            (Some(Ok(value)), None) => Ok(value),
            (_, Some(why)) => Err(AppError::unavailable(anyhow::anyhow!("the batch was not committed: {why}"))),
            (None, None) => Err(stopped()),
        };
        let _ = self.reply.send(answer);
    }
}

/// How long a busy PostgreSQL writer waits for more writes before it starts its batch. A
/// batch's round trips and COMMIT cost the same for 4 opinions as for 12; while writes keep
/// coming, waiting this long for a few more costs each of them less than it saves (quick
/// benchmark runs: 37–42 % of the raw INSERT rate, from 35–39 %). An idle writer (one that
/// gave its connection back) starts at once; SQLite's one writer gathers a full queue anyway.
/// Sleeping the whole while instead of waiting on the queue (one wake-up a batch rather than
/// one a write) measured no better: 34, 42 and 38 % against 42, 38 and 41 % (2026-12-07).
const GATHER_WHILE_BUSY: std::time::Duration = std::time::Duration::from_micros(400);

/// How a batch's transaction opens on PostgreSQL, in the same round trip as its BEGIN. A
/// batch's statements look rows up by key, so one plan serves every batch; but PostgreSQL
/// planned the duplicate look-up anew on every run (its cost estimate for a plan fitting any
/// number of keys stays above that of a plan for the keys at hand), which took as long as
/// running it. `SET LOCAL` ends with the transaction: the connection's other users keep
/// PostgreSQL's own choice.
const POSTGRES_BEGIN: &str = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan";

/// Most writes in one transaction: enough to share a flush, few enough that one failed
/// COMMIT does not hold up a crowd.
const MAX_BATCH: usize = 64;

/// The queues to the writer threads of one instance, one queue per thread.
pub struct BatchCommit {
    senders: Vec<mpsc::Sender<Box<dyn Job>>>,
    next: AtomicUsize,
}

impl BatchCommit {
    /// Starts `writers` writer threads on `pool` (one for SQLite, which has one writer at
    /// a time anyway; a few for PostgreSQL).
    pub fn start(pool: Pool, writers: usize) -> BatchCommit {
        let mut senders = Vec::new();
        for n in 0..writers.max(1) {
            let (sender, receiver) = mpsc::channel::<Box<dyn Job>>();
            let pool = pool.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("zhengqiu-writer-{n}"))
                .spawn(move || write_batches(&pool, &receiver));
            match spawned {
                Ok(_) => senders.push(sender),
                Err(err) => tracing::error!(error = %err, "could not start a writer thread"),
            }
        }
        BatchCommit { senders, next: AtomicUsize::new(0) }
    }

    /// Runs `work` in the next batch and returns its result once the batch is committed.
    /// `ask` says what the write looks up (see [`Asks`]); `work` finds the answers in the
    /// scratch it is given. Writes with the same `key` go to the same writer thread, one
    /// after the other. An error from `work` stores nothing of it, and nothing of the
    /// other writes is lost: `work` may run twice (in the batch, then alone), so it must
    /// not count on having run before.
    pub async fn run<T, A, W>(&self, key: Option<&str>, ask: A, work: W) -> Result<T, AppError>
    where
        A: Fn(&mut Asks<'_>) + Send + 'static,
        W: FnMut(&mut Conn, &mut Scratch) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        if self.senders.is_empty() {
            return Err(stopped());
        }
        let writer = match key {
            Some(key) => {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                key.hash(&mut hasher);
                (hasher.finish() % self.senders.len() as u64) as usize
            }
            None => self.next.fetch_add(1, Ordering::Relaxed) % self.senders.len(),
        };
        let (reply, rx) = tokio::sync::oneshot::channel::<Result<T, AppError>>();
        let job: Box<dyn Job> = Box::new(Queued { ask, work, outcome: None, reply });
        self.senders[writer].send(job).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

fn stopped() -> AppError {
    AppError::unavailable(anyhow::anyhow!("the writer thread has stopped"))
}

/// One writer thread: takes the first queued write, whatever else has queued meanwhile,
/// and commits them together. While writes keep coming it keeps the connection of the batch
/// before (a connection taken from the pool is tested first, a round trip a batch that
/// follows at once need not pay); once the queue is empty, or after a batch that failed, the
/// connection goes back to the pool, which tests it before its next use.
fn write_batches(pool: &Pool, receiver: &mpsc::Receiver<Box<dyn Job>>) {
    let mut held: Option<Pooled> = None;
    loop {
        let first = match receiver.try_recv() {
            Ok(job) => job,
            Err(mpsc::TryRecvError::Disconnected) => return,
            Err(mpsc::TryRecvError::Empty) => {
                held = None;
                match receiver.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
        };
        let mut jobs = vec![first];
        let busy = held.as_deref().is_some_and(|conn| matches!(conn, Conn::Postgres(_)));
        let until = std::time::Instant::now() + GATHER_WHILE_BUSY;
        while jobs.len() < MAX_BATCH {
            let next = if busy {
                receiver.recv_timeout(until.saturating_duration_since(std::time::Instant::now())).ok()
            } else {
                receiver.try_recv().ok()
            };
            match next {
                Some(job) => jobs.push(job),
                None => break,
            }
        }
        let conn = match held.take().map_or_else(|| pool.get(), Ok) {
            Ok(conn) => conn,
            Err(err) => {
                // Each job's own sender is dropped unanswered: its request gets a 503.
                tracing::error!(error = %err, writes = jobs.len(), "no database connection for a batch of writes");
                continue;
            }
        };
        held = commit_batch(conn, jobs);
    }
}

type Pooled = diesel::r2d2::PooledConnection<super::connection::Manager>;

/// How a batch's transaction failed.
struct Failed {
    why: String,
    /// The write that panicked: it is not run again.
    panicked: Option<usize>,
}

/// Commits `jobs` on `conn`, or, when that fails, each on its own. Returns the connection
/// when the batch committed as one.
fn commit_batch(mut conn: Pooled, mut jobs: Vec<Box<dyn Job>>) -> Option<Pooled> {
    let turn = super::connection::writer_turn(&conn);
    let failed = match attempt(&mut conn, &mut jobs) {
        Ok(()) => {
            drop(turn);
            for job in jobs {
                job.answer(None);
            }
            return Some(conn);
        }
        Err(failed) => failed,
    };
    if let Some(n) = failed.panicked {
        tracing::error!("a write panicked; it is dropped and the rest of its batch written one by one");
        drop(jobs.remove(n));
    } else if jobs.len() > 1 {
        tracing::warn!(error = %failed.why, writes = jobs.len(), "a batch of writes failed; writing them one by one");
    }
    if jobs.len() == 1 && failed.panicked.is_none() {
        let job = jobs.pop().expect("one job");
        job.answer(Some(failed.why));
        return None;
    }
    // Row by row: each write in a transaction of its own.
    for job in jobs {
        let mut one = vec![job];
        match attempt(&mut conn, &mut one) {
            Ok(()) => one.pop().expect("one job").answer(None),
            Err(Failed { panicked: Some(_), .. }) => tracing::error!("a write panicked; it is dropped"),
            Err(Failed { why, .. }) => one.pop().expect("one job").answer(Some(why)),
        }
    }
    None
}

/// Runs `jobs` in one transaction: their asks fetched together, then each write, then the
/// deferred writes and the COMMIT. On any failure everything is rolled back.
fn attempt(conn: &mut Conn, jobs: &mut [Box<dyn Job>]) -> Result<(), Failed> {
    let fail = |why: String| Failed { why, panicked: None };
    let mut scratch = Scratch::default();
    let (mut fetches, mut outside) = (Vec::new(), Vec::new());
    for job in jobs.iter() {
        job.ask(&mut Asks { scratch: &mut scratch, fetches: &mut fetches, outside: &mut outside });
    }
    if matches!(conn, Conn::Postgres(_)) {
        for (_, fetch) in std::mem::take(&mut outside) {
            fetch(conn, &mut scratch).map_err(|e| fail(e.to_string()))?;
        }
    }
    super::connection::begin_write(conn, POSTGRES_BEGIN).map_err(|e| fail(e.to_string()))?;
    PENDING.with(|p| *p.borrow_mut() = Some(Pending::default()));
    let outcome = run_jobs(conn, jobs, scratch, outside.into_iter().chain(fetches));
    let pending = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
    let outcome = outcome.and_then(|()| {
        write_deferred(conn, pending).and_then(|()| super::connection::commit(conn)).map_err(|e| fail(e.to_string()))
    });
    if outcome.is_err() {
        let _ = rollback(conn);
    }
    outcome
}

fn run_jobs(
    conn: &mut Conn,
    jobs: &mut [Box<dyn Job>],
    mut scratch: Scratch,
    fetches: impl Iterator<Item = (TypeId, Fetch)>,
) -> Result<(), Failed> {
    for (_, fetch) in fetches {
        fetch(conn, &mut scratch).map_err(|e| Failed { why: e.to_string(), panicked: None })?;
    }
    for (n, job) in jobs.iter_mut().enumerate() {
        match std::panic::catch_unwind(AssertUnwindSafe(|| job.attempt(conn, &mut scratch))) {
            Ok(true) => {}
            Ok(false) => return Err(Failed { why: "a write in the same batch failed".to_owned(), panicked: None }),
            Err(_) => return Err(Failed { why: "a write in the same batch panicked".to_owned(), panicked: Some(n) }),
        }
    }
    Ok(())
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

    fn no_asks(_: &mut Asks<'_>) {}

    fn insert(
        body: &'static str,
    ) -> impl FnMut(&mut Conn, &mut Scratch) -> Result<&'static str, AppError> + Send + 'static {
        move |conn, _| {
            diesel::sql_query(format!("INSERT INTO notes (body) VALUES ('{body}')")).execute(conn)?;
            Ok(body)
        }
    }

    #[actix_web::test]
    async fn every_write_is_answered_after_its_commit_and_a_failing_one_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        let failing = writes.run(None, no_asks, |conn, _| {
            diesel::sql_query("INSERT INTO notes (body) VALUES ('half done')").execute(conn)?;
            Err::<(), _>(AppError::BadRequest("refused".into()))
        });
        let many: Vec<_> =
            ["a", "b", "c", "d", "e"].into_iter().map(|b| writes.run(None, no_asks, insert(b))).collect();
        let (failed, answers) = futures_util::future::join(failing, futures_util::future::join_all(many)).await;
        assert!(matches!(failed, Err(AppError::BadRequest(_))));
        let answers: Vec<&str> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, ["a", "b", "c", "d", "e"]);
        assert_eq!(notes(&pool), ["a", "b", "c", "d", "e"], "the failed write left nothing behind");
    }

    #[actix_web::test]
    async fn a_write_failing_in_the_database_does_not_lose_the_others_of_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        // A statement the database refuses, in the middle of a batch.
        let broken = writes.run(None, no_asks, |conn, _| {
            diesel::sql_query("INSERT INTO no_such_table (body) VALUES ('x')").execute(conn)?;
            Ok("broken")
        });
        let before: Vec<_> = ["a", "b"].into_iter().map(|b| writes.run(None, no_asks, insert(b))).collect();
        let after: Vec<_> = ["c", "d"].into_iter().map(|b| writes.run(None, no_asks, insert(b))).collect();
        let (before, broken, after) = futures_util::future::join3(
            futures_util::future::join_all(before),
            broken,
            futures_util::future::join_all(after),
        )
        .await;
        assert!(broken.is_err());
        assert!(before.into_iter().chain(after).all(|r| r.is_ok()));
        assert_eq!(notes(&pool), ["a", "b", "c", "d"]);
    }

    /// Asked values, and how many times they were fetched.
    #[derive(Default)]
    struct Echo {
        asked: Vec<&'static str>,
        fetched: usize,
    }

    fn fetch_echo(_: &mut Conn, scratch: &mut Scratch) -> diesel::QueryResult<()> {
        scratch.get::<Echo>().fetched += 1;
        Ok(())
    }

    #[actix_web::test]
    async fn what_the_writes_of_a_batch_ask_is_fetched_once_before_they_run() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        // Queued together before the writer wakes up: the first blocks it for a moment.
        let slow = writes.run(None, no_asks, |_, _| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            Ok((0, 0))
        });
        let asking: Vec<_> = ["x", "y", "z"]
            .into_iter()
            .map(|v| {
                writes.run(
                    Some(v),
                    move |asks: &mut Asks<'_>| asks.ask(|e: &mut Echo| e.asked.push(v), fetch_echo),
                    |_, scratch: &mut Scratch| {
                        let echo = scratch.get::<Echo>();
                        Ok((echo.asked.len(), echo.fetched))
                    },
                )
            })
            .collect();
        let (_, answers) = futures_util::future::join(slow, futures_util::future::join_all(asking)).await;
        let answers: Vec<(usize, usize)> = answers.into_iter().map(Result::unwrap).collect();
        assert!(answers.iter().all(|&(_, fetched)| fetched == 1), "{answers:?}");
        assert!(answers.iter().any(|&(asked, _)| asked == 3), "the three asked together: {answers:?}");
    }

    #[derive(Default)]
    struct Later(Vec<&'static str>);

    fn write_later(conn: &mut Conn, scratch: &mut Scratch) -> diesel::QueryResult<Vec<Prepared<'static>>> {
        for body in std::mem::take(scratch.get::<Later>()).0 {
            diesel::sql_query(format!("INSERT INTO notes (body) VALUES ('{body}')")).execute(conn)?;
        }
        Ok(Vec::new())
    }

    #[actix_web::test]
    async fn deferred_writes_land_with_the_batch_unless_their_write_fails() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        let kept = writes.run(None, no_asks, |conn, _| {
            write_at_commit(conn, |l: &mut Later| l.0.push("kept"), write_later)?;
            Ok(())
        });
        let dropped = writes.run(None, no_asks, |conn, _| {
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
    async fn a_panicking_write_fails_alone_and_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let writes = BatchCommit::start(pool.clone(), 1);
        let panicking = writes.run(None, no_asks, |_, _| -> Result<(), AppError> { panic!("a bug in a write") });
        let beside = writes.run(None, no_asks, insert("beside"));
        let (panicked, beside) = futures_util::future::join(panicking, beside).await;
        assert!(panicked.is_err());
        assert_eq!(beside.unwrap(), "beside");
        assert_eq!(writes.run(None, no_asks, insert("after")).await.unwrap(), "after");
        assert_eq!(notes(&pool), ["after", "beside"]);
    }
}
