DROP INDEX opinions_review_flagged;
CREATE INDEX opinions_review_flagged ON opinions (consultation_id, flagged, id);
