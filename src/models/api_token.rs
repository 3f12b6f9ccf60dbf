//! API tokens of the staff API (api_tokens): each opens one agency's consultations to another
//! system. The table keeps the token's SHA-256 only; the token itself is shown once.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::Conn;
use crate::db::schema::api_tokens;
use crate::domain::api_token::TokenName;
use crate::domain::ids::{AgencyId, ApiTokenId, UserId};

/// What every token starts with, so that one pasted into the wrong place is recognised.
pub const TOKEN_PREFIX: &str = "zqs_";

/// How stale the recorded last use may be: a busy client updates it at most this often.
const LAST_USE_GRANULARITY_SECS: i64 = 60;

/// The key a token is stored under.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An API token as the agency's page lists it (never the token itself).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub agency_id: AgencyId,
    /// What the administrator called it: the system it is for (「OA系统」).
    pub name: String,
    pub created_by: Option<UserId>,
    /// The creator's display name at the time.
    pub creator_name: String,
    pub created_at: NaiveDateTime,
    /// To the minute: see [`ApiToken::record_use`].
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// A token just created: its row's id and the token, to be shown once and never again.
pub struct IssuedToken {
    pub id: ApiTokenId,
    pub token: String,
}

impl ApiToken {
    /// A new token for `agency`, made by `creator` (id and display name).
    pub fn issue(
        conn: &mut Conn,
        agency: AgencyId,
        name: &TokenName,
        creator: (UserId, &str),
        now: NaiveDateTime,
    ) -> QueryResult<IssuedToken> {
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
        let values = (
            api_tokens::agency_id.eq(agency),
            api_tokens::name.eq(name.as_str()),
            api_tokens::token_hash.eq(token_hash(&token)),
            api_tokens::created_by.eq(creator.0),
            api_tokens::creator_name.eq(creator.1),
            api_tokens::created_at.eq(now),
        );
        let id = crate::insert_returning!(conn, api_tokens::table, values, api_tokens::id)?;
        Ok(IssuedToken { id, token })
    }

    /// The unrevoked token `token`, found by its hash (nothing to compare in variable time).
    pub fn find_live(conn: &mut Conn, token: &str) -> QueryResult<Option<ApiToken>> {
        api_tokens::table
            .filter(api_tokens::token_hash.eq(token_hash(token)))
            .filter(api_tokens::revoked_at.is_null())
            .select(ApiToken::as_select())
            .first(conn)
            .optional()
    }

    /// An agency's tokens, revoked ones included, newest first.
    pub fn for_agency(conn: &mut Conn, agency: AgencyId) -> QueryResult<Vec<ApiToken>> {
        api_tokens::table
            .filter(api_tokens::agency_id.eq(agency))
            .order(api_tokens::id.desc())
            .select(ApiToken::as_select())
            .load(conn)
    }

    /// Token `id` of `agency` (NotFound for another agency's).
    pub fn find_in(conn: &mut Conn, agency: AgencyId, id: ApiTokenId) -> QueryResult<ApiToken> {
        api_tokens::table
            .filter(api_tokens::agency_id.eq(agency))
            .filter(api_tokens::id.eq(id))
            .select(ApiToken::as_select())
            .first(conn)
    }

    /// Revokes token `id` of `agency`; `false` when it was revoked already.
    pub fn revoke(conn: &mut Conn, agency: AgencyId, id: ApiTokenId, now: NaiveDateTime) -> QueryResult<bool> {
        let changed = diesel::update(api_tokens::table)
            .filter(api_tokens::agency_id.eq(agency))
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::revoked_at.is_null())
            .set(api_tokens::revoked_at.eq(now))
            .execute(conn)?;
        Ok(changed > 0)
    }

    /// Records that the token was used at `now`, unless a use within the last minute is
    /// recorded already: a client calling many times a second writes once a minute.
    pub fn record_use(conn: &mut Conn, id: ApiTokenId, now: NaiveDateTime) -> QueryResult<()> {
        let stale = now - Duration::seconds(LAST_USE_GRANULARITY_SECS);
        diesel::update(api_tokens::table)
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::last_used_at.is_null().or(api_tokens::last_used_at.lt(stale)))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)
            .map(|_| ())
    }

    /// Whether the last use is recent enough not to be written again (for callers that
    /// already hold the row and can skip the statement).
    pub fn use_is_fresh(&self, now: NaiveDateTime) -> bool {
        self.last_used_at.is_some_and(|at| now - at < Duration::seconds(LAST_USE_GRANULARITY_SECS))
    }
}
