#include "drivers/ceph/secret.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "drivers/ceph/cfg.h"
#include "drivers/libvirt/conn.h"
#include "lib/util.h"

/* A libvirt uuid: 36 characters of hex digits and dashes.  Checked before
 * it goes into XML. */
static bool is_uuid(const char *s)
{
    size_t n = strlen(s);
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isxdigit((unsigned char)s[i]) || ((i == 8 || i == 13 || i == 18 || i == 23) &&
                                                s[i] == '-')))
            return false;
    return true;
}

/* A cephx id as Ceph allows it: letters, digits, '.', '_', '-'. */
static bool is_ceph_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

/* The raw key of client.<user> from keyring file path. */
static int read_key(const char *path, const char *user, unsigned char **key, size_t *len,
                    char **err)
{
    char *entity = nb_asprintf("client.%s", user);
    char *text = nb_read_file(path, NULL), *b64 = NULL;
    int rc = -1;

    if (!text) {
        *err = nb_asprintf("cannot read CEPH_KEY %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!(b64 = nb_ceph_keyring_key(text, entity))) {
        *err = nb_asprintf("CEPH_KEY %s has no key for %s", path, entity);
        goto cleanup;
    }
    if (nb_ceph_key_decode(b64, key, len) < 0) {
        *err = nb_asprintf("CEPH_KEY %s: the key of %s is not base64", path, entity);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (text)
        nb_wipe(text, strlen(text));
    if (b64)
        nb_wipe(b64, strlen(b64));
    free(text);
    free(b64);
    free(entity);
    return rc;
}

int nb_ceph_secret_ensure(const nb_tmpl *lvconf, const nb_drv_host *h, const char *uuid,
                          const char *user, const char *keyring, char **err)
{
    virConnectPtr conn = NULL;
    virSecretPtr sec = NULL;
    unsigned char *key = NULL, *have = NULL;
    size_t klen = 0, hlen = 0;
    char *why = NULL, *xml = NULL;
    bool defined = false;
    int rc = -1;

    if (!is_uuid(uuid) || !is_ceph_id(user)) {
        *err = nb_asprintf(!is_uuid(uuid) ? "CEPH_SECRET \"%s\" is not a uuid"
                                          : "CEPH_USER \"%s\" is not a cephx id",
                           !is_uuid(uuid) ? uuid : user);
        goto cleanup;
    }
    if (!(conn = nb_lv_connect(lvconf, h, &why))) {
        *err = nb_asprintf("cannot reach host %s for the Ceph secret %s: %s", h->name, uuid, why);
        goto cleanup;
    }
    /* A private secret's value cannot be read back: one that exists is
     * kept unless libvirt says it has no value (this code sets the value
     * right after defining, and undefines again if that fails). */
    if ((sec = virSecretLookupByUUIDString(conn, uuid)) &&
        ((have = virSecretGetValue(sec, &hlen, 0)) ||
         virGetLastErrorCode() == VIR_ERR_INVALID_SECRET)) {
        rc = 0;
        goto cleanup;
    }
    if (!sec && virGetLastErrorCode() != VIR_ERR_NO_SECRET) {
        *err = nb_asprintf("cannot look up the Ceph secret %s on host %s: %s", uuid, h->name,
                           virGetLastErrorMessage());
        goto cleanup;
    }
    if (!keyring) {
        *err = nb_asprintf("host %s has no Ceph secret %s and the datastore has no CEPH_KEY "
                           "to make it from", h->name, uuid);
        goto cleanup;
    }
    if (read_key(keyring, user, &key, &klen, &why) < 0) {
        *err = nb_asprintf("cannot make the Ceph secret %s on host %s: %s", uuid, h->name, why);
        goto cleanup;
    }
    if (!sec) {
        xml = nb_asprintf("<secret ephemeral='no' private='yes'><uuid>%s</uuid>"
                          "<usage type='ceph'><name>client.%s secret</name></usage></secret>",
                          uuid, user);
        if (!(sec = virSecretDefineXML(conn, xml, 0))) {
            *err = nb_asprintf("cannot define the Ceph secret %s on host %s: %s", uuid,
                               h->name, virGetLastErrorMessage());
            goto cleanup;
        }
        defined = true;
    }
    if (virSecretSetValue(sec, key, klen, 0) < 0) {
        *err = nb_asprintf("cannot set the value of the Ceph secret %s on host %s: %s", uuid,
                           h->name, virGetLastErrorMessage());
        if (defined)
            virSecretUndefine(sec);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (key) {
        nb_wipe(key, klen);
        free(key);
    }
    if (have) {
        nb_wipe(have, hlen);
        free(have);
    }
    if (sec)
        virSecretFree(sec);
    if (conn)
        virConnectClose(conn);
    free(why);
    free(xml);
    return rc;
}
