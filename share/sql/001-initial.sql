-- Nubes schema 1: one table per object kind, each row an object's XML
-- document (body) plus the columns pools are loaded and constrained by.
-- Kept to SQL that SQLite and PostgreSQL both accept.

CREATE TABLE pool_control (
    tablename TEXT PRIMARY KEY,
    last_oid  INTEGER NOT NULL
);

CREATE TABLE user_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

CREATE TABLE group_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

CREATE TABLE zone_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

CREATE TABLE acl_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

-- Kinds whose API arrives with later issues; their bootstrap objects
-- (VDC 0, cluster 0, datastores 0-2) are stored from the first start.
CREATE TABLE vdc_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

CREATE TABLE cluster_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

CREATE TABLE datastore_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

-- System objects keep ids below 100; the first ones created through the
-- API get 100 (users are the exception: 2, after oneadmin and serveradmin).
INSERT INTO pool_control (tablename, last_oid) VALUES ('user_pool', 1);
INSERT INTO pool_control (tablename, last_oid) VALUES ('group_pool', 99);
INSERT INTO pool_control (tablename, last_oid) VALUES ('zone_pool', 99);
INSERT INTO pool_control (tablename, last_oid) VALUES ('vdc_pool', 99);
INSERT INTO pool_control (tablename, last_oid) VALUES ('cluster_pool', 99);
INSERT INTO pool_control (tablename, last_oid) VALUES ('datastore_pool', 99);
INSERT INTO pool_control (tablename, last_oid) VALUES ('acl_pool', -1);
