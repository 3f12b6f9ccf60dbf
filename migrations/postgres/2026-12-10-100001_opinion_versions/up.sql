-- Two counters per consultation, bumped in the transaction that changes its opinions: one when a text
-- comes, changes or goes, one when a decision changes. The groups page keeps what it found under
-- them and reads nothing per opinion while they stay the same.
ALTER TABLE consultations ADD COLUMN texts_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE consultations ADD COLUMN decisions_version BIGINT NOT NULL DEFAULT 0;
