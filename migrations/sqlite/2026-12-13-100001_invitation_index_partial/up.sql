-- Only a department's reply has an invitation: a citizen's opinion (nearly every row) has
-- none, and no query looks opinions up by a missing invitation. Indexing only the replies
-- spares every public opinion one index entry to write. `invitation_id = ?` implies the
-- index's condition, so both databases still use it for a reply's opinions.
DROP INDEX opinions_invitation;
CREATE INDEX opinions_invitation ON opinions (invitation_id, seq) WHERE invitation_id IS NOT NULL;
