//! Per-client rate limits in fixed one-minute windows, counted in the database so that
//! they hold across instances. Client addresses are only ever stored as a keyed hash.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::HttpRequest;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Settings;
use crate::db::Conn;
use crate::db::schema::rate_limits;

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Captcha,
    /// Text questions, counted besides `Captcha` under a stricter limit of their own.
    Question,
    Submit,
    Lookup,
    Login,
}

impl Scope {
    fn code(self) -> &'static str {
        match self {
            Scope::Captcha => "captcha",
            Scope::Question => "question",
            Scope::Submit => "submit",
            Scope::Lookup => "lookup",
            Scope::Login => "login",
        }
    }

    /// The message a person sees when over the limit.
    pub fn message(self) -> &'static str {
        match self {
            Scope::Captcha => "获取验证码过于频繁，请稍候一分钟再试。",
            Scope::Question => "获取文字验证问题过于频繁，请稍候一分钟再试，或改用图片验证码。",
            Scope::Submit => "提交意见过于频繁，请稍候一分钟再试。您已填写的内容不会丢失，请返回上一页。",
            Scope::Lookup => "查询过于频繁，请稍候一分钟再试。",
            Scope::Login => "登录尝试过于频繁，请稍候一分钟再试。",
        }
    }
}

/// A client's address as a keyed hash (HMAC-SHA256 with the secret key). IPv6 clients
/// are keyed by their /64 network, which one household or device usually owns whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientKey(String);

impl ClientKey {
    pub fn from_request(req: &HttpRequest, settings: &Settings) -> ClientKey {
        let forwarded = settings
            .trust_proxy
            .then(|| req.headers().get("X-Forwarded-For").and_then(|v| v.to_str().ok()))
            .flatten()
            .and_then(|v| v.split(',').next())
            .and_then(|first| first.trim().parse::<IpAddr>().ok());
        let ip = forwarded.or_else(|| req.peer_addr().map(|a| a.ip()));
        ClientKey::from_ip(ip, settings.secret_key.expose())
    }

    pub fn from_ip(ip: Option<IpAddr>, secret: &[u8]) -> ClientKey {
        let network = match ip {
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            None => "unknown".to_owned(),
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(b"client-address:");
        mac.update(network.as_bytes());
        ClientKey(hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    /// A login name as a keyed hash, so that guessing one account's password from many
    /// addresses is limited too.
    pub fn for_account(username: &str, secret: &[u8]) -> ClientKey {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(b"login-account:");
        mac.update(username.trim().to_lowercase().as_bytes());
        ClientKey(hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Windows this process already knows to be exhausted, so that a flood from one client
/// is turned away without a database write per request. Counters only grow within a
/// window, so remembering "over the limit" is never wrong.
#[derive(Default, Clone)]
pub struct Exhausted {
    windows: Arc<Mutex<HashMap<String, i64>>>,
}

fn bucket(scope: Scope, client: &ClientKey, window: i64) -> String {
    format!("{}:{}:{window}", scope.code(), client.0)
}

fn window_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60)
}

impl Exhausted {
    fn contains(&self, bucket: &str) -> bool {
        self.windows.lock().map(|w| w.contains_key(bucket)).unwrap_or(false)
    }

    fn insert(&self, bucket: String, window: i64) {
        if let Ok(mut w) = self.windows.lock() {
            // Forget windows that have passed; the map stays small.
            w.retain(|_, win| *win >= window);
            w.insert(bucket, window);
        }
    }
}

diesel::define_sql_function! {
    /// PostgreSQL only: the upsert of [`hit`]; returns the hits counted in the bucket.
    fn rate_limit_hit(bucket: diesel::sql_types::Text, expires_at: diesel::sql_types::Timestamp) -> diesel::sql_types::Integer;
}

/// Counts one hit in `bucket`; returns the hits counted in it so far.
fn upsert_hit(conn: &mut Conn, bucket: &str, expires_at: NaiveDateTime) -> QueryResult<i32> {
    let row = (rate_limits::bucket.eq(bucket), rate_limits::hits.eq(1), rate_limits::expires_at.eq(expires_at));
    match conn {
        Conn::Sqlite(c) => diesel::insert_into(rate_limits::table)
            .values(row)
            .on_conflict(rate_limits::bucket)
            .do_update()
            .set(rate_limits::hits.eq(rate_limits::hits + 1))
            .returning(rate_limits::hits)
            .get_result(c),
        // The same upsert, in a function (migration 2026-12-01-000004) that stays prepared.
        Conn::Postgres(c) => diesel::select(rate_limit_hit(bucket, expires_at)).get_result(c),
    }
}

/// One request's counts against one or more limits (a text question counts against the
/// captcha limit and its own): the buckets of this minute, and what each may hold.
pub struct Counting {
    scopes: Vec<(Scope, i32)>,
    pub(crate) buckets: Vec<String>,
    pub(crate) expires_at: Vec<NaiveDateTime>,
    window: i64,
}

impl Counting {
    /// One client counted against each of `scopes` with its limit.
    pub fn new(scopes: &[(Scope, i32)], client: &ClientKey, now: DateTime<Utc>) -> Counting {
        let each: Vec<(Scope, &ClientKey, i32)> = scopes.iter().map(|&(scope, limit)| (scope, client, limit)).collect();
        Counting::of(&each, now)
    }

    /// Each of several keys (a login counts its address and the account asked for) in its
    /// scope, with its limit.
    pub fn of(each: &[(Scope, &ClientKey, i32)], now: DateTime<Utc>) -> Counting {
        let window = window_of(now);
        Counting {
            scopes: each.iter().map(|&(scope, _, limit)| (scope, limit)).collect(),
            buckets: each.iter().map(|&(scope, key, _)| bucket(scope, key, window)).collect(),
            expires_at: each.iter().map(|_| expiry(window, now)).collect(),
            window,
        }
    }

    pub(crate) fn limits(&self) -> Vec<i32> {
        self.scopes.iter().map(|(_, limit)| *limit).collect()
    }

    /// The first limit this process already knows to be used up this minute.
    pub fn known_over(&self, exhausted: &Exhausted) -> Option<Scope> {
        self.scopes.iter().zip(&self.buckets).find(|(_, b)| exhausted.contains(b)).map(|((scope, _), _)| *scope)
    }

    /// The first limit the counts returned by the database exceed, remembered as used up.
    pub(crate) fn over(&self, exhausted: &Exhausted, hits: &[i32]) -> Option<Scope> {
        let over = self.scopes.iter().zip(&self.buckets).zip(hits).find(|(((_, limit), _), hits)| **hits > *limit);
        over.map(|(((scope, _), bucket), _)| {
            exhausted.insert(bucket.clone(), self.window);
            *scope
        })
    }
}

diesel::define_sql_function! {
    /// PostgreSQL only, outside any transaction (migration 2026-12-08-100001): counts one hit
    /// in each bucket in one statement that commits at once, without waiting for the disk.
    fn rate_limit_hits_now(
        buckets: diesel::sql_types::Array<diesel::sql_types::Text>,
        expires_at: diesel::sql_types::Array<diesel::sql_types::Timestamp>
    ) -> diesel::sql_types::Array<diesel::sql_types::Integer>;
}

/// Counts one request against each of its limits; `Err(scope)` names the first it is over.
///
/// On PostgreSQL, outside a transaction, it is one statement that commits on its own (see
/// the migration): the buckets' rows stay locked only while it runs, so that requests from
/// one address (an office behind one gateway) do not queue on each other's transactions.
/// Otherwise, and on SQLite, the counts are written in a transaction that does not wait
/// for the disk.
pub fn count(
    conn: &mut Conn,
    exhausted: &Exhausted,
    counting: &Counting,
) -> Result<Result<(), Scope>, crate::error::AppError> {
    if let Some(scope) = counting.known_over(exhausted) {
        return Ok(Err(scope));
    }
    if crate::db::transaction_depth(conn)?.is_none()
        && let Conn::Postgres(c) = conn
    {
        let hits: Vec<i32> =
            diesel::select(rate_limit_hits_now(&counting.buckets, &counting.expires_at)).get_result(c)?;
        return Ok(counting.over(exhausted, &hits).map_or(Ok(()), Err));
    }
    crate::db::ephemeral_tx(conn, |conn| {
        let mut hits = Vec::with_capacity(counting.buckets.len());
        for (bucket, expires_at) in counting.buckets.iter().zip(&counting.expires_at) {
            hits.push(upsert_hit(conn, bucket, *expires_at)?);
        }
        Ok(counting.over(exhausted, &hits).map_or(Ok(()), Err))
    })
}

/// The hits of one batch of writes (see [`crate::db::BatchCommit`]), counted in one
/// statement for the whole batch instead of one per write: each write asks with
/// [`BatchHits::ask`] and learns with [`BatchHits::allowed`] whether it is within its limit.
#[derive(Default)]
pub struct BatchHits {
    /// Per bucket, the hits asked in this batch and when their window ends.
    asked: BTreeMap<String, (i32, NaiveDateTime)>,
    /// Per bucket, the hits counted once the batch's own were added.
    counted: HashMap<String, i32>,
    /// Per bucket, how many of this batch's hits have been handed out by `allowed`.
    handed: HashMap<String, i32>,
}

impl BatchHits {
    /// Counts one hit in the batch's statement, unless this process already knows the
    /// client to be over the limit this minute (then nothing is written at all).
    pub fn ask(
        asks: &mut crate::db::Asks<'_>,
        exhausted: &Exhausted,
        scope: Scope,
        client: &ClientKey,
        now: DateTime<Utc>,
    ) {
        let window = window_of(now);
        let bucket = bucket(scope, client, window);
        if exhausted.contains(&bucket) {
            return;
        }
        let expires_at = expiry(window, now);
        asks.ask_outside(
            move |hits: &mut BatchHits| hits.asked.entry(bucket).or_insert((0, expires_at)).0 += 1,
            Self::fetch,
        );
    }

    /// One upsert for every bucket of the batch, in the buckets' order (so that two writers
    /// counting the same clients take their row locks in the same order).
    fn fetch(conn: &mut Conn, scratch: &mut crate::db::Scratch) -> QueryResult<()> {
        let hits = scratch.get::<BatchHits>();
        if hits.asked.is_empty() {
            return Ok(());
        }
        let buckets: Vec<&str> = hits.asked.keys().map(String::as_str).collect();
        let counts: Vec<i32> = hits.asked.values().map(|(n, _)| *n).collect();
        let expiries: Vec<NaiveDateTime> = hits.asked.values().map(|(_, e)| *e).collect();
        let counted: Vec<(String, i32)> = match conn {
            Conn::Postgres(c) => {
                use diesel::sql_types::{Array, Integer, Text, Timestamp};
                #[derive(QueryableByName)]
                struct Counted {
                    #[diesel(sql_type = Text)]
                    bucket: String,
                    #[diesel(sql_type = Integer)]
                    hits: i32,
                }
                // Outside any transaction (see `Asks::ask_outside`): one statement that commits
                // on its own without waiting for the disk (migration 2026-12-12-100001).
                crate::db::prepared("SELECT bucket, hits FROM rate_limit_add_now($1, $2, $3)")
                    .bind::<Array<Text>, _>(&buckets)
                    .bind::<Array<Integer>, _>(&counts)
                    .bind::<Array<Timestamp>, _>(&expiries)
                    .load::<Counted>(c)?
                    .into_iter()
                    .map(|r| (r.bucket, r.hits))
                    .collect()
            }
            // One writer at a time: a statement per client costs no waiting.
            Conn::Sqlite(c) => {
                let mut counted = Vec::with_capacity(buckets.len());
                for ((bucket, n), expires_at) in buckets.iter().zip(&counts).zip(&expiries) {
                    let hits: i32 = diesel::insert_into(rate_limits::table)
                        .values((
                            rate_limits::bucket.eq(*bucket),
                            rate_limits::hits.eq(*n),
                            rate_limits::expires_at.eq(*expires_at),
                        ))
                        .on_conflict(rate_limits::bucket)
                        .do_update()
                        .set(rate_limits::hits.eq(rate_limits::hits + *n))
                        .returning(rate_limits::hits)
                        .get_result(c)?;
                    counted.push(((*bucket).to_owned(), hits));
                }
                counted
            }
        };
        hits.counted = counted.into_iter().collect();
        Ok(())
    }

    /// Whether this write's hit is within `limit`: the batch's hits of one client are
    /// handed out in order, the first of them numbered after those counted before the batch.
    /// A write that did not ask (its client already known to be over) is refused.
    pub fn allowed(
        answers: &mut crate::db::Scratch,
        exhausted: &Exhausted,
        scope: Scope,
        client: &ClientKey,
        limit: i32,
        now: DateTime<Utc>,
    ) -> bool {
        let window = window_of(now);
        let bucket = bucket(scope, client, window);
        let hits = answers.get::<BatchHits>();
        let (Some(&(asked, _)), Some(&counted)) = (hits.asked.get(&bucket), hits.counted.get(&bucket)) else {
            return false;
        };
        let handed = hits.handed.entry(bucket.clone()).or_insert(0);
        *handed += 1;
        let this_hit = counted - asked + *handed;
        if counted > limit {
            exhausted.insert(bucket, window);
        }
        this_hit <= limit
    }
}

fn expiry(window: i64, now: DateTime<Utc>) -> NaiveDateTime {
    (DateTime::from_timestamp((window + 1) * 60, 0).unwrap_or(now) + Duration::minutes(1)).naive_utc()
}

/// Removes counters of past windows; returns how many.
pub fn purge_expired(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::expires_at.le(now.naive_utc()))).execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_key_is_a_keyed_hash_not_the_address() {
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let key = ClientKey::from_ip(Some(ip), b"secret one");
        assert!(!key.as_str().contains("203"));
        assert_eq!(key.as_str().len(), 32);
        assert_ne!(key, ClientKey::from_ip(Some(ip), b"secret two"), "the key depends on the secret");
    }

    #[test]
    fn ipv6_clients_in_one_slash_64_share_a_key() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::from_ip(Some(a), b"k"), ClientKey::from_ip(Some(b), b"k"));
        assert_ne!(ClientKey::from_ip(Some(a), b"k"), ClientKey::from_ip(Some(c), b"k"));
    }
}
