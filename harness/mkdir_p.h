/* mkdir_p.h - mkdir -p. */
#ifndef RS_MKDIR_P_H
#define RS_MKDIR_P_H

/* Create path and every missing parent (mode 0755). 0 or a negative errno. */
int rs_mkdir_p(const char *path);

#endif
