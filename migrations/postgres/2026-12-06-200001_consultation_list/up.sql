-- The public list's search: hashed bigrams of each consultation's title, issuer, notice
-- and current draft, with a GIN index so that "holds all these bigrams" (@>) is an index
-- lookup.
CREATE TABLE consultation_grams (
    consultation_id INTEGER PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    grams INTEGER[] NOT NULL
);
CREATE INDEX consultation_grams_search ON consultation_grams USING gin (grams);

-- The public list in its order, published ones only.
CREATE INDEX consultations_public_list ON consultations (starts_on DESC, id DESC)
    WHERE published_at IS NOT NULL;

INSERT INTO pending_tasks (name) VALUES ('index consultation text');
