-- Rounds of a consultation (第一次、第二次征求意见): each a window on one version of the draft.
-- The consultation's own window is always its latest round's; an earlier round keeps the date its
-- feedback was published, if it was, when the next round opens. Existing consultations become one
-- round 1 on their first version; their opinions and invitations belong to it.
CREATE TABLE consultation_rounds (
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    draft_id INTEGER REFERENCES drafts (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    short_period_reason TEXT,
    feedback_published_at TIMESTAMP,
    feedback_text TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (consultation_id, number)
);
INSERT INTO consultation_rounds (consultation_id, number, draft_id, starts_on, ends_on, short_period_reason, created_at)
SELECT c.id, 1,
       (SELECT d.id FROM drafts d WHERE d.consultation_id = c.id AND d.pending = 0 ORDER BY d.version_no LIMIT 1),
       c.starts_on, c.ends_on, c.short_period_reason, c.created_at
FROM consultations c;

ALTER TABLE opinions ADD COLUMN round_no INTEGER NOT NULL DEFAULT 1;
-- The review list, its counts and the exports read one round at a time.
CREATE INDEX opinions_round ON opinions (consultation_id, round_no, decision);

-- A department is invited once per round: the table is rebuilt with the round in its unique key.
-- Dropping the old table would cascade to the link tokens, so they are kept aside and put back;
-- the opinions' references to invitations are checked at commit, when the rebuilt table holds them.
PRAGMA defer_foreign_keys = ON;
CREATE TEMPORARY TABLE kept_invitation_tokens AS SELECT * FROM invitation_tokens;
CREATE TABLE invitations_by_round (
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
    round_no INTEGER NOT NULL DEFAULT 1,
    UNIQUE (consultation_id, round_no, department_id)
);
INSERT INTO invitations_by_round (id, consultation_id, department_id, position, deadline, invited_at, reminded_at,
    responded_at, updated_at, reply, reply_contact_person, reply_contact_phone, overdue_at, round_no)
SELECT id, consultation_id, department_id, position, deadline, invited_at, reminded_at,
    responded_at, updated_at, reply, reply_contact_person, reply_contact_phone, overdue_at, 1
FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_by_round RENAME TO invitations;
CREATE INDEX invitations_due ON invitations (responded_at, deadline);
INSERT INTO invitation_tokens SELECT * FROM kept_invitation_tokens WHERE id NOT IN (SELECT id FROM invitation_tokens);
DROP TABLE kept_invitation_tokens;
