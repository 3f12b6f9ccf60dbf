-- Who did what among the staff: logins (and failed ones), logouts, exports with contacts, account
-- changes, publishing and withdrawing. Staff names only: never a citizen's name or contact.
CREATE TABLE staff_audit (
    id SERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_audit_at ON staff_audit (at);
