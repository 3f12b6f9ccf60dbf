DROP TABLE section_links;
DROP INDEX drafts_consultation_version;
ALTER TABLE drafts DROP COLUMN pending;
ALTER TABLE drafts DROP COLUMN explanation;
ALTER TABLE drafts DROP COLUMN version_no;
