//! Finding a consultation's groups of opinions that say the same thing, from the stored signatures
//! of their texts, in the background: a view asks for the groups of the consultation's texts as
//! they are now (its `texts_version`, see `models::opinion_versions`). Groups found from those texts
//! are shown at once; otherwise one grouping per consultation runs on a thread of its own — signing
//! the opinions that lack a signature, then grouping from the stored signatures — and the view waits
//! for it a moment, then shows the groups found before (or that the work is under way) with how far
//! it got. While the counters stay, a view reads nothing per opinion but the decisions of the
//! groups it shows, and those only when a decision changed since.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::db::{Conn, Pool};
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;
use crate::models::opinion_signature::{self, Computed};
use crate::models::opinion_versions::{self, Versions};
use crate::text::similar::{Group, Grouper, KeyedColumns, bag_is_whole, decode, groups_of_keyed, keys_are_whole};

/// Groups for the page, with what it shows of the first `shown`.
#[derive(Debug, Clone)]
pub struct Found {
    /// Every group, largest first.
    pub groups: Arc<Vec<Group>>,
    /// For each of the first `shown` groups, how many of its opinions carry each decision code.
    pub tallies: Arc<Vec<Tally>>,
    /// The body of the first member of each of the first `shown` groups.
    pub samples: Arc<HashMap<i64, String>>,
}

/// How many of a group's opinions carry each decision code (`None`: undecided).
pub type Tally = HashMap<Option<String>, usize>;

/// How far a grouping got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Opinions that had no signature when it began, and how many of them are signed.
    pub to_sign: usize,
    pub signed: usize,
}

/// What a view shows.
#[derive(Debug)]
pub enum Outcome {
    /// The groups of the texts as they are.
    Current(Found),
    /// The groups of the texts as they were when last grouped; a grouping of the texts as they are
    /// is under way.
    Earlier(Found, Progress),
    /// Not grouped yet; a grouping is under way.
    Working(Progress),
}

/// The groups of a consultation found last, and what was shown of them.
struct Remembered {
    texts: i64,
    groups: Arc<Vec<Group>>,
    /// For `shown` groups: the samples, and the tallies of the decisions as of `decisions`.
    shown: usize,
    samples: Option<Arc<HashMap<i64, String>>>,
    tallies: Option<(i64, Arc<Vec<Tally>>)>,
}

/// Consultations whose groups are kept; beyond that any one makes room.
const REMEMBERED: usize = 16;

/// Times a grouping reads the signatures again after finding some damaged (they are then computed
/// again from the bodies, so a second reading finds them whole unless the database keeps damaging them).
const READINGS: usize = 3;

/// Opinions signed and stored at a time: what is held in memory for signing stays this size
/// however many opinions lack a signature.
const SIGNED_AT_A_TIME: usize = 2000;

/// The process's groupings: the grouper (jieba's dictionary, loaded on first use), the groups
/// found last per consultation, and the groupings under way.
#[derive(Default)]
pub struct Groupings {
    grouper: OnceLock<Arc<Grouper>>,
    remembered: Mutex<HashMap<i64, Remembered>>,
    running: Mutex<HashMap<i64, Arc<Job>>>,
}

impl std::fmt::Debug for Groupings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groupings").finish_non_exhaustive()
    }
}

/// Why a grouping ended without groups: no database connection (the page says the service is
/// unavailable for a moment), or anything else (an internal error, logged).
#[derive(Debug, Clone)]
enum Failure {
    NoDatabase(String),
    Failed(String),
}

/// One grouping under way.
#[derive(Default)]
struct Job {
    to_sign: AtomicUsize,
    signed: AtomicUsize,
    /// `Some` once it ended: how.
    ended: Mutex<Option<Result<(), Failure>>>,
    woken: Condvar,
}

impl Job {
    fn progress(&self) -> Progress {
        Progress { to_sign: self.to_sign.load(Ordering::Relaxed), signed: self.signed.load(Ordering::Relaxed) }
    }

    fn end(&self, how: Result<(), Failure>) {
        let mut ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        ended.get_or_insert(how);
        self.woken.notify_all();
    }

    /// How it ended, waiting until `deadline` at most (`None`: still running).
    fn wait_until(&self, deadline: Instant) -> Option<Result<(), Failure>> {
        let mut ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(how) = ended.as_ref() {
                return Some(how.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            ended = self.woken.wait_timeout(ended, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

/// Takes the job off the running ones and ends it when its thread stops, however it stops (with
/// `how` if it got that far, else as failed: a panic).
struct EndOnDrop {
    groupings: Arc<Groupings>,
    key: i64,
    job: Arc<Job>,
    how: Option<Result<(), Failure>>,
}

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        let mut running = self.groupings.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.get(&self.key).is_some_and(|job| Arc::ptr_eq(job, &self.job)) {
            running.remove(&self.key);
        }
        drop(running);
        self.job
            .end(self.how.take().unwrap_or_else(|| Err(Failure::Failed("the grouping stopped unexpectedly".into()))));
    }
}

impl Groupings {
    /// The grouper, built on first use.
    pub fn grouper(&self) -> Arc<Grouper> {
        self.grouper.get_or_init(|| Arc::new(Grouper::new())).clone()
    }

    /// The consultation's groups for the page, waiting up to `wait` for a grouping of its texts as
    /// they are now (see the module's notes). Blocking: call it off the async workers.
    pub fn view(
        self: &Arc<Self>,
        pool: &Pool,
        conn: &mut Conn,
        consultation: ConsultationId,
        shown: usize,
        wait: Duration,
    ) -> Result<Outcome, AppError> {
        let deadline = Instant::now() + wait;
        loop {
            let versions = opinion_versions::read(conn, consultation)?.ok_or(AppError::NotFound)?;
            if let Some(found) = self.remembered(conn, consultation, versions, shown, true)? {
                return Ok(Outcome::Current(found));
            }
            // Under way, or started now (one that ended grouped older texts and made way).
            let job = self.job(pool, consultation);
            let ended = if Instant::now() < deadline { job.wait_until(deadline) } else { None };
            match ended {
                // It grouped the texts as they were when it began: the next turn shows them if
                // they are the texts as they are now, else starts another grouping.
                Some(Ok(())) => continue,
                Some(Err(Failure::NoDatabase(e))) => return Err(AppError::unavailable(anyhow::anyhow!(e))),
                Some(Err(Failure::Failed(e))) => {
                    return Err(AppError::internal(anyhow::anyhow!("grouping failed: {e}")));
                }
                None => {
                    let progress = job.progress();
                    return Ok(match self.remembered(conn, consultation, versions, shown, false)? {
                        Some(found) => Outcome::Earlier(found, progress),
                        None => Outcome::Working(progress),
                    });
                }
            }
        }
    }

    /// The groups remembered for the consultation, with their tallies as of `versions.decisions`:
    /// only those of the texts as they are, unless `current_only` is false.
    fn remembered(
        &self,
        conn: &mut Conn,
        consultation: ConsultationId,
        versions: Versions,
        shown: usize,
        current_only: bool,
    ) -> Result<Option<Found>, AppError> {
        let key = i64::from(consultation.0);
        let (texts, groups, samples, tallies) = {
            let remembered = self.remembered.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(r) = remembered.get(&key) else { return Ok(None) };
            if current_only && r.texts != versions.texts {
                return Ok(None);
            }
            let samples = r.samples.clone().filter(|_| r.shown == shown);
            let tallies = r.tallies.clone().filter(|(d, _)| r.shown == shown && *d == versions.decisions);
            (r.texts, r.groups.clone(), samples, tallies.map(|(_, t)| t))
        };
        let first_shown = || groups.iter().take(shown);
        let samples = match samples {
            Some(samples) => samples,
            None => {
                let firsts: Vec<OpinionId> = first_shown().map(|g| OpinionId(g.ids[0] as i32)).collect();
                let bodies = opinion_signature::bodies(conn, &firsts)?;
                Arc::new(bodies.into_iter().map(|(id, body)| (i64::from(id.0), body)).collect())
            }
        };
        let tallies = match tallies {
            Some(tallies) => tallies,
            None => {
                let members: Vec<OpinionId> =
                    first_shown().flat_map(|g| &g.ids).map(|id| OpinionId(*id as i32)).collect();
                let decisions = opinion_signature::decisions(conn, &members)?;
                Arc::new(
                    first_shown()
                        .map(|g| {
                            let mut tally = Tally::new();
                            for id in &g.ids {
                                // An opinion withdrawn since the grouping is not found: counted as undecided.
                                let decision = decisions.get(&OpinionId(*id as i32)).cloned().flatten();
                                *tally.entry(decision).or_default() += 1;
                            }
                            tally
                        })
                        .collect(),
                )
            }
        };
        let mut remembered = self.remembered.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(r) = remembered.get_mut(&key).filter(|r| r.texts == texts) {
            r.shown = shown;
            r.samples = Some(samples.clone());
            r.tallies = Some((versions.decisions, tallies.clone()));
        }
        Ok(Some(Found { groups, tallies, samples }))
    }

    /// The grouping under way for the consultation, or a new one.
    fn job(self: &Arc<Self>, pool: &Pool, consultation: ConsultationId) -> Arc<Job> {
        let key = i64::from(consultation.0);
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(job) = running.get(&key) {
            return job.clone();
        }
        let job = Arc::new(Job::default());
        running.insert(key, job.clone());
        let (pool, ended) = (pool.clone(), EndOnDrop { groupings: self.clone(), key, job: job.clone(), how: None });
        let spawned = std::thread::Builder::new().name(format!("grouping-{key}")).spawn(move || {
            let mut ended = ended;
            let how = ended.groupings.run(&pool, consultation, &ended.job);
            if let Err(e) = &how {
                tracing::error!(consultation = key, error = ?e, "grouping failed");
            }
            // Dropped, it takes the job off the running ones first: a view woken by the end finds
            // none under way and starts another if the texts changed meanwhile.
            ended.how = Some(how);
        });
        if let Err(e) = spawned {
            running.remove(&key);
            job.end(Err(Failure::Failed(format!("no thread for the grouping: {e}"))));
        }
        job
    }

    /// Signs what lacks a signature, groups, and remembers the groups under the texts version read
    /// first (any change after it bumps the version, so they are never taken for newer texts).
    fn run(&self, pool: &Pool, consultation: ConsultationId, job: &Job) -> Result<(), Failure> {
        let started = Instant::now();
        let mut conn = pool.get().map_err(|e| Failure::NoDatabase(e.to_string()))?;
        let conn = &mut *conn;
        let failed = |e: &dyn std::fmt::Display| Failure::Failed(e.to_string());
        let Some(versions) = opinion_versions::read(conn, consultation).map_err(|e| failed(&e))? else {
            return Ok(());
        };
        let grouper = self.grouper();
        let signed = sign_missing(conn, &grouper, consultation, job).map_err(|e| failed(&e))?;
        let groups = group_from_stored(conn, &grouper, consultation).map_err(|e| failed(&e))?;
        tracing::info!(
            consultation = consultation.0,
            signed,
            groups = groups.len(),
            ms = started.elapsed().as_millis() as u64,
            "grouped the opinions"
        );
        let key = i64::from(consultation.0);
        let mut remembered = self.remembered.lock().unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= REMEMBERED && !remembered.contains_key(&key) {
            let any = remembered.keys().next().copied();
            any.map(|k| remembered.remove(&k));
        }
        let entry =
            Remembered { texts: versions.texts, groups: Arc::new(groups), shown: 0, samples: None, tallies: None };
        remembered.insert(key, entry);
        Ok(())
    }
}

/// Why grouping stopped: the database failed, or stored signatures did not read back.
enum Trouble {
    Failed(AppError),
    Damaged(Vec<OpinionId>),
}

impl From<diesel::result::Error> for Trouble {
    fn from(e: diesel::result::Error) -> Trouble {
        Trouble::Failed(e.into())
    }
}

/// Groups the consultation's signed opinions; stored signatures that do not read back are
/// forgotten and computed again.
fn group_from_stored(conn: &mut Conn, grouper: &Grouper, consultation: ConsultationId) -> Result<Vec<Group>, AppError> {
    for _ in 0..READINGS {
        match group(conn, consultation) {
            Ok(groups) => return Ok(groups),
            Err(Trouble::Failed(e)) => return Err(e),
            Err(Trouble::Damaged(ids)) => {
                tracing::warn!(
                    consultation = consultation.0,
                    damaged = ids.len(),
                    "stored signatures missing or damaged: signing them again"
                );
                opinion_signature::forget_damaged(conn, &ids)?;
                sign_missing(conn, grouper, consultation, &Job::default())?;
            }
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "the signatures of consultation {} keep reading back damaged",
        consultation.0
    )))
}

/// Band keys per opinion in memory: 18 short keys (72 bytes), or none for an empty bag.
const BANDS: usize = 18;

/// Groups the signed opinions from their stored band keys (read a row at a time) and the bags of
/// those compared (read a bucket at a time). A row not reading back as stored is damaged.
fn group(conn: &mut Conn, consultation: ConsultationId) -> Result<Vec<Group>, Trouble> {
    let expected = opinion_signature::count(conn, consultation)?;
    let mut columns = KeyedColumns::with_capacity(expected, BANDS);
    let mut digests: Vec<u64> = Vec::with_capacity(expected);
    let mut damaged = Vec::new();
    opinion_signature::for_each_keyed(conn, consultation, |(id, hash, band_keys, digest)| {
        match decode(&band_keys).filter(|k| keys_are_whole(k)) {
            Some(k) => {
                columns.push(i64::from(id.0), hash as u64, &k);
                digests.push(digest as u64);
            }
            None => damaged.push(id),
        }
        Ok::<_, Trouble>(())
    })?;
    if !damaged.is_empty() {
        return Err(Trouble::Damaged(damaged));
    }
    // Each bag read is checked against the digest read with its band keys.
    let ids = columns.ids();
    let digest_of = |id: i64| ids.binary_search(&id).ok().map(|i| digests[i]);
    groups_of_keyed(columns.keyed(), |wanted| {
        let asked: Vec<OpinionId> = wanted.iter().map(|id| OpinionId(*id as i32)).collect();
        let mut read = opinion_signature::bags(conn, &asked)?;
        let mut bags = HashMap::with_capacity(asked.len());
        let mut damaged = Vec::new();
        for id in asked {
            let whole = read.remove(&id).and_then(|(bag, band_keys)| {
                let (bag, band_keys) = (decode(&bag)?, decode(&band_keys)?);
                let digest = digest_of(i64::from(id.0))?;
                bag_is_whole(&bag, &band_keys, digest).then_some(bag)
            });
            match whole {
                Some(bag) => {
                    bags.insert(i64::from(id.0), bag);
                }
                None => damaged.push(id),
            }
        }
        if damaged.is_empty() { Ok(bags) } else { Err(Trouble::Damaged(damaged)) }
    })
}

/// Computes and stores the signatures the consultation's opinions lack, a few thousand at a time,
/// counting them on `job`; returns how many were stored. An opinion deleted or edited meanwhile is
/// not stored (an edit bumps the texts version, so the next view groups again).
fn sign_missing(
    conn: &mut Conn,
    grouper: &Grouper,
    consultation: ConsultationId,
    job: &Job,
) -> Result<usize, AppError> {
    let missing = opinion_signature::unsigned(conn, consultation)?;
    job.to_sign.store(missing.len(), Ordering::Relaxed);
    let mut stored = 0;
    for chunk in missing.chunks(SIGNED_AT_A_TIME) {
        let mut bodies = opinion_signature::bodies(conn, chunk)?;
        let computed: Vec<Computed> = chunk
            .iter()
            .filter_map(|id| {
                let body = bodies.remove(id)?;
                Some(Computed { id: *id, signature: grouper.signature(&body), body })
            })
            .collect();
        stored += opinion_signature::store(conn, consultation, &computed)?;
        job.signed.fetch_add(chunk.len(), Ordering::Relaxed);
    }
    Ok(stored)
}
