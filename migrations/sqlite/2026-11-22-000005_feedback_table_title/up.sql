-- The heading the drafter gave the published adoption table (NULL: the layout's own,
-- made from the draft's title, e.g. 关于…征求意见部门反馈情况).
ALTER TABLE consultations ADD COLUMN feedback_table_title TEXT;
