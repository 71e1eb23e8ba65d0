-- Nubes schema 5: default quotas (one.userquota.update, one.groupquota.update):
-- row 0 applies to users, row 1 to groups, where their own limit is -1.

CREATE TABLE default_quota_pool (
    oid  INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    uid  INTEGER NOT NULL,
    gid  INTEGER NOT NULL
);

INSERT INTO pool_control (tablename, last_oid) VALUES ('default_quota_pool', 1);
