-- Consultations, their drafts split into sections, opinions, and the tables that
-- let several instances share captchas, rate limits and the mail outbox.
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY NOT NULL,
    seed_key TEXT UNIQUE,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    notice TEXT NOT NULL DEFAULT '',
    how_to_comment TEXT NOT NULL DEFAULT '',
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    short_period_reason TEXT,
    published_at TIMESTAMP,
    feedback_text TEXT,
    feedback_published_at TIMESTAMP,
    opinion_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX consultations_listing ON consultations (published_at, starts_on);

CREATE TABLE drafts (
    id INTEGER PRIMARY KEY NOT NULL,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    version_label TEXT NOT NULL,
    title TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_encoding TEXT NOT NULL,
    is_current BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX drafts_consultation ON drafts (consultation_id, is_current);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY NOT NULL,
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    parent_id INTEGER REFERENCES sections (id),
    level INTEGER NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    heading TEXT NOT NULL,
    body TEXT NOT NULL,
    anchor TEXT NOT NULL,
    opinion_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (draft_id, position),
    UNIQUE (draft_id, anchor)
);

CREATE TABLE opinions (
    id INTEGER PRIMARY KEY NOT NULL,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    section_id INTEGER REFERENCES sections (id),
    source TEXT NOT NULL,
    channel TEXT NOT NULL,
    author_name TEXT NOT NULL,
    contact TEXT,
    contact_kind TEXT,
    body TEXT NOT NULL,
    original_text TEXT,
    proposed_text TEXT,
    receipt_code TEXT UNIQUE,
    client_hash TEXT,
    dedupe_key TEXT,
    fingerprint TEXT NOT NULL,
    flagged BOOLEAN NOT NULL DEFAULT FALSE,
    flag_reason TEXT,
    decision TEXT,
    decision_reason TEXT,
    decided_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX opinions_consultation ON opinions (consultation_id, id);
CREATE INDEX opinions_section ON opinions (section_id, id);
CREATE INDEX opinions_dedupe ON opinions (dedupe_key, created_at);

CREATE TABLE captcha_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    answer TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX captcha_challenges_expiry ON captcha_challenges (expires_at);

CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    hits INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
