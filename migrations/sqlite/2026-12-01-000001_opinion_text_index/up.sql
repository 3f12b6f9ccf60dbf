-- The drafters' text search: hashed bigrams of each opinion's text and author, one
-- document per opinion (rowid = opinions.id). Contentless: the tokens are not stored
-- twice; contentless_delete lets a changed or deleted opinion leave the index.
CREATE VIRTUAL TABLE opinion_grams USING fts5(
    grams,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    tokenize = 'ascii'
);

-- One-time data tasks that migrations leave for the application (which computes the
-- bigrams); each is removed when done.
CREATE TABLE pending_tasks (name TEXT PRIMARY KEY NOT NULL);
INSERT INTO pending_tasks (name) VALUES ('index opinion text');
