DELETE FROM opinion_signatures;
ALTER TABLE opinion_signatures DROP COLUMN digest;
