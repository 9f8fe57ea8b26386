/* files.h - `harness files`: the directory /file serves, and the cold-cache mode of runs over it. */
#ifndef RS_FILES_H
#define RS_FILES_H

#include <stdbool.h>
#include <stddef.h>

#define RS_FILES_MAX_PATHS 16

/* build/files: where `harness files make` writes and `harness run --workload=file` reads. */
const char *rs_files_default_dir(void);

/* "1k", "64k", "1m", "512" -> bytes. 0 or -EINVAL. */
int rs_files_parse_size(const char *s, size_t *out);

/*
 * Request paths "/file?name=<size>-<i>.bin" for up to max files of that size
 * in dir, spread evenly over those present, into paths[i] (each 96 bytes).
 * Returns how many, or a negative errno after saying what to run.
 */
int rs_files_paths(const char *dir, const char *size, char (*paths)[96], int max);

/* --file-cache=cold: drop the size's files from the page cache now
 * (posix_fadvise DONTNEED), then once a second on a thread until stop. */
struct rs_files_cold;
int rs_files_cold_start(const char *dir, const char *size, struct rs_files_cold **out);
void rs_files_cold_stop(struct rs_files_cold *c);

/*
 * Can the size's files be read with O_DIRECT (the filesystem allows it:
 * ext4, xfs yes; tmpfs no)? Then --file-cache=cold has the server read
 * them so (--file-direct) and every read goes to the device; otherwise
 * only the dropper above keeps them out of the page cache.
 */
bool rs_files_direct_ok(const char *dir, const char *size);

/* Bytes read from the block device that holds dir, since boot
 * (/sys/dev/block/MAJ:MIN/stat). 0 or a negative errno (not a block
 * device: tmpfs, overlay). */
int rs_files_device_read_bytes(const char *dir, unsigned long long *out);

/* `harness files make|dir`. */
int rs_files_main(int argc, char **argv);

#endif
