ALTER TABLE drafts DROP COLUMN notice_is_announcement;
ALTER TABLE drafts DROP COLUMN notice;
ALTER TABLE drafts DROP COLUMN toc;
