CREATE OR REPLACE FUNCTION rate_limit_add_now(p_buckets TEXT[], p_hits INTEGER[], p_expires_at TIMESTAMP[])
RETURNS TABLE (bucket TEXT, hits INTEGER)
LANGUAGE sql AS $$
    SELECT set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limits AS counted (bucket, hits, expires_at)
    SELECT * FROM unnest(p_buckets, p_hits, p_expires_at)
    ON CONFLICT (bucket) DO UPDATE SET hits = counted.hits + EXCLUDED.hits
    RETURNING counted.bucket, counted.hits;
$$;
