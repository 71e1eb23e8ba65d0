-- Nubes schema 4: virtual machines.  Names are not unique; DONE VMs stay
-- (accounting).  OpenNebula numbers VMs from 0.

CREATE TABLE vm_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

INSERT INTO pool_control (tablename, last_oid) VALUES ('vm_pool', -1);
