DROP INDEX opinions_fingerprint;
DROP INDEX opinions_review_flagged;
DROP INDEX opinions_review_source;
DROP INDEX opinions_review_decision;
DROP TABLE decision_log;
