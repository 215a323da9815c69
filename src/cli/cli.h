/*
 * cli.h - what every subcommand of the custos binary shares.
 *
 * One file per subcommand (cmd_NAME.c) defines
 *     int cmd_NAME(struct cli *cli, int argc, char **argv);
 * argv[0] is the subcommand name; options are parsed with getopt_long.
 * Exit status: 0 success, 1 the command found faults or failed, 2 usage.
 */
#ifndef CUSTOS_CLI_CLI_H
#define CUSTOS_CLI_CLI_H

#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

struct cli {
	struct config cfg;
	const char *config_path; /* -c, or NULL */
	const char *archive_dir; /* -d, or NULL */
	const char *exe;         /* path of this binary */
	char *worker_exe;        /* custos-worker, once resolved (cli_worker_exe) */
	int quiet;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary; /* one line, for `custos --help` and the man page test */
	const char *usage;   /* full --help text */
	int hidden;          /* internal (worker entry points) */
};

extern const struct cli_command cli_commands[];

/* Resolves the archive directory: -d, else $CUSTOS_ARCHIVE, else archive.dir
 * of the configuration file. Returns NULL with err set when none is given. */
const char *cli_archive_dir(struct cli *cli, struct error *err);
struct archive;
/* Resolves the archive directory and opens it; prints the error and
 * returns -1 on failure. */
int cli_open_archive(struct cli *cli, const char *cmd, int writable, struct archive **a_r);
/* The parse worker executable: $CUSTOS_WORKER, else custos-worker beside
 * this binary, else the installed one. */
const char *cli_worker_exe(struct cli *cli);
/* Prints "custos NAME: message" to stderr; returns exit status 1. */
int cli_fail(const char *cmd, const struct error *err);
/* Prints the usage of a command to out. */
void cli_usage(const struct cli_command *c, FILE *out);
/* Finds a command by name (NULL if none). */
const struct cli_command *cli_find(const char *name);
/* Handles "-h/--help" as argv[1]: prints usage and returns 1 (caller exits 0). */
int cli_help_requested(const char *name, int argc, char **argv);

#define CMD(name) int cmd_##name(struct cli *cli, int argc, char **argv)
CMD(init);
CMD(import);
CMD(verify);
CMD(cat);
CMD(export);
CMD(proof);
CMD(verify_proof);
CMD(info);
CMD(gen);
CMD(config);
CMD(parse);
CMD(search);
CMD(reindex);

#endif
