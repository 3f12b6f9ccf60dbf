CREATE TABLE consultation_grams (
    consultation_id INTEGER PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    grams INTEGER[] NOT NULL
);
INSERT INTO consultation_grams (consultation_id, grams)
    SELECT id, grams FROM consultations WHERE grams IS NOT NULL;
CREATE INDEX consultation_grams_search ON consultation_grams USING gin (grams);
DROP INDEX consultations_search;
ALTER TABLE consultations RESET (fillfactor);
ALTER TABLE consultations DROP COLUMN grams;
