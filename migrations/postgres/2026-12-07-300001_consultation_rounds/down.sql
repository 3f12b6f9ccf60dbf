DROP INDEX opinions_round;
ALTER TABLE opinions DROP COLUMN round_no;
DELETE FROM invitations WHERE round_no > 1;
ALTER TABLE invitations DROP CONSTRAINT invitations_round_department;
ALTER TABLE invitations DROP COLUMN round_no;
ALTER TABLE invitations ADD CONSTRAINT invitations_consultation_id_department_id_key UNIQUE (consultation_id, department_id);
DROP TABLE consultation_rounds;
