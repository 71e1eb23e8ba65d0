/*
 * config.h: oned.conf, in OpenNebula template syntax.
 *
 * The options are declared once in a table (name, type, default, limits) in
 * config.c that drives parsing, validation, the embedded defaults and
 * one.system.config.  Unknown attributes are kept (so they show up in
 * one.system.config, as in OpenNebula) but are not interpreted.
 */
#ifndef NB_CONFIG_H
#define NB_CONFIG_H

#include <stdbool.h>
#include "lib/template.h"
#include "acl/generate.h"

typedef struct nb_config {
    nb_tmpl tmpl;               /* the parsed file plus defaults */

    int port;                   /* PORT */
    char *listen_address;       /* LISTEN_ADDRESS */
    char *db_backend;           /* DB/BACKEND: "sqlite" */
    char *db_sync;              /* DB/SYNC: OFF|NORMAL|FULL (sqlite synchronous) */
    int log_level;              /* LOG/DEBUG_LEVEL 0..3 */
    char *log_system;           /* LOG/SYSTEM: "file" or "std" */
    int rpc_threads;            /* RPC_THREADS (0 = number of cores) */
    int driver_threads;         /* DRIVER_THREADS: driver operations at once */
    int monitoring_interval;    /* MONITORING_INTERVAL_HOST seconds between host samples */
    int host_mon_expiration;    /* HOST_MONITORING_EXPIRATION_TIME seconds (0: keep none) */
    int vm_mon_expiration;      /* VM_MONITORING_EXPIRATION_TIME seconds (0: keep none) */
    int max_conn;               /* MAX_CONN */
    int keepalive_timeout;      /* KEEPALIVE_TIMEOUT seconds */
    long long message_size;     /* MESSAGE_SIZE bytes: largest request body */
    int xml_max_depth;          /* XML_MAX_DEPTH: nesting in one parameter */
    int session_expiration;     /* SESSION_EXPIRATION_TIME seconds (0 disables the cache) */
    int pbkdf2_iterations;      /* PASSWORD_HASH_ITERATIONS */
    int auth_max_failures;      /* AUTH_MAX_FAILURES before throttling a user */
    int auth_throttle;          /* AUTH_THROTTLE_TIME seconds (doubles per extra failure) */
    int max_token_time;         /* MAX_TOKEN_TIME seconds, -1 unlimited, 0 disables tokens */
    unsigned default_umask;     /* DEFAULT_UMASK (octal) */
    bool enable_other_perms;    /* ENABLE_OTHER_PERMISSIONS */
    char *list_order;           /* API_LIST_ORDER: DESC (newest first) or ASC */
    bool list_desc;
    nb_vdc_rights vdc_rights;   /* DEFAULT_VDC_*_ACL: rights of VDC-generated rules */
    struct {                    /* DEFAULT_COST: showback costs of VMs without their own */
        double cpu, memory, disk;   /* per CPU-hour, MB-hour, disk-MB-hour */
    } default_cost;
    bool showback_only_running; /* SHOWBACK_ONLY_RUNNING: CPU/memory charged while running */
    bool ds_capacity_check;     /* DATASTORE_CAPACITY_CHECK: images must fit the free space */
    struct {                    /* IMAGE_IMPORT = [...]: images from PATH */
        long long max_size_mb;  /* MAX_SIZE_MB: largest import (0: no limit) */
        int connect_timeout;    /* CONNECT_TIMEOUT: seconds to reach an http(s) server */
        int stall_timeout;      /* STALL_TIMEOUT: seconds without data before failing */
    } image_import;
    struct {                    /* SCHED = [...]: the placement thread (docs/scheduler.md) */
        bool enabled;           /* ENABLED: NO leaves one.vm.deploy to an external scheduler */
        int window_ms;          /* WINDOW_MS: batching delay after a wake-up, 0..100 */
        int retry;              /* RETRY: seconds between passes while VMs stay unplaced */
        int max_host;           /* MAX_HOST: VMs one host gets per pass (0: no limit) */
        int max_dispatch;       /* MAX_DISPATCH: VMs placed per pass (0: no limit) */
        bool live_rescheds;     /* LIVE_RESCHEDS: RESCHED migrates running VMs live */
        int policy;             /* POLICY: enum nb_place_policy */
        char *rank;             /* RANK: the site's custom rank (POLICY = 3) */
        int ds_policy;          /* DS_POLICY: enum nb_ds_policy (system datastores) */
        int memory_system_ds_scale; /* MEMORY_SYSTEM_DS_SCALE: x MEMORY on the system DS */
    } sched;
} nb_config;

/* Defaults only (the file is optional). */
void nb_config_defaults(nb_config *c);
/* Load path over the defaults; a missing file is not an error when
 * missing_ok.  Returns 0, or -1 with *err allocated. */
int nb_config_load(nb_config *c, const char *path, bool missing_ok, char **err);
void nb_config_free(nb_config *c);

/* <OPENNEBULA_CONFIGURATION> for one.system.config; DB secrets masked
 * unless full. */
void nb_config_to_xml(const nb_config *c, nb_buf *b, bool full);

#endif
