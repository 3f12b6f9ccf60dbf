DROP TABLE agency_members;
DROP INDEX consultations_agency;
DROP INDEX consultations_agency_list;
ALTER TABLE consultations DROP COLUMN agency_id;
DROP TABLE agencies;
