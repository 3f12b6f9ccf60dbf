DELETE FROM pending_tasks WHERE name = 'index consultation text';
DROP INDEX consultations_public_list;
DROP TABLE consultation_grams;
