DROP INDEX IF EXISTS opinions_consultation_section;
DROP TABLE opinion_days;
