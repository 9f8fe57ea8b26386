/* version.h - `--version` of harness and ringside-server: version, commit, build options. */
#ifndef RS_VERSION_H
#define RS_VERSION_H

/* Print "PROG VERSION" and the commit and build options to stdout. */
void rs_print_version(const char *prog);

#endif
