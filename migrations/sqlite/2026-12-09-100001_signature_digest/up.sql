-- Each stored signature gets a digest of its bag and band keys (signature version 2), so that the
-- groups page reads 16 bytes per opinion to see that nothing changed, and the bags only of the
-- opinions it compares. Version 1 rows have none: they go, and are computed again on the next view.
DELETE FROM opinion_signatures;
ALTER TABLE opinion_signatures ADD COLUMN digest BIGINT NOT NULL DEFAULT 0;
