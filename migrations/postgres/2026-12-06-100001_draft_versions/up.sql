-- Versions of a consultation's draft: a number per consultation (the drafts already stored become
-- versions in the order they were uploaded), the 起草说明 published with each, and a revision
-- waiting for the drafter to confirm its matching (pending: not shown to the public).
ALTER TABLE drafts ADD COLUMN version_no INTEGER NOT NULL DEFAULT 1;
ALTER TABLE drafts ADD COLUMN explanation TEXT;
ALTER TABLE drafts ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE drafts SET version_no = (
    SELECT COUNT(*) FROM drafts d2 WHERE d2.consultation_id = drafts.consultation_id AND d2.id <= drafts.id
);
CREATE UNIQUE INDEX drafts_consultation_version ON drafts (consultation_id, version_no);

-- Where a section of one version went in the next: kept, changed or moved (a split gives an old
-- section several rows, a merge a new section several). A section of the newer version without a
-- row is new; one of the older version without a row was deleted.
CREATE TABLE section_links (
    from_section_id INTEGER NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    to_section_id INTEGER NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    to_draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    change TEXT NOT NULL,
    basis TEXT NOT NULL,
    PRIMARY KEY (from_section_id, to_section_id)
);
CREATE INDEX section_links_to_draft ON section_links (to_draft_id);
