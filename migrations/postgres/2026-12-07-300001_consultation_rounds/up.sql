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
       (SELECT d.id FROM drafts d WHERE d.consultation_id = c.id AND d.pending = FALSE ORDER BY d.version_no LIMIT 1),
       c.starts_on, c.ends_on, c.short_period_reason, c.created_at
FROM consultations c;

ALTER TABLE opinions ADD COLUMN round_no INTEGER NOT NULL DEFAULT 1;
-- The review list, its counts and the exports read one round at a time.
CREATE INDEX opinions_round ON opinions (consultation_id, round_no, decision);

-- A department is invited once per round.
ALTER TABLE invitations ADD COLUMN round_no INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invitations DROP CONSTRAINT invitations_consultation_id_department_id_key;
ALTER TABLE invitations ADD CONSTRAINT invitations_round_department UNIQUE (consultation_id, round_no, department_id);
