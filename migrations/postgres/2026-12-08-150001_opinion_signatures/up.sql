-- What the groups page needs of each opinion's text (copy hash, token bag, band keys), computed
-- on the page's first view and kept, so that a view segments only new or changed opinions.
-- Format and version: src/text/similar/signature.rs. A changed opinion loses its row; a deleted
-- one takes it along.
CREATE TABLE opinion_signatures (
    opinion_id INTEGER PRIMARY KEY REFERENCES opinions (id) ON DELETE CASCADE,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    version SMALLINT NOT NULL,
    copy_hash BIGINT NOT NULL,
    bag BYTEA NOT NULL,
    band_keys BYTEA NOT NULL
);
CREATE INDEX opinion_signatures_consultation ON opinion_signatures (consultation_id);
