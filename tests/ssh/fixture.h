/* fixture.h - the ssh tests' handle on sshd_fixture.sh: start or stop the loopback sshd of a test directory. */
#ifndef RS_TEST_SSH_FIXTURE_H
#define RS_TEST_SSH_FIXTURE_H

extern char fixture_script[4096], fixture_dir[4096];

/* Remember the script and the directory (argv[1], argv[2]). */
void fixture_init(const char *script, const char *dir);
/* sh sshd_fixture.sh cmd dir: its exit code (77: cannot start here, its reason printed). */
int fixture_do(const char *cmd);

#endif
