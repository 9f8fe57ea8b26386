/* wl_file.h - the /file workload: files of one directory, read through the engine's file slot. */
#ifndef RS_WL_FILE_H
#define RS_WL_FILE_H

#include <stdbool.h>

#include "buf.h"
#include "http.h"

struct rs_reactor;

/* Serve files from dir (--files-dir); main thread, before the reactors start.
 * direct: read them with O_DIRECT (--file-direct), so every read goes to the
 * device. 0 or a negative errno (message on stderr). Without it /file answers 503. */
int rs_wl_files_dir(const char *dir, bool direct);

/* /file?name=N and /file/<name>. */
int rs_wl_file(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out);

#endif
