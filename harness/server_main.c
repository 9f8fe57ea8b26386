/* server_main.c - the standalone ringside-server binary (what `harness run` starts and samples). */
#include "server.h"

int main(int argc, char **argv)
{
	return rs_server_main(argc, argv);
}
