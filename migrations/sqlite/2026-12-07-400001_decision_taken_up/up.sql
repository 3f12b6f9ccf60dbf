-- Where an adopted (or partly adopted) opinion was taken up in a later version of the draft
-- (「已在修改稿第十二条体现」): a section of that version. Kept apart from the decision's reason so
-- that pages can link to it; cleared when the version's sections go.
ALTER TABLE opinions ADD COLUMN taken_up_section_id INTEGER REFERENCES sections (id) ON DELETE SET NULL;
