-- Nubes schema 2: hosts (tenancy: VDC host entries and dedicated hosts).
-- OpenNebula numbers hosts from 0.

CREATE TABLE host_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

INSERT INTO pool_control (tablename, last_oid) VALUES ('host_pool', -1);
