CREATE INDEX opinions_consultation_section ON opinions (consultation_id, section_id);
DROP TABLE decision_counts;
