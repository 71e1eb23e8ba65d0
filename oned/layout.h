/*
 * layout.h: where oned finds its configuration and keeps its state.
 *
 * With ONE_LOCATION=DIR (self-contained): DIR/etc/oned.conf, DIR/var/,
 * DIR/var/oned.log, DIR/share/.  Without it, the system layout:
 * /etc/one/oned.conf, /var/lib/one/, /var/log/one/oned.log.
 */
#ifndef NB_LAYOUT_H
#define NB_LAYOUT_H

typedef struct nb_layout {
    char *location;     /* ONE_LOCATION or NULL */
    char *etc_dir;
    char *var_dir;      /* state: database, pid/lock file, audit log */
    char *log_dir;
    char *conf_file;    /* etc_dir/oned.conf */
    char *log_file;
    char *pid_file;     /* var_dir/oned.pid, also the single-instance lock */
    char *db_file;      /* var_dir/one.db */
    char *audit_file;   /* log_dir/audit.log */
    char *auth_file;    /* $ONE_AUTH or ~/.one/one_auth */
    char *server_auth_dir; /* var_dir/.one: serveradmin's credentials */
} nb_layout;

/* Fill from the environment (ONE_LOCATION, ONE_AUTH, HOME). */
void nb_layout_init(nb_layout *l);
void nb_layout_free(nb_layout *l);

#endif
