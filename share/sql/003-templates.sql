-- Nubes schema 3: VM templates.  Their names are unique per owner, not
-- across the pool (reference §3.0).  OpenNebula numbers templates from 0.

CREATE TABLE template_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL,
    UNIQUE (uid, name)
);

INSERT INTO pool_control (tablename, last_oid) VALUES ('template_pool', -1);
