/*
 * replay.c - runs a libFuzzer target over every file of a corpus directory
 * (and any files named on the command line), so that every stored fuzzer
 * find is replayed in the normal test run under ASan + UBSan.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	unsigned char *p = malloc(cap);
	size_t got;
	while (p != NULL && (got = fread(p + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			unsigned char *q = realloc(p, cap *= 2);
			if (q == NULL)
				break;
			p = q;
		}
	}
	fclose(f);
	if (p == NULL)
		return -1;
	LLVMFuzzerTestOneInput(p, len);
	free(p);
	return 0;
}

static int run_path(const char *path, int *count)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	DIR *d = opendir(path);
	if (d == NULL) {
		perror(path);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *child = malloc(n);
		if (child == NULL)
			break;
		snprintf(child, n, "%s/%s", path, e->d_name);
		if (run_path(child, count) < 0)
			rc = -1;
		free(child);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	int count = 0, rc = 0;
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			rc = 1;
	printf("replayed %d inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no corpus inputs found\n");
		return 1;
	}
	return rc;
}
