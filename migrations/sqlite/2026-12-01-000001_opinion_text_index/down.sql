DROP TABLE pending_tasks;
DROP TABLE opinion_grams;
