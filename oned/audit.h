/*
 * audit.h: append-only audit log of every state-changing call: one JSON
 * object per line with time, user, method, target object, result code and
 * message.  Secrets (passwords, tokens) are never written.  Each line is one
 * write(2) on an O_APPEND descriptor, so concurrent writers never interleave.
 */
#ifndef NB_AUDIT_H
#define NB_AUDIT_H

typedef struct nb_audit_entry {
    long long time;
    int uid;                /* -1 when authentication failed */
    const char *uname;
    int via_uid;            /* serveradmin when delegated, else -1 */
    const char *method;
    int oid;                /* object the call acted on / created, -1 none */
    int code;               /* 0 success, else the OpenNebula error code */
    const char *message;    /* error text, NULL on success */
} nb_audit_entry;

int nb_audit_open(const char *path);
void nb_audit_close(void);
void nb_audit_record(const nb_audit_entry *e);

#endif
