ALTER TABLE consultations DROP COLUMN feedback_table_title;
