-- The departments' review round (书面征求意见): a directory of departments, an
-- invitation per consultation and department with link tokens stored as hashes,
-- scanned letters, and the columns that tie an opinion to a department's reply.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    emails TEXT NOT NULL DEFAULT '',
    contact_person TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY NOT NULL,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    position INTEGER NOT NULL DEFAULT 0,
    deadline DATE NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP,
    responded_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    reply TEXT,
    reply_contact_person TEXT,
    reply_contact_phone TEXT,
    overdue_at TIMESTAMP,
    UNIQUE (consultation_id, department_id)
);
CREATE INDEX invitations_due ON invitations (responded_at, deadline);

CREATE TABLE invitation_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY NOT NULL,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE opinions ADD COLUMN department_id INTEGER REFERENCES departments (id);
ALTER TABLE opinions ADD COLUMN invitation_id INTEGER REFERENCES invitations (id);
ALTER TABLE opinions ADD COLUMN seq INTEGER;
ALTER TABLE opinions ADD COLUMN attachment_id INTEGER REFERENCES attachments (id);
CREATE INDEX opinions_invitation ON opinions (invitation_id, seq);
