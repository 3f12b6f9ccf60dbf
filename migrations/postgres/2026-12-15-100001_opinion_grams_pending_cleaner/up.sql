-- The opinions' text index is merged by the service every 200 ms while opinions come in
-- (`search::merge_pending`), off the writer threads' path, so its pending list goes back to
-- PostgreSQL's 4 MB: a list of 256 kB (2026-12-09) was merged by whichever batch of opinions
-- found it full, holding up every opinion in that batch, and in smaller, dearer steps.
ALTER INDEX opinion_grams_search RESET (gin_pending_list_limit);
