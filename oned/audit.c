#include "oned/audit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

static int audit_fd = -1;

int nb_audit_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    nb_audit_close();
    audit_fd = fd;
    return 0;
}

void nb_audit_close(void)
{
    if (audit_fd >= 0)
        close(audit_fd);
    audit_fd = -1;
}

void nb_audit_record(const nb_audit_entry *e)
{
    char when[32];
    struct tm tm;
    time_t t = (time_t)e->time;
    json_object *o;
    const char *line;
    size_t len;
    char *buf;

    if (audit_fd < 0)
        return;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    o = json_object_new_object();
    json_object_object_add(o, "time", json_object_new_string(when));
    json_object_object_add(o, "uid", json_object_new_int(e->uid));
    json_object_object_add(o, "user", json_object_new_string(e->uname ? e->uname : ""));
    if (e->via_uid >= 0)
        json_object_object_add(o, "via_uid", json_object_new_int(e->via_uid));
    json_object_object_add(o, "method", json_object_new_string(e->method));
    json_object_object_add(o, "oid", json_object_new_int(e->oid));
    json_object_object_add(o, "result", json_object_new_int(e->code));
    if (e->message)
        json_object_object_add(o, "message", json_object_new_string(e->message));
    line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    len = strlen(line);
    /* One write(2) per record on an O_APPEND descriptor. */
    buf = malloc(len + 1);
    if (buf) {
        memcpy(buf, line, len);
        buf[len] = '\n';
        ssize_t w = write(audit_fd, buf, len + 1);
        (void)w;
        free(buf);
    }
    json_object_put(o);
}
