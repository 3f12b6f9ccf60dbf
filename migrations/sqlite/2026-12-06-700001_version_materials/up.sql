-- Files published with a version of a draft (材料): the file lives in the upload directory under a
-- random name, the row records what it is (recognised by its content) and the name it was sent with.
CREATE TABLE version_materials (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    stored_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX version_materials_draft ON version_materials (draft_id);
