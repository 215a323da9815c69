/*
 * cmd_config.c - custos config: the configuration table as defaults file,
 * reference documentation, or a check of a file.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

CMD(config)
{
	if (argc == 2 && strcmp(argv[1], "--defaults") == 0) {
		config_write_defaults(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--doc") == 0) {
		config_write_doc(stdout);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--check") == 0) {
		struct config cfg;
		struct error err = ERROR_INIT;
		config_defaults(&cfg);
		int rc = config_load_file(&cfg, argv[2], &err);
		config_release(&cfg);
		if (rc < 0)
			return cli_fail("config", &err);
		printf("%s: ok\n", argv[2]);
		return 0;
	}
	cli_usage(cli_find("config"), stderr);
	return 2;
}
