ALTER INDEX opinion_grams_search RESET (gin_pending_list_limit);
