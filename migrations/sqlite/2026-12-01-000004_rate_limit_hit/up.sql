-- PostgreSQL counts rate-limited requests through a function (one prepared statement);
-- SQLite runs the upsert in process. Kept so both databases list the same migrations.
SELECT 1;
