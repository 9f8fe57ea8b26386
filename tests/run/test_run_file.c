/* test_run_file.c - `harness files make` then `harness run --workload=file` (hot or cold) on one preset: run.json says which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "runlib.h"

int main(int argc, char **argv)
{
	char out[65536], files[4200], dirflag[4300], outflag[4300], cacheflag[64], path[4300];
	if (argc != 5)
		die("usage: %s HARNESS ENGINE hot|cold DIR", argv[0]);
	const char *harness = argv[1], *engine = argv[2], *cache = argv[3], *dir = argv[4];

	remove_tree(dir);
	snprintf(files, sizeof(files), "%s/files", dir);
	snprintf(dirflag, sizeof(dirflag), "--dir=%s", files);
	const char *make[] = { harness, "files", "make", "--sizes=4k,64k", "--count=5", dirflag, NULL };
	REQUIRE(run_capture(make, out, sizeof(out)) == 0, "harness files make failed: %s", out);
	snprintf(path, sizeof(path), "%s/64k-4.bin", files);
	struct stat st;
	REQUIRE(!stat(path, &st) && st.st_size == 65536, "files make wrote no 64k-4.bin of 65536 bytes");

	/* A size nobody made: the run refuses it and says what to run. */
	snprintf(dirflag, sizeof(dirflag), "--files-dir=%s", files);
	snprintf(outflag, sizeof(outflag), "--out=%s/run", dir);
	snprintf(cacheflag, sizeof(cacheflag), "--file-cache=%s", cache);
	char eng[128];
	snprintf(eng, sizeof(eng), "--engine=%s", engine);
	const char *bad[] = { harness, "run", eng, "--workload=file", "--file-size=1m", dirflag, outflag, "--quiet", NULL };
	REQUIRE(run_capture(bad, out, sizeof(out)) != 0 && strstr(out, "harness files make"),
	      "a missing size was not refused with advice: %s", out);

	const char *run[] = { harness, "run", eng, "--workload=file", "--file-size=64k", cacheflag, dirflag,
			      outflag, "--duration=1", "--warmup=0", "--conns=4", "--quiet", NULL };
	REQUIRE(run_capture(run, out, sizeof(out)) == 0, "harness run --workload=file failed: %s", out);

	snprintf(path, sizeof(path), "%s/run/run.json", dir);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	REQUIRE(j, "%s: %s", path, e.text);
	const char *fc = json_string_value(json_object_get(j, "file_cache"));
	const char *fs = json_string_value(json_object_get(j, "file_size"));
	REQUIRE(fc && !strcmp(fc, cache), "run.json file_cache is %s, want %s", fc ? fc : "absent", cache);
	REQUIRE(fs && !strcmp(fs, "64k"), "run.json file_size is %s", fs ? fs : "absent");
	json_t *sum = json_object_get(j, "summary");
	json_int_t req = json_integer_value(json_object_get(sum, "requests"));
	json_int_t errs = json_integer_value(json_object_get(json_object_get(sum, "errors"), "total"));
	REQUIRE(req > 0 && errs == 0, "requests %lld, errors %lld", (long long)req, (long long)errs);
	json_decref(j);
	remove_tree(dir);
	return 0;
}
