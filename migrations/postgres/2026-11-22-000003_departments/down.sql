DROP INDEX opinions_invitation;
ALTER TABLE opinions DROP COLUMN attachment_id;
ALTER TABLE opinions DROP COLUMN seq;
ALTER TABLE opinions DROP COLUMN invitation_id;
ALTER TABLE opinions DROP COLUMN department_id;
DROP TABLE attachments;
DROP TABLE invitation_tokens;
DROP TABLE invitations;
DROP TABLE departments;
