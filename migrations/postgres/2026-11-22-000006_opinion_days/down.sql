DROP INDEX opinions_consultation_section;
DROP TABLE opinion_days;
