/* files.c - `harness files make`: files of given sizes under build/files; the cold-cache dropper for runs. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "files.h"
#include "opts.h"
#include "rs_config.h"
#include "run.h"

#define MAX_COUNT 100000

const char *rs_files_default_dir(void)
{
	return RS_BUILD_ROOT "/files";
}

int rs_files_parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10, end++;
	else if (*end == 'm' || *end == 'M')
		shift = 20, end++;
	if (errno || end == s || *end || s[0] == '-' || v > (256ull << 20) >> shift) {
		fprintf(stderr, "ringside: file size '%s': expected bytes with an optional k or m suffix "
				"(e.g. 1k, 64k, 1m), at most 256m\n", s);
		return -EINVAL;
	}
	*out = (size_t)(v << shift);
	return 0;
}

static void file_name(char *buf, size_t size, const char *dir, const char *label, long i)
{
	snprintf(buf, size, "%s/%s-%ld.bin", dir, label, i);
}

/* How many "<label>-<i>.bin" there are, counting from 0 until one is missing. */
static long count_files(const char *dir, const char *label)
{
	char path[4200];
	struct stat st;
	long n = 0;
	for (; n < MAX_COUNT; n++) {
		file_name(path, sizeof(path), dir, label, n);
		if (stat(path, &st))
			break;
	}
	return n;
}

int rs_files_paths(const char *dir, const char *size, char (*paths)[96], int max)
{
	size_t bytes;
	if (rs_files_parse_size(size, &bytes))
		return -EINVAL;
	long n = count_files(dir, size);
	if (!n) {
		fprintf(stderr, "ringside: no %s files in %s: run `harness files make --sizes=%s`\n", size, dir, size);
		return -ENOENT;
	}
	int k = n < max ? (int)n : max;
	for (int i = 0; i < k; i++)
		snprintf(paths[i], 96, "/file?name=%s-%ld.bin", size, (long)i * n / k);
	return k;
}

/* Write one file of n bytes of varied (not all-zero) content, unless it is there at that size. */
static int make_one(const char *path, size_t n, unsigned seed)
{
	struct stat st;
	if (!stat(path, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size == n)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char buf[65536];
	size_t done = 0;
	while (done < n) {
		size_t chunk = n - done < sizeof(buf) ? n - done : sizeof(buf);
		for (size_t i = 0; i < chunk; i++)
			buf[i] = (char)('A' + (seed * 31u + (unsigned)(done + i)) % 58);
		ssize_t w = write(fd, buf, chunk);
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;
			close(fd);
			return err;
		}
		done += (size_t)w;
	}
	return close(fd) ? -errno : 0;
}

static int files_make(int argc, char **argv)
{
	const char *sizes = "1k,64k,1m", *dir = rs_files_default_dir();
	long count = 1000;
	const struct rs_opt opts[] = {
		{ "sizes", RS_OPT_STR, &sizes, .help = "comma-separated sizes, default 1k,64k,1m" },
		{ "count", RS_OPT_INT, &count, 1, MAX_COUNT, .help = "files of each size, default 1000" },
		{ "dir", RS_OPT_STR, &dir, .help = "where, default build/files" },
		{ NULL },
	};
	int err = rs_opts_parse("harness files make", opts, argc, argv, 2, NULL);
	if (err)
		return err > 0 ? 0 : 2;
	char list[256];
	snprintf(list, sizeof(list), "%s", sizes);
	size_t bytes[16];
	char *labels[16], *save = NULL;
	int n = 0;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == 16 || rs_files_parse_size(t, &bytes[n]))
			return 2;
		labels[n++] = t;
	}
	if ((err = rs_mkdir_p(dir))) {
		fprintf(stderr, "ringside: files: cannot create %s: %s\n", dir, strerror(-err));
		return 1;
	}
	for (int s = 0; s < n; s++) {
		for (long i = 0; i < count; i++) {
			char path[4200];
			file_name(path, sizeof(path), dir, labels[s], i);
			if ((err = make_one(path, bytes[s], (unsigned)i))) {
				fprintf(stderr, "ringside: files: %s: %s\n", path, strerror(-err));
				return 1;
			}
		}
		printf("%s: %ld files of %zu bytes (%s-0.bin .. %s-%ld.bin)\n", dir, count, bytes[s], labels[s],
		       labels[s], count - 1);
	}
	return 0;
}

int rs_files_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "make"))
		return files_make(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "dir")) {
		printf("%s\n", rs_files_default_dir());
		return 0;
	}
	fprintf(stderr, "usage: harness files make [--sizes=1k,64k,1m] [--count=1000] [--dir=DIR] | files dir\n");
	return argc >= 2 && strcmp(argv[1], "--help") ? 2 : 0;
}

/* ---- --file-cache=cold ---- */

bool rs_files_direct_ok(const char *dir, const char *size)
{
	char path[4200];
	file_name(path, sizeof(path), dir, size, 0);
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int rs_files_device_read_bytes(const char *dir, unsigned long long *out)
{
	struct stat st;
	char path[64];
	unsigned long long rd_ios, rd_merges, rd_sectors;
	if (stat(dir, &st))
		return -errno;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat", major(st.st_dev), minor(st.st_dev));
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int n = fscanf(f, "%llu %llu %llu", &rd_ios, &rd_merges, &rd_sectors);
	fclose(f);
	if (n != 3)
		return -EIO;
	*out = rd_sectors * 512; /* the stat file counts 512-byte sectors whatever the device's block size */
	return 0;
}

struct rs_files_cold {
	char dir[4096], label[32];
	long n;
	atomic_bool stop;
	pthread_t thread;
};

static void drop_all(const struct rs_files_cold *c)
{
	for (long i = 0; i < c->n; i++) {
		char path[4200];
		file_name(path, sizeof(path), c->dir, c->label, i);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

static void *cold_thread(void *arg)
{
	struct rs_files_cold *c = arg;
	while (!atomic_load(&c->stop)) {
		for (int i = 0; i < 10 && !atomic_load(&c->stop); i++)
			usleep(100000);
		drop_all(c);
	}
	return NULL;
}

int rs_files_cold_start(const char *dir, const char *size, struct rs_files_cold **out)
{
	struct rs_files_cold *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	snprintf(c->label, sizeof(c->label), "%s", size);
	c->n = count_files(dir, size);
	drop_all(c);
	int err = pthread_create(&c->thread, NULL, cold_thread, c);
	if (err) {
		free(c);
		return -err;
	}
	*out = c;
	return 0;
}

void rs_files_cold_stop(struct rs_files_cold *c)
{
	if (!c)
		return;
	atomic_store(&c->stop, true);
	pthread_join(c->thread, NULL);
	free(c);
}
