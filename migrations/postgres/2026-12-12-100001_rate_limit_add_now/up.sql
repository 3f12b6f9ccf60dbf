-- Counting the opinions of one batch against their rate limits in ONE statement that commits
-- on its own without waiting for the disk, like rate_limit_hits_now (2026-12-08-100001), but
-- adding each bucket's number of hits: a writer thread counts all the opinions of its batch
-- at once, in the buckets' order. Before, it did so in a transaction of its own (BEGIN with
-- SET LOCAL synchronous_commit, the upsert, COMMIT): three round trips for every batch where
-- this takes one.
--
-- Call it outside any transaction only: the setting would otherwise reach the caller's COMMIT
-- and make it return before its data is on disk.

CREATE FUNCTION rate_limit_add_now(p_buckets TEXT[], p_hits INTEGER[], p_expires_at TIMESTAMP[])
RETURNS TABLE (bucket TEXT, hits INTEGER)
LANGUAGE sql AS $$
    SELECT set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limits AS counted (bucket, hits, expires_at)
    SELECT * FROM unnest(p_buckets, p_hits, p_expires_at)
    ON CONFLICT (bucket) DO UPDATE SET hits = counted.hits + EXCLUDED.hits
    RETURNING counted.bucket, counted.hits;
$$;
