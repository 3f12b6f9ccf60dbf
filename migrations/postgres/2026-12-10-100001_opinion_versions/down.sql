ALTER TABLE consultations DROP COLUMN decisions_version;
ALTER TABLE consultations DROP COLUMN texts_version;
