-- What the importer finds around a draft's sections: its own 目录 (shown as the table of
-- contents, never a section) and a notice published in front of it, which the drafter may
-- offer as the consultation's 公告 (the text stays here, once).
ALTER TABLE drafts ADD COLUMN toc TEXT;
ALTER TABLE drafts ADD COLUMN notice TEXT;
ALTER TABLE drafts ADD COLUMN notice_is_announcement BOOLEAN NOT NULL DEFAULT FALSE;
