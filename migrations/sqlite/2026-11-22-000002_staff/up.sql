-- Staff accounts (administrators and drafters) and the drafter each consultation belongs to.
CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'drafter')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

-- NULL: not assigned to anyone yet (only administrators can manage it).
ALTER TABLE consultations ADD COLUMN owner_id INTEGER REFERENCES users (id);
CREATE INDEX consultations_owner ON consultations (owner_id);
