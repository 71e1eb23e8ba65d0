/*
 * file.h: file work on oned's machine for the fs datastore: sparse copies
 * and running a tool (qemu-img) without a shell.
 */
#ifndef NB_DRIVERS_FS_FILE_H
#define NB_DRIVERS_FS_FILE_H

/* Copy all of in to out (both at offset 0; out empty), keeping in's holes
 * as holes where the file system reports them (SEEK_DATA/SEEK_HOLE).  0, or
 * -1 with errno. */
int nb_fs_copy(int in, int out);

/* Run argv[0] (looked up in PATH) with argv, stdin and stdout on
 * /dev/null.  0 if it exited with status 0, else -1 with *err (malloc'd):
 * what it wrote on stderr, or how it ended. */
int nb_fs_run(const char *const argv[], char **err);

#endif
