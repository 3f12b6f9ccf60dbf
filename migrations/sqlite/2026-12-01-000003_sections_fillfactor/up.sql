-- PostgreSQL leaves room on the sections' pages for counter updates in place (fillfactor);
-- SQLite updates rows in place anyway. Kept so both databases list the same migrations.
SELECT 1;
