-- One row that every readiness check (/readyz) writes: proof that the database takes a write.
CREATE TABLE ready_heartbeat (
    id INTEGER PRIMARY KEY NOT NULL,
    beat_at TIMESTAMP NOT NULL
);
