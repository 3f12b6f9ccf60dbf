-- Counting a request against its rate limits, and storing a captcha challenge with its count,
-- each as ONE statement that commits on its own without waiting for the disk (a power cut that
-- loses a count or a challenge harms nobody). A bucket's row is then locked only while that
-- statement runs. Before, the count was one statement of a transaction (BEGIN, count, store the
-- challenge, COMMIT) and held the row through the round trips after it, so every request
-- counted in the same bucket (everyone behind one address: an office, a campus, a benchmark)
-- queued on the transaction before it.
--
-- Call them outside any transaction only: the SET LOCAL would otherwise reach the caller's
-- COMMIT and make it return before its data is on disk.

CREATE FUNCTION rate_limit_hits_now(p_buckets TEXT[], p_expires_at TIMESTAMP[]) RETURNS INTEGER[]
LANGUAGE plpgsql AS $$
DECLARE
    counted INTEGER[] := '{}';
    n INTEGER;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR i IN 1 .. coalesce(array_length(p_buckets, 1), 0) LOOP
        INSERT INTO rate_limits (bucket, hits, expires_at) VALUES (p_buckets[i], 1, p_expires_at[i])
        ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1
        RETURNING hits INTO n;
        counted := counted || n;
    END LOOP;
    RETURN counted;
END
$$;

-- Counts the request, and stores the challenge only if every count is within its limit.
CREATE FUNCTION captcha_store_counted(
    p_id TEXT, p_kind TEXT, p_answer TEXT, p_expires_at TIMESTAMP, p_created_at TIMESTAMP,
    p_buckets TEXT[], p_bucket_expires_at TIMESTAMP[], p_limits INTEGER[]
) RETURNS INTEGER[]
LANGUAGE plpgsql AS $$
DECLARE
    counted INTEGER[] := rate_limit_hits_now(p_buckets, p_bucket_expires_at);
BEGIN
    FOR i IN 1 .. coalesce(array_length(counted, 1), 0) LOOP
        IF counted[i] > p_limits[i] THEN
            RETURN counted;
        END IF;
    END LOOP;
    INSERT INTO captcha_challenges (id, kind, answer, expires_at, created_at)
    VALUES (p_id, p_kind, p_answer, p_expires_at, p_created_at);
    RETURN counted;
END
$$;
