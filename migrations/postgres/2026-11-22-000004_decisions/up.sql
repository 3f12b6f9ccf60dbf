-- Every change of an opinion's adoption decision, kept for the audit trail, and the
-- indexes the review page's filters use (keyset paging by id within a consultation).
CREATE TABLE decision_log (
    id SERIAL PRIMARY KEY,
    opinion_id INTEGER NOT NULL REFERENCES opinions (id) ON DELETE CASCADE,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    from_decision TEXT,
    from_reason TEXT,
    to_decision TEXT,
    to_reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX decision_log_opinion ON decision_log (opinion_id, id);

CREATE INDEX opinions_review_decision ON opinions (consultation_id, decision, id);
CREATE INDEX opinions_review_source ON opinions (consultation_id, source, id);
CREATE INDEX opinions_review_flagged ON opinions (consultation_id, flagged, id);
CREATE INDEX opinions_fingerprint ON opinions (consultation_id, fingerprint);
