DROP INDEX consultations_owner;
ALTER TABLE consultations DROP COLUMN owner_id;
DROP TABLE users;
