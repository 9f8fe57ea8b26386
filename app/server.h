/* server.h - ringside-server's entry point, shared by `harness serve` and the ringside-server binary. */
#ifndef RS_SERVER_H
#define RS_SERVER_H

/* Parse serve flags from argv[1..], run the reactors in the foreground until
 * SIGINT/SIGTERM, finish in-flight requests. Returns the process exit code. */
int rs_server_main(int argc, char **argv);

#endif
