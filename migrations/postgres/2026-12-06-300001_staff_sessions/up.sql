-- Staff sessions kept on the server: the cookie names one (by a random id whose SHA-256 is the
-- key here), and every request checks it has not ended. Logging out ends it for every copy of the
-- cookie; 退出所有设备, a password reset and a deactivation end all of an account's sessions.
CREATE TABLE staff_sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id) WHERE ended_at IS NULL;
