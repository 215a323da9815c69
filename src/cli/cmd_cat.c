/*
 * cmd_cat.c - custos cat: write a message's original bytes to stdout.
 */
#include <stdio.h>
#include <unistd.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/fsutil.h"

CMD(cat)
{
	if (argc != 2) {
		cli_usage(cli_find("cat"), stderr);
		return 2;
	}
	struct archive *a = NULL;
	if (cli_open_archive(cli, "cat", 0, &a) < 0)
		return 1;
	struct error err = ERROR_INIT;
	struct buf b;
	buf_init(&b, STORE_MAX_BLOB);
	int64_t id = 0;
	int rc = 0;
	if (archive_resolve(a, argv[1], &id, &err) < 0 || archive_read(a, id, &b, &err) < 0 ||
	    fs_write_all(1, b.data, b.len, &err) < 0)
		rc = cli_fail("cat", &err);
	buf_release(&b);
	archive_close(a);
	return rc;
}
