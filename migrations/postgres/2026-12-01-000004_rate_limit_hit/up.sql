-- Counting a request against a rate limit, as one prepared statement: diesel sends an
-- upsert as a new statement every time (parsed and planned for each request), while a
-- SELECT of this function stays prepared, and PL/pgSQL keeps the upsert's plan.
CREATE FUNCTION rate_limit_hit(p_bucket TEXT, p_expires_at TIMESTAMP) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    counted INTEGER;
BEGIN
    INSERT INTO rate_limits (bucket, hits, expires_at) VALUES (p_bucket, 1, p_expires_at)
    ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1
    RETURNING hits INTO counted;
    RETURN counted;
END
$$;
