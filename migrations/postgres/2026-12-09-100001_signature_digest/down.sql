DROP INDEX opinion_signatures_digests;
CREATE INDEX opinion_signatures_consultation ON opinion_signatures (consultation_id);
DELETE FROM opinion_signatures;
ALTER TABLE opinion_signatures DROP COLUMN digest;
