/*
 * main.c - the custos binary: global options and subcommand dispatch.
 *
 *   custos [-c CONFIG] [-d ARCHIVE] COMMAND [ARGS...]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/log.h"
#include "core/xalloc.h"

const struct cli_command cli_commands[] = {
	{"init", cmd_init, "create a new archive",
	 "usage: custos init [--crypto=default|sm] DIR\n"
	 "Creates an archive in DIR (which must not hold one): database, segment\n"
	 "directory, master key (0600) and ledger signing key pair. Prints the\n"
	 "public key fingerprint; keep keys/ledger.pub for offline verification.\n", 0},
	{"import", cmd_import, "archive messages from eml, mbox, Maildir or PST",
	 "usage: custos import [--json] [--label L] [--quiet] PATH...\n"
	 "PATH may be an .eml file, a directory of messages (recursively), an mbox\n"
	 "file (mboxo/mboxrd), a Maildir or Maildir++ (folders become labels), or an\n"
	 "Outlook .pst file. Exact bytes are kept; duplicates are stored once.\n"
	 "Input that is not mail is refused with a reason; malformed mail is archived\n"
	 "raw and flagged. --label L labels every message (instead of the Maildir\n"
	 "folder). Prints a summary (new, duplicate, failed, flagged, bytes); --json\n"
	 "for scripts. Exit status: 0 all archived, 3 some inputs were refused,\n"
	 "1 the archive failed (what was committed stays; re-running adds nothing twice).\n", 0},
	{"verify", cmd_verify, "re-derive and check everything in the archive",
	 "usage: custos verify [--since DATE|SEQ] [--json] [--quiet]\n"
	 "Decrypts, decompresses and hashes every blob, walks every segment, checks\n"
	 "the ledger hash chain, every checkpoint signature and Merkle root, and that\n"
	 "the index and ledger agree. Names each fault; exits 1 if any.\n", 0},
	{"cat", cmd_cat, "write a message's original bytes to stdout",
	 "usage: custos cat ID|<message-id>|sha256:HEX\n", 0},
	{"export", cmd_export, "export messages with a manifest and proofs",
	 "usage: custos export --out DIR [--format eml|mbox] [--ids ID,...]\n"
	 "                     [--after YYYY-MM-DD] [--before YYYY-MM-DD] [--from ADDR]\n"
	 "Writes the original messages and manifest.json (ids, hashes, ledger\n"
	 "sequence, inclusion proofs, signed checkpoint). No filter: everything.\n", 0},
	{"proof", cmd_proof, "write an inclusion proof for a message",
	 "usage: custos proof ID [-o FILE]\n"
	 "Writes JSON with the ledger entry, its Merkle inclusion proof and the\n"
	 "signed checkpoint it is proven against.\n", 0},
	{"verify-proof", cmd_verify_proof, "check a proof offline with the public key",
	 "usage: custos verify-proof FILE --pubkey KEYFILE [--message EML] [--tsa-ca CAFILE]\n"
	 "Needs no archive: checks the checkpoint signature, the Merkle path and,\n"
	 "with --message, that the message bytes hash to the proven entry. With\n"
	 "--tsa-ca, the proof must carry an RFC 3161 time-stamp whose signature\n"
	 "chains to CAFILE.\n", 0},
	{"search", cmd_search, "search the archive (doc/search.md)",
	 "usage: custos search [--json] [--limit N] [--count] [--sort date|oldest|relevance]\n"
	 "                     [--cursor C] [--explain] QUERY...\n"
	 "Finds messages by words and phrases in any language (a Chinese string matches\n"
	 "wherever it occurs), fields (from: to: cc: bcc: participant: subject: body:\n"
	 "attachment: filename:), has:attachment, before:/after:/on: dates, size>10M,\n"
	 "direction:in|out|internal, label:, msgid:, with -exclusion, OR and\n"
	 "parentheses. Prints the exact count; --cursor continues after a page.\n"
	 "--count prints only the count; --explain shows the compiled query.\n", 0},
	{"reindex", cmd_reindex, "rebuild the full-text index from the stored messages",
	 "usage: custos reindex [--quiet]\n"
	 "Re-parses every archived message in the sandboxed worker and rebuilds the\n"
	 "full-text index. The blobs and the ledger are the truth; the index is\n"
	 "derived and can always be rebuilt. Search is refused until it completes.\n", 0},
	{"info", cmd_info, "summary of an archive",
	 "usage: custos info [--json]\n", 0},
	{"gen", cmd_gen, "generate deterministic demo and test mail",
	 "usage: custos gen [--seed N] [--count N] [--format eml|mbox|maildir]\n"
	 "                  [--start YYYY-MM-DD] [--days N] [--chinese F] [--attachments F]\n"
	 "                  [--jobs N] [--manifest FILE] [--directory FILE] [--force] [--json]\n"
	 "                  --out PATH\n"
	 "Writes deterministic mail of the fictitious Hengxin Fund Management (Chinese\n"
	 "and English, legacy charsets, attachments, threads, Bcc): the same seed and\n"
	 "options give the same bytes. --manifest writes the truth (envelope, Bcc) as\n"
	 "JSON lines; keep it outside the output directory.\n", 0},
	{"config", cmd_config, "print configuration defaults or reference",
	 "usage: custos config --defaults | --doc | --check FILE\n", 0},
	{"parse", cmd_parse, "parse one message and print its metadata as JSON",
	 "usage: custos parse [--text] FILE\n"
	 "Runs the sandboxed parse worker on FILE (debugging aid).\n", 0},
	{NULL, NULL, NULL, NULL, 0},
};

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_usage(const struct cli_command *c, FILE *out)
{
	fprintf(out, "custos %s - %s\n%s", c->name, c->summary, c->usage);
}

int cli_help_requested(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli_usage(cli_find(name), stdout);
			return 1;
		}
	}
	return 0;
}

const char *cli_archive_dir(struct cli *cli, struct error *err)
{
	if (cli->archive_dir != NULL && *cli->archive_dir)
		return cli->archive_dir;
	const char *env = getenv("CUSTOS_ARCHIVE");
	if (env != NULL && *env)
		return env;
	if (cli->cfg.archive_dir != NULL && *cli->cfg.archive_dir)
		return cli->cfg.archive_dir;
	error_set(err, ERR_USAGE,
		  "no archive given: use -d DIR, set CUSTOS_ARCHIVE, or set archive.dir in "
		  "the configuration file");
	return NULL;
}

int cli_open_archive(struct cli *cli, const char *cmd, int writable, struct archive **a_r)
{
	struct error err = ERROR_INIT;
	const char *dir = cli_archive_dir(cli, &err);
	if (dir == NULL || archive_open(a_r, dir, &cli->cfg, writable, &err) < 0) {
		cli_fail(cmd, &err);
		return -1;
	}
	return 0;
}

/* A helper executable of custos: $ENV, else NAME beside this binary (the
 * build tree, or an install of both in one directory), else where meson
 * installs it. Caller frees. */
static char *helper_exe(const char *env_name, const char *name)
{
	const char *env = getenv(env_name);
	if (env != NULL && *env)
		return xstrdup(env);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			char *p = xasprintf("%.*s/%s", (int)(slash - self), self, name);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xasprintf("%s/%s", CUSTOS_LIBEXECDIR, name);
}

const char *cli_worker_exe(struct cli *cli)
{
	if (cli->worker_exe == NULL)
		cli->worker_exe = helper_exe("CUSTOS_WORKER", "custos-worker");
	return cli->worker_exe;
}

/* custos gen runs custos-gen (cmd_gen.c), which alone links libarchive. */
int cmd_gen(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	char *exe = helper_exe("CUSTOS_GEN", "custos-gen");
	argv[0] = "custos-gen";
	fflush(NULL);
	execv(exe, argv);
	fprintf(stderr, "custos gen: cannot run %s: %s\n", exe, strerror(errno));
	free(exe);
	return 1;
}

int cli_fail(const char *cmd, const struct error *err)
{
	fprintf(stderr, "custos %s: %s\n", cmd, err->msg);
	return 1;
}

static void usage(FILE *out)
{
	fputs("usage: custos [-c CONFIG] [-d ARCHIVE] COMMAND [ARGS...]\n\n"
	      "custos is an email compliance archive and security center.\n\n"
	      "Commands:\n",
	      out);
	for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
		if (!c->hidden)
			fprintf(out, "  %-14s %s\n", c->name, c->summary);
	fputs("\nRun 'custos COMMAND --help' for a command's options. See custos(8).\n", out);
}

int main(int argc, char **argv)
{
	struct cli cli;
	memset(&cli, 0, sizeof(cli));
	cli.exe = "/proc/self/exe";
	config_defaults(&cli.cfg);

	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"archive", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;
	/* '+' stops at the first non-option: the subcommand. */
	while ((c = getopt_long(argc, argv, "+c:d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'd':
			cli.archive_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			config_release(&cli.cfg);
			return 0;
		case 'V':
			puts("custos " CUSTOS_VERSION);
			config_release(&cli.cfg);
			return 0;
		default:
			usage(stderr);
			config_release(&cli.cfg);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		config_release(&cli.cfg);
		return 2;
	}
	const struct cli_command *cmd = cli_find(argv[optind]);
	if (cmd == NULL) {
		fprintf(stderr, "custos: unknown command '%s' (see custos --help)\n", argv[optind]);
		config_release(&cli.cfg);
		return 2;
	}
	if (cli.config_path == NULL)
		cli.config_path = getenv("CUSTOS_CONFIG");
	if (cli.config_path != NULL && *cli.config_path) {
		struct error err = ERROR_INIT;
		if (config_load_file(&cli.cfg, cli.config_path, &err) < 0) {
			fprintf(stderr, "custos: %s\n", err.msg);
			config_release(&cli.cfg);
			return 2;
		}
	}
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	int rc;
	if (cli_help_requested(cmd->name, sub_argc, sub_argv)) {
		rc = 0;
	} else {
		optind = 0; /* full reset of getopt for the subcommand */
		rc = cmd->run(&cli, sub_argc, sub_argv);
	}
	config_release(&cli.cfg);
	free(cli.worker_exe);
	return rc;
}
