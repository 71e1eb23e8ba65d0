-- Nubes schema 6: monitoring samples, apart from the state tables (they are
-- written every cycle and expire; the objects are neither).  One row per
-- sample: the object's id, when it was taken, and its MONITORING document,
-- as OpenNebula keeps them.  The primary key serves "the samples of one
-- object"; the time index serves expiry.

CREATE TABLE host_monitoring (
    hid           INTEGER NOT NULL,
    last_mon_time INTEGER NOT NULL,
    body          TEXT NOT NULL,
    PRIMARY KEY (hid, last_mon_time)
);
CREATE INDEX host_monitoring_time ON host_monitoring (last_mon_time);

CREATE TABLE vm_monitoring (
    vmid      INTEGER NOT NULL,
    last_poll INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (vmid, last_poll)
);
CREATE INDEX vm_monitoring_time ON vm_monitoring (last_poll);
