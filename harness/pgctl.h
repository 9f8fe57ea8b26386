/* pgctl.h - the project's private PostgreSQL: start, stop, status, URLs. */
#ifndef RS_PGCTL_H
#define RS_PGCTL_H
/* `build/harness pg ...` */
int rs_pgctl_main(int argc, char **argv);
#endif
