DROP INDEX opinions_invitation;
CREATE INDEX opinions_invitation ON opinions (invitation_id, seq);
