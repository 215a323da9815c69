/*
 * cmd_gen.c - custos gen: write deterministic demo and test mail of the
 * fictitious Hengxin Fund Management (see src/gen/gen.h).
 *
 *   custos gen [--seed N] [--count N] [--format eml|mbox|maildir]
 *              [--start YYYY-MM-DD] [--days N] [--chinese F] [--attachments F]
 *              [--jobs N] [--manifest FILE] [--directory FILE] [--force]
 *              [--json] --out PATH
 *
 * Same options, same bytes. Prints a summary (messages, bytes, time and the
 * distribution of directions, charsets, attachments and oddities); --json
 * prints it as one JSON object.
 *
 * Built as its own executable, custos-gen, which `custos gen` runs: the
 * generator needs libarchive (and through it libxml2 and ICU) for its
 * Office and ZIP attachments, and loading those made every other custos
 * command slower to start.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen/gen.h"

static const char gen_usage[] =
    "usage: custos gen [--seed N] [--count N] [--format eml|mbox|maildir]\n"
    "                  [--start YYYY-MM-DD] [--days N] [--chinese F] [--attachments F]\n"
    "                  [--jobs N] [--manifest FILE] [--directory FILE] [--force]\n"
    "                  [--json] --out PATH\n"
    "Writes N (default 1000) messages of the fictitious Hengxin Fund Management:\n"
    "eml: PATH/000/000123.eml; mbox: one mboxrd file; maildir: a Maildir++.\n"
    "--manifest writes one JSON line per message with the envelope (Bcc\n"
    "recipients exist only there), charset, attachments and duplicates.\n"
    "--directory writes the employee directory as CSV. Same options, same bytes.\n";

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *v_r)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno != 0 || e == s || *e != '\0' || s[0] == '-' || v < min || v > max) {
		fprintf(stderr,
			"custos gen: --%s: want a number %" PRIu64 "..%" PRIu64 ", got '%s'\n", opt,
			min, max, s);
		return -1;
	}
	*v_r = v;
	return 0;
}

static int parse_frac(const char *opt, const char *s, double *v_r)
{
	char *e;
	errno = 0;
	double v = strtod(s, &e);
	if (errno != 0 || e == s || *e != '\0' || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "custos gen: --%s: want a fraction 0..1, got '%s'\n", opt, s);
		return -1;
	}
	*v_r = v;
	return 0;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static int write_directory(const struct gen_opts *o, const char *path, struct error *err)
{
	struct gen *g;
	if (gen_new(o, &g, err) < 0)
		return -1;
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		gen_free(g);
		return error_errno(err, "create %s", path);
	}
	fputs("name,email,department,title\n", f);
	for (size_t i = 0; i < gen_employee_count(g); i++) {
		const char *name, *addr, *dept, *title;
		gen_employee(g, i, &name, &addr, &dept, &title);
		fprintf(f, "%s,%s,%s,%s\n", name, addr, dept, title);
	}
	int rc = 0;
	if (fclose(f) != 0)
		rc = error_errno(err, "write %s", path);
	gen_free(g);
	return rc;
}

static void print_summary(const struct gen_opts *o, const struct gen_stats *s, double secs,
			  int json)
{
	static const char *const fmt[] = {"eml", "mbox", "maildir"};
	double mb = (double)s->bytes / 1e6;
	double rate = secs > 0 ? (double)s->messages / secs : 0;
	if (json) {
		printf("{\"format\":\"%s\",\"seed\":%" PRIu64 ",\"out\":", fmt[o->format], o->seed);
		json_string(stdout, o->out);
		printf(",\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.3f,"
		       "\"messages_per_second\":%.0f,\"mb_per_second\":%.1f,\"duplicates\":%" PRIu64
		       ",\"replies\":%" PRIu64 ",\"with_bcc\":%" PRIu64
		       ",\"with_attachments\":%" PRIu64 ",\"max_size\":%" PRIu64 ",\"direction\":{",
		       s->messages, s->bytes, secs, rate, secs > 0 ? mb / secs : 0, s->duplicates,
		       s->replies, s->with_bcc, s->with_attachments, s->max_size);
		for (int i = 0; i < 3; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "",
			       gen_direction_name((enum gen_direction)i), s->direction[i]);
		printf("},\"charsets\":{");
		for (int i = 0; i < GEN_CS_COUNT; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "",
			       gen_charset_name((enum gen_charset)i), s->charset[i]);
		printf("},\"attachments\":{");
		for (int i = 0; i < GEN_ATT_COUNT; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "",
			       gen_att_kind_name((enum gen_att_kind)i), s->att[i]);
		printf("},\"flags\":{");
		for (unsigned i = 0; i < 8; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", gen_flag_name(i), s->flags[i]);
		printf("}}\n");
		return;
	}
	printf("generated %" PRIu64 " messages (%s) in %.2f s: %.0f msg/s, %.1f MB, %.1f MB/s\n",
	       s->messages, fmt[o->format], secs, rate, mb, secs > 0 ? mb / secs : 0);
	printf("  direction:");
	for (int i = 0; i < 3; i++)
		printf(" %s %" PRIu64, gen_direction_name((enum gen_direction)i), s->direction[i]);
	printf("\n  threads: %" PRIu64 " replies/forwards, %" PRIu64 " re-deliveries, %" PRIu64
	       " with Bcc, max size %" PRIu64 " bytes\n  charsets:",
	       s->replies, s->duplicates, s->with_bcc, s->max_size);
	for (int i = 0; i < GEN_CS_COUNT; i++)
		printf(" %s %" PRIu64, gen_charset_name((enum gen_charset)i), s->charset[i]);
	printf("\n  attachments (%" PRIu64 " messages):", s->with_attachments);
	for (int i = 0; i < GEN_ATT_COUNT; i++)
		printf(" %s %" PRIu64, gen_att_kind_name((enum gen_att_kind)i), s->att[i]);
	printf("\n  flags:");
	for (unsigned i = 0; i < 8; i++)
		printf(" %s %" PRIu64, gen_flag_name(i), s->flags[i]);
	printf("\n");
}

static int fail(const struct error *err)
{
	fprintf(stderr, "custos gen: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	gen_opts_defaults(&o);
	const char *directory = NULL;
	int json = 0;
	uint64_t v;
	struct error err = ERROR_INIT;
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},
	    {"count", required_argument, NULL, 'n'},
	    {"format", required_argument, NULL, 'f'},
	    {"start", required_argument, NULL, 'S'},
	    {"days", required_argument, NULL, 'D'},
	    {"out", required_argument, NULL, 'o'},
	    {"json", no_argument, NULL, 'j'},
	    {"manifest", required_argument, NULL, 'm'},
	    {"directory", required_argument, NULL, 'd'},
	    {"chinese", required_argument, NULL, 'c'},
	    {"attachments", required_argument, NULL, 'a'},
	    {"jobs", required_argument, NULL, 'J'},
	    {"force", no_argument, NULL, 'F'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_u64("seed", optarg, 0, UINT64_MAX, &o.seed) < 0)
				return 2;
			break;
		case 'n':
			if (parse_u64("count", optarg, 1, GEN_MAX_COUNT, &o.count) < 0)
				return 2;
			break;
		case 'f':
			if (strcmp(optarg, "eml") == 0)
				o.format = GEN_FMT_EML;
			else if (strcmp(optarg, "mbox") == 0)
				o.format = GEN_FMT_MBOX;
			else if (strcmp(optarg, "maildir") == 0)
				o.format = GEN_FMT_MAILDIR;
			else {
				fprintf(stderr, "custos gen: --format: eml, mbox or maildir\n");
				return 2;
			}
			break;
		case 'S':
			if (gen_parse_date(optarg, &o.start_day, &err) < 0) {
				fprintf(stderr, "custos gen: --start: %s\n", err.msg);
				return 2;
			}
			break;
		case 'D':
			if (parse_u64("days", optarg, 1, GEN_MAX_DAYS, &v) < 0)
				return 2;
			o.days = (uint32_t)v;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'm':
			o.manifest = optarg;
			break;
		case 'd':
			directory = optarg;
			break;
		case 'c':
			if (parse_frac("chinese", optarg, &o.chinese) < 0)
				return 2;
			break;
		case 'a':
			if (parse_frac("attachments", optarg, &o.attachments) < 0)
				return 2;
			break;
		case 'J':
			if (parse_u64("jobs", optarg, 1, GEN_MAX_JOBS, &v) < 0)
				return 2;
			o.jobs = (unsigned)v;
			break;
		case 'F':
			o.force = 1;
			break;
		default:
			fputs(gen_usage, stderr);
			return 2;
		}
	}
	if (optind != argc || (o.out == NULL && directory == NULL)) {
		fputs(gen_usage, stderr);
		return 2;
	}
	if (directory != NULL && write_directory(&o, directory, &err) < 0)
		return fail(&err);
	if (o.out == NULL)
		return 0;
	struct gen_stats st;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (gen_run(&o, &st, &err) < 0)
		return fail(&err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_summary(&o, &st, secs, json);
	return 0;
}
