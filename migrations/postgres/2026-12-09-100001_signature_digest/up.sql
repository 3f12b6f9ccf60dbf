-- Each stored signature gets a digest of its bag and band keys (signature version 2), so that the
-- groups page reads 16 bytes per opinion to see that nothing changed, and the bags only of the
-- opinions it compares. Version 1 rows have none: they go, and are computed again on the next view.
-- The index holds what that first read needs, so that it never reads the rows with their bags.
DELETE FROM opinion_signatures;
ALTER TABLE opinion_signatures ADD COLUMN digest BIGINT NOT NULL DEFAULT 0;
DROP INDEX opinion_signatures_consultation;
CREATE INDEX opinion_signatures_digests ON opinion_signatures (consultation_id, version, opinion_id, copy_hash, digest);
