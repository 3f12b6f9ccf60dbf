-- Opinions per consultation and decision ('undecided' for none yet), kept in the
-- transactions that store, decide, amend or delete opinions: the review page, the
-- exports and the feedback page read these few rows instead of counting opinions.
CREATE TABLE decision_counts (
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    decision TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (consultation_id, decision)
);

INSERT INTO decision_counts (consultation_id, decision, count)
SELECT consultation_id, COALESCE(decision, 'undecided'), COUNT(*)
FROM opinions
GROUP BY consultation_id, COALESCE(decision, 'undecided');

-- Opinions per section now come from the sections' own counters.
DROP INDEX opinions_consultation_section;
