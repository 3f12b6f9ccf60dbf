-- The invitations keep their round column: SQLite cannot drop a column of a unique key without
-- rebuilding the table again.
DROP INDEX opinions_round;
ALTER TABLE opinions DROP COLUMN round_no;
DROP TABLE consultation_rounds;
