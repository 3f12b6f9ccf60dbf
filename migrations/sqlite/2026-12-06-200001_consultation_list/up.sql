-- The public list's search: hashed bigrams of each consultation's title, issuer, notice
-- and current draft, one document per consultation (rowid = consultations.id).
CREATE VIRTUAL TABLE consultation_grams USING fts5(
    grams,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    tokenize = 'ascii'
);

-- The public list in its order, published ones only.
CREATE INDEX consultations_public_list ON consultations (starts_on DESC, id DESC)
    WHERE published_at IS NOT NULL;

INSERT INTO pending_tasks (name) VALUES ('index consultation text');
