ALTER TABLE opinions DROP COLUMN taken_up_section_id;
