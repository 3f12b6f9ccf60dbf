-- API tokens for the staff API: each belongs to one agency and reaches only its consultations.
-- Only the token's SHA-256 is kept; the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    id SERIAL PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id),
    creator_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);
