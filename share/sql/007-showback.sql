-- Nubes schema 7: showback, one row per VM and month, written by
-- one.vmpool.calculateshowback (a recalculation replaces the months it
-- covers) and read by one.vmpool.showback.  As OpenNebula's vm_showback.

CREATE TABLE vm_showback (
    vmid  INTEGER NOT NULL,
    year  INTEGER NOT NULL,
    month INTEGER NOT NULL,
    body  TEXT NOT NULL,
    PRIMARY KEY (vmid, year, month)
);
