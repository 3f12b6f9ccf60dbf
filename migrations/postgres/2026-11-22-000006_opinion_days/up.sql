-- Opinions received per consultation and day (China time), kept in the transaction that
-- stores, moves or deletes an opinion: the public page draws its per-day chart from these
-- few rows instead of counting opinions. The staff review page counts opinions per
-- section with the index below (read from the index alone).
CREATE TABLE opinion_days (
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (consultation_id, day)
);

INSERT INTO opinion_days (consultation_id, day, count)
SELECT consultation_id, CAST(received_at + INTERVAL '8 hours' AS DATE), COUNT(*)
FROM opinions
GROUP BY consultation_id, CAST(received_at + INTERVAL '8 hours' AS DATE);

CREATE INDEX opinions_consultation_section ON opinions (consultation_id, section_id);
