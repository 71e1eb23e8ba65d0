/*
 * lvstart URI XMLFILE: libvirt's own cost of starting a domain, the baseline
 * of the instantiate -> RUNNING benchmark (libvirt_start.py).
 *
 * One connection; for each line read on stdin, virDomainCreateXML of the
 * domain in XMLFILE (define + start in one call, as oned's driver does it),
 * timed to the call's return, when the domain runs; prints the time in ms
 * and destroys the domain.  Rounds are driven from stdin so that the caller
 * can interleave them with its own and both see the same machine load.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    virConnectPtr conn = NULL;
    char *xml = NULL;
    long len;
    FILE *f = NULL;
    char line[64];
    int rc = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: lvstart URI XMLFILE\n");
        return 2;
    }
    if (!(f = fopen(argv[2], "r")) || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) < 0 || !(xml = calloc(1, (size_t)len + 1)) ||
        fread(xml, 1, (size_t)len, f) != (size_t)len) {
        perror(argv[2]);
        goto cleanup;
    }
    if (!(conn = virConnectOpen(argv[1]))) {
        fprintf(stderr, "lvstart: %s\n", virGetLastErrorMessage());
        goto cleanup;
    }
    while (fgets(line, sizeof(line), stdin)) {
        double t0 = now_ms();
        virDomainPtr d = virDomainCreateXML(conn, xml, 0);
        double t1 = now_ms();
        if (!d) {
            fprintf(stderr, "lvstart: %s\n", virGetLastErrorMessage());
            goto cleanup;
        }
        printf("%.1f\n", t1 - t0);
        fflush(stdout);
        virDomainDestroy(d);
        virDomainFree(d);
    }
    rc = 0;
 cleanup:
    if (conn)
        virConnectClose(conn);
    if (f)
        fclose(f);
    free(xml);
    return rc;
}
