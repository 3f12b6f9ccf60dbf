-- The drafters' text search: hashed bigrams of each opinion's text and author, with a
-- GIN index so that "holds all these bigrams" (@>) is an index lookup.
CREATE TABLE opinion_grams (
    opinion_id INTEGER PRIMARY KEY REFERENCES opinions (id) ON DELETE CASCADE,
    grams INTEGER[] NOT NULL
);
CREATE INDEX opinion_grams_search ON opinion_grams USING gin (grams);

-- One-time data tasks that migrations leave for the application (which computes the
-- bigrams); each is removed when done.
CREATE TABLE pending_tasks (name TEXT PRIMARY KEY);
INSERT INTO pending_tasks (name) VALUES ('index opinion text');
