-- Agencies (单位): every consultation belongs to one; staff belong to one or more, with a
-- role in each. Administrators (users.role = 'admin') oversee all of them.
CREATE TABLE agencies (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    short_name TEXT NOT NULL,
    parent_id INTEGER REFERENCES agencies (id),
    contact TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- What existed before agencies becomes the default agency's, which the administrator can
-- rename.
INSERT INTO agencies (id, name, short_name, created_at) VALUES (1, '默认单位', '默认单位', CURRENT_TIMESTAMP);

-- SQLite cannot add a column with a foreign key and a non-NULL default; the application
-- only ever writes ids of existing agencies.
ALTER TABLE consultations ADD COLUMN agency_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX consultations_agency_list ON consultations (agency_id, starts_on DESC, id DESC)
    WHERE published_at IS NOT NULL;
CREATE INDEX consultations_agency ON consultations (agency_id);

CREATE TABLE agency_members (
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('agency_admin', 'drafter')),
    PRIMARY KEY (agency_id, user_id)
);
CREATE INDEX agency_members_user ON agency_members (user_id);

INSERT INTO agency_members (agency_id, user_id, role) SELECT 1, id, 'drafter' FROM users WHERE role = 'drafter';
