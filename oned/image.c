#include "oned/image.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/model.h"

static const char *const nb_image_types[NB_IMG_TYPES] = {
    "OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT", "BACKUP", "FILESYSTEM",
};

static const char *const nb_image_states[NB_IMG_STATES] = {
    "INIT", "READY", "USED", "DISABLED", "LOCKED", "ERROR", "CLONE", "DELETE", "USED_PERS",
    "LOCKED_USED", "LOCKED_USED_PERS",
};

const char *nb_image_type_name(int type)
{
    return type >= 0 && type < NB_IMG_TYPES ? nb_image_types[type] : NULL;
}

int nb_image_type_parse(const char *s)
{
    long long n;

    if (!s)
        return -1;
    for (int i = 0; i < NB_IMG_TYPES; i++)
        if (nb_strcaseeq(s, nb_image_types[i]))
            return i;
    return nb_parse_ll(s, &n) == 0 && n >= 0 && n < NB_IMG_TYPES ? (int)n : -1;
}

const char *nb_image_state_name(int state)
{
    return state >= 0 && state < NB_IMG_STATES ? nb_image_states[state] : "UNKNOWN";
}

static void nb_image_destroy(nb_object *o)
{
    nb_image *img = nb_image_of(o);
    free(img->source);
    free(img->path);
    free(img->format);
    free(img->fs);
    free(img->ds_name);
    free(img->vms);
    free(img->clones);
}

static void nb_image_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode,
                            const nb_model *m)
{
    const nb_image *img = nb_image_cof(o);

    nb_buf_adds(b, "<IMAGE>");
    nb_model_xml_owned(b, o, mode, m);
    nb_xml_lock(b, o);
    nb_xml_permissions(b, o->perms);
    nb_buf_elem_int(b, "TYPE", img->type);
    nb_buf_elem_int(b, "DISK_TYPE", img->disk_type);
    nb_buf_elem_int(b, "PERSISTENT", img->persistent);
    nb_buf_elem_int(b, "REGTIME", img->regtime);
    nb_buf_elem_cdata(b, "SOURCE", img->source);
    nb_buf_elem_cdata(b, "PATH", img->path);
    nb_buf_elem_cdata(b, "FORMAT", img->format);
    nb_buf_elem_cdata(b, "FS", img->fs);
    nb_buf_elem_int(b, "SIZE", img->size_mb);
    nb_buf_elem_int(b, "STATE", img->state);
    nb_buf_elem_int(b, "PREV_STATE", img->prev_state);
    nb_buf_elem_int(b, "RUNNING_VMS", img->running_vms);
    nb_buf_elem_int(b, "CLONING_OPS", img->cloning_ops);
    nb_buf_elem_int(b, "CLONING_ID", img->cloning_id);
    nb_buf_elem_int(b, "TARGET_SNAPSHOT", -1);
    nb_buf_elem_int(b, "DATASTORE_ID", img->ds_id);
    nb_buf_elem_text(b, "DATASTORE", img->ds_name);
    nb_xml_ids(b, "VMS", img->vms, img->nvms);
    nb_xml_ids(b, "CLONES", img->clones, img->nclones);
    nb_buf_adds(b, "<APP_CLONES></APP_CLONES>");
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    /* Image snapshots come from disk snapshots of persistent images, which
     * Nubes does not take: the block is there, empty, for the clients. */
    nb_buf_adds(b, "<SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS>"
                   "<CURRENT_BASE><![CDATA[-1]]></CURRENT_BASE>"
                   "<NEXT_SNAPSHOT><![CDATA[0]]></NEXT_SNAPSHOT></SNAPSHOTS>"
                   "<BACKUP_INCREMENTS></BACKUP_INCREMENTS><BACKUP_DISK_IDS></BACKUP_DISK_IDS>");
    nb_buf_adds(b, "</IMAGE>");
}

static int nb_image_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_image *img = nb_image_of(o);
    const char *bad;

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    bad = nb_xml_read_owned(o, root);
    bad = bad ? bad :
          nb_xml_read_lock(o, root) < 0 ? "LOCK" :
          nb_xml_child_int(root, "TYPE", &img->type) < 0 ? "TYPE" :
          nb_xml_child_int(root, "DISK_TYPE", &img->disk_type) < 0 ? "DISK_TYPE" :
          nb_xml_child_int(root, "PERSISTENT", &img->persistent) < 0 ? "PERSISTENT" :
          nb_xml_child_ll(root, "REGTIME", &img->regtime) < 0 ? "REGTIME" :
          !(img->source = nb_xml_child_strdup(root, "SOURCE")) ? "SOURCE" :
          !(img->path = nb_xml_child_strdup(root, "PATH")) ? "PATH" :
          !(img->format = nb_xml_child_strdup(root, "FORMAT")) ? "FORMAT" :
          !(img->fs = nb_xml_child_strdup(root, "FS")) ? "FS" :
          nb_xml_child_ll(root, "SIZE", &img->size_mb) < 0 ? "SIZE" :
          nb_xml_child_int(root, "STATE", &img->state) < 0 ? "STATE" :
          nb_xml_child_int(root, "PREV_STATE", &img->prev_state) < 0 ? "PREV_STATE" :
          nb_xml_child_int(root, "RUNNING_VMS", &img->running_vms) < 0 ? "RUNNING_VMS" :
          nb_xml_child_int(root, "CLONING_OPS", &img->cloning_ops) < 0 ? "CLONING_OPS" :
          nb_xml_child_int(root, "CLONING_ID", &img->cloning_id) < 0 ? "CLONING_ID" :
          nb_xml_child_int(root, "DATASTORE_ID", &img->ds_id) < 0 ? "DATASTORE_ID" :
          !(img->ds_name = nb_xml_child_strdup(root, "DATASTORE")) ? "DATASTORE" :
          nb_xml_read_ids(root, "VMS", &img->vms, &img->nvms) < 0 ? "VMS" :
          nb_xml_read_ids(root, "CLONES", &img->clones, &img->nclones) < 0 ? "CLONES" : NULL;
    if (bad) {
        *err = nb_asprintf("IMAGE document lacks a valid %s", bad);
        return -1;
    }
    return 0;
}

const nb_kind nb_image_kind = {
    .name = "image",
    .what = "image",
    .table = "image_pool",
    .root = "IMAGE",
    .pool_root = "IMAGE_POOL",
    .acl_type = NB_ACL_IMAGE,
    .owner_unique_names = true,
    .spaced_names = true,
    .size = sizeof(nb_image),
    .destroy = nb_image_destroy,
    .to_xml = nb_image_to_xml,
    .from_xml = nb_image_from_xml,
};
