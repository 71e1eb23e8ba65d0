#include "drivers/driver.h"

#include <string.h>

/* Bounds of the "nb_drivers" section, provided by the linker when at least
 * one driver is linked in; weak so that a binary with none still links. */
extern const nb_driver *const __start_nb_drivers[] __attribute__((weak));
extern const nb_driver *const __stop_nb_drivers[] __attribute__((weak));

void nb_driver_foreach(enum nb_driver_class cls, void (*fn)(const nb_driver *d, void *ctx),
                       void *ctx)
{
    for (const nb_driver *const *p = __start_nb_drivers; p && p < __stop_nb_drivers; p++)
        if ((*p)->cls == cls && (*p)->abi == NB_DRIVER_ABI)
            fn(*p, ctx);
}

const nb_driver *nb_driver_find(enum nb_driver_class cls, const char *name)
{
    for (const nb_driver *const *p = __start_nb_drivers; p && p < __stop_nb_drivers; p++)
        if ((*p)->cls == cls && (*p)->abi == NB_DRIVER_ABI && strcmp((*p)->name, name) == 0)
            return *p;
    return NULL;
}

const char *nb_driver_class_name(enum nb_driver_class cls)
{
    static const char *const names[NB_DRIVER_CLASSES] = {
        [NB_DRIVER_VMM] = "VM_MAD", [NB_DRIVER_IM] = "IM_MAD", [NB_DRIVER_DS] = "DS_MAD",
        [NB_DRIVER_TM] = "TM_MAD", [NB_DRIVER_NET] = "VN_MAD",
    };
    return (unsigned)cls < NB_DRIVER_CLASSES ? names[cls] : "?";
}
