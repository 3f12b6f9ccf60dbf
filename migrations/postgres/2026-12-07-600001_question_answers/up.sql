-- Opinions sent with the text question instead of the image: which consultation, from which
-- address (a keyed hash, never the address itself) and when. The drafters' review page is told
-- when one address or one consultation has an unusual share of them (a sign of a script).
CREATE TABLE question_answers (
    id SERIAL PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    client_hash TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL
);
CREATE INDEX question_answers_consultation ON question_answers (consultation_id, answered_at);
