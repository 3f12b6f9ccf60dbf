ALTER INDEX opinion_grams_search SET (gin_pending_list_limit = 256);
