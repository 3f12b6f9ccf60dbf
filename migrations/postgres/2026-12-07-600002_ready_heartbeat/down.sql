DROP TABLE ready_heartbeat;
