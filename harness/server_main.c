/* server_main.c - the standalone ringside-server binary (what `harness run` starts and samples). */
#include <string.h>

#include "server.h"
#include "version.h"

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		rs_print_version("ringside-server");
		return 0;
	}
	return rs_server_main(argc, argv);
}
