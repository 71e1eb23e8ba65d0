-- Nubes schema 8: images.  Names are unique per owner (reference §3.0);
-- OpenNebula numbers images from 0.

CREATE TABLE image_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL,
    UNIQUE (uid, name)
);

INSERT INTO pool_control (tablename, last_oid) VALUES ('image_pool', -1);
