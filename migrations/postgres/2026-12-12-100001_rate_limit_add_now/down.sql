DROP FUNCTION rate_limit_add_now(TEXT[], INTEGER[], TIMESTAMP[]);
