/*
 * config.c - the configuration table and its parser. See config.h.
 *
 * Invariant: after config_defaults() every string field is heap-allocated
 * (possibly ""), so config_release() can free them all uniformly.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/xalloc.h"

#define KIB 1024LL
#define MIB (1024LL * 1024)
#define GIB (1024LL * 1024 * 1024)
#define OPT(field) offsetof(struct config, field)

const struct config_option config_options[] = {
	{"archive.dir", CFG_STRING, "", 0, 4096, NULL, OPT(archive_dir),
	 "Archive directory (overridden by -d and CUSTOS_ARCHIVE)."},

	{"store.segment_size", CFG_SIZE, "1G", 1 * MIB, 64 * GIB, NULL, OPT(store_segment_size),
	 "A segment file is sealed once it grows past this size."},
	{"store.zstd_level", CFG_INT, "3", 1, 19, NULL, OPT(store_zstd_level),
	 "zstd compression level for message blobs."},
	{"store.cipher", CFG_ENUM, "xchacha20poly1305", 0, 0,
	 "xchacha20poly1305|aes256gcm", OPT(store_cipher),
	 "AEAD for new blobs (recorded per blob, so it can change at any time); an archive "
	 "of the sm suite ignores it (always SM4-CTR + HMAC-SM3)."},

	{"ledger.checkpoint_entries", CFG_INT, "1000", 1, 100000000, NULL,
	 OPT(ledger_checkpoint_entries),
	 "Sign a checkpoint at least every this many ledger entries."},
	{"ledger.checkpoint_seconds", CFG_DURATION, "5m", 1, 86400 * 7, NULL,
	 OPT(ledger_checkpoint_seconds),
	 "Sign a checkpoint at least this often while entries are added."},
	{"ledger.tsa_url", CFG_STRING, "", 0, 2048, NULL, OPT(ledger_tsa_url),
	 "RFC 3161 time-stamping authority for checkpoints (empty: none)."},
	{"ledger.tsa_ca_file", CFG_STRING, "", 0, 4096, NULL, OPT(ledger_tsa_ca_file),
	 "CA certificates (PEM) that TSA tokens must chain to; verify checks them (empty: "
	 "token signatures unchecked)."},
	{"ledger.tsa_timeout", CFG_DURATION, "10s", 1, 300, NULL, OPT(ledger_tsa_timeout),
	 "Longest wait for the TSA; a failure never blocks archiving (retried next checkpoint)."},

	{"parse.max_message_size", CFG_SIZE, "256M", 1 * KIB, 4 * GIB, NULL,
	 OPT(parse_max_message_size),
	 "Largest message accepted at all; larger input is refused with a reason."},
	{"parse.max_depth", CFG_INT, "64", 1, 10000, NULL, OPT(parse_max_depth),
	 "Deepest MIME nesting the parser descends into; deeper parts are flagged."},
	{"parse.max_parts", CFG_INT, "2000", 1, 1000000, NULL, OPT(parse_max_parts),
	 "Most MIME parts parsed per message; the rest are flagged, not parsed."},
	{"parse.max_header_bytes", CFG_SIZE, "1M", 1 * KIB, 64 * MIB, NULL,
	 OPT(parse_max_header_bytes), "Largest header section the parser reads."},
	{"parse.timeout", CFG_DURATION, "30s", 1, 3600, NULL, OPT(parse_timeout),
	 "A parse worker that takes longer on one message is killed and replaced."},
	{"parse.memory", CFG_SIZE, "1G", 64 * MIB, 64 * GIB, NULL, OPT(parse_memory),
	 "Address-space limit of a parse worker (not applied under AddressSanitizer)."},
	{"parse.workers", CFG_INT, "0", 0, 64, NULL, OPT(parse_workers),
	 "Parse workers per importing process (0: one per online CPU); messages are still archived "
	 "in input order."},
	{"parse.recycle_after", CFG_INT, "10000", 1, 100000000, NULL, OPT(parse_recycle_after),
	 "A parse worker is replaced after this many messages."},
	{"parse.max_text_size", CFG_SIZE, "4M", 64 * KIB, 32 * MIB, NULL, OPT(parse_max_text_size),
	 "Most decoded text kept per message (body and attachments together); more is cut and "
	 "flagged."},
	{"parse.max_attachment_text", CFG_SIZE, "1M", 4 * KIB, 32 * MIB, NULL,
	 OPT(parse_max_attachment_text),
	 "Most text kept per attachment; more is cut (extract \"limits\")."},
	{"parse.max_extract_input", CFG_SIZE, "32M", 64 * KIB, 1 * GIB, NULL,
	 OPT(parse_max_extract_input),
	 "Largest attachment (or archive member) whose text is extracted."},
	{"parse.zip_max_members", CFG_INT, "1000", 1, 10000, NULL, OPT(parse_zip_max_members),
	 "Most members listed and read per ZIP archive."},
	{"parse.zip_max_ratio", CFG_INT, "100", 2, 100000, NULL, OPT(parse_zip_max_ratio),
	 "An archive that unpacks to more than this many times its size (past 1 MiB) is a bomb."},
	{"parse.zip_max_size", CFG_SIZE, "64M", 1 * MIB, 16 * GIB, NULL, OPT(parse_zip_max_size),
	 "An archive that unpacks to more than this is a bomb; reading stops."},
	{"parse.extract_time", CFG_DURATION, "10s", 1, 3600, NULL, OPT(parse_extract_time),
	 "Time budget for attachment text per message; later attachments get extract "
	 "\"timeout\" (keep it below parse.timeout)."},

	{"import.batch_messages", CFG_INT, "500", 1, 1000000, NULL, OPT(import_batch_messages),
	 "Import commits (fsync + transaction) after this many new messages."},
	{"import.batch_bytes", CFG_SIZE, "64M", 64 * KIB, 16 * GIB, NULL, OPT(import_batch_bytes),
	 "... or after this many bytes of new messages, whichever comes first."},
	{"import.max_mbox_size", CFG_SIZE, "64G", 1 * KIB, 1024 * GIB, NULL,
	 OPT(import_max_mbox_size), "Largest mbox file import reads."},

	{"search.internal_domains", CFG_STRING, "", 0, 4096, NULL, OPT(search_internal_domains),
	 "The organisation's own mail domains, comma separated (direction: in search)."},

	{NULL, CFG_BOOL, NULL, 0, 0, NULL, 0, NULL},
};

static const struct config_option *find_option(const char *name)
{
	for (const struct config_option *o = config_options; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static int parse_int_suffix(const char *s, int64_t *v_r, const char *suffixes,
			    const int64_t *mults, const char *what, struct error *err)
{
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return error_set(err, ERR_INVALID, "'%s' is not a valid %s", s, what);
	int64_t mult = 1;
	if (*end != '\0') {
		const char *k = strchr(suffixes, toupper((unsigned char)*end));
		if (k == NULL || *k == '\0' || end[1] != '\0')
			return error_set(err, ERR_INVALID, "'%s' is not a valid %s", s, what);
		mult = mults[k - suffixes];
	}
	if (v > INT64_MAX / mult)
		return error_set(err, ERR_INVALID, "'%s' is too large", s);
	*v_r = v * mult;
	return 0;
}

int config_parse_size(const char *s, int64_t *v_r, struct error *err)
{
	static const int64_t mults[] = {1, KIB, MIB, GIB, 1024 * GIB};
	return parse_int_suffix(s, v_r, "BKMGT", mults, "size", err);
}

int config_parse_duration(const char *s, int64_t *v_r, struct error *err)
{
	static const int64_t mults[] = {1, 60, 3600, 86400};
	char low[64];
	size_t n = strlen(s);
	if (n >= sizeof(low))
		return error_set(err, ERR_INVALID, "'%s' is not a valid duration", s);
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)toupper((unsigned char)s[i]);
	return parse_int_suffix(low, v_r, "SMHD", mults, "duration", err);
}

static int set_option(struct config *cfg, const struct config_option *o, const char *value,
		      struct error *err)
{
	void *field = (char *)cfg + o->offset;
	int64_t v = 0;
	switch (o->type) {
	case CFG_BOOL:
		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
			v = 1;
		else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
			v = 0;
		else
			return error_set(err, ERR_INVALID, "%s: '%s' is not yes or no", o->name,
					 value);
		*(int64_t *)field = v;
		return 0;
	case CFG_INT: {
		errno = 0;
		char *end = NULL;
		long long ll = strtoll(value, &end, 10);
		if (end == value || *end != '\0' || errno != 0)
			return error_set(err, ERR_INVALID, "%s: '%s' is not an integer", o->name,
					 value);
		v = ll;
		break;
	}
	case CFG_SIZE:
		if (config_parse_size(value, &v, err) < 0)
			return error_prefix(err, "%s", o->name);
		break;
	case CFG_DURATION:
		if (config_parse_duration(value, &v, err) < 0)
			return error_prefix(err, "%s", o->name);
		break;
	case CFG_STRING:
		if ((int64_t)strlen(value) > o->max)
			return error_set(err, ERR_LIMIT, "%s: value longer than %" PRId64 " bytes",
					 o->name, o->max);
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case CFG_ENUM: {
		size_t n = strlen(value);
		const char *c = o->choices;
		while (c != NULL && *c != '\0') {
			const char *bar = strchr(c, '|');
			size_t len = bar ? (size_t)(bar - c) : strlen(c);
			if (len == n && n > 0 && memcmp(c, value, n) == 0) {
				free(*(char **)field);
				*(char **)field = xstrdup(value);
				return 0;
			}
			c = bar ? bar + 1 : NULL;
		}
		return error_set(err, ERR_INVALID, "%s: '%s' is not one of %s", o->name, value,
				 o->choices);
	}
	}
	if (v < o->min || v > o->max)
		return error_set(err, ERR_INVALID,
				 "%s: %s is out of range (%" PRId64 " to %" PRId64 ")", o->name,
				 value, o->min, o->max);
	*(int64_t *)field = v;
	return 0;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (const struct config_option *o = config_options; o->name != NULL; o++) {
		struct error err;
		if (set_option(cfg, o, o->def, &err) < 0) {
			/* ALWAYS: defaults are valid; a test checks it. */
			fprintf(stderr, "custos: bad default: %s\n", err.msg);
			abort();
		}
	}
}

int config_set(struct config *cfg, const char *name, const char *value, struct error *err)
{
	const struct config_option *o = find_option(name);
	if (o == NULL)
		return error_set(err, ERR_INVALID, "unknown option '%s'", name);
	return set_option(cfg, o, value, err);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int config_load_text(struct config *cfg, const char *name, const char *text, size_t len,
		     struct error *err)
{
	if (memchr(text, '\0', len) != NULL)
		return error_set(err, ERR_INVALID, "%s: NUL byte in the configuration", name);
	char section[128] = "";
	int lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		char *line = xstrndup(text + pos, n);
		pos += n + (nl != NULL);
		lineno++;
		char *s = trim(line);
		int rc = 0;
		if (*s == '\0' || *s == '#' || *s == ';') {
			/* blank or comment */
		} else if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || close[1] != '\0' ||
			    (size_t)(close - s - 1) >= sizeof(section)) {
				rc = error_set(err, ERR_INVALID, "%s:%d: bad section header", name,
					       lineno);
			} else {
				memcpy(section, s + 1, (size_t)(close - s - 1));
				section[close - s - 1] = '\0';
			}
		} else {
			char *eq = strchr(s, '=');
			char key_name[256];
			if (eq == NULL) {
				rc = error_set(err, ERR_INVALID, "%s:%d: expected 'key = value'", name,
					       lineno);
			} else {
				*eq = '\0';
				char *key = trim(s), *value = trim(eq + 1);
				int k = snprintf(key_name, sizeof(key_name), "%s%s%s", section,
						 *section ? "." : "", key);
				if (k < 0 || (size_t)k >= sizeof(key_name))
					rc = error_set(err, ERR_INVALID, "%s:%d: key too long", name,
						       lineno);
				else if (config_set(cfg, key_name, value, err) < 0)
					rc = error_prefix(err, "%s:%d", name, lineno);
			}
		}
		free(line);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int config_load_file(struct config *cfg, const char *path, struct error *err)
{
	struct buf text;
	buf_init(&text, 4 * MIB);
	int rc = fs_read_file(path, &text, err);
	if (rc == 0)
		rc = config_load_text(cfg, path, (const char *)buf_cstr(&text), text.len, err);
	buf_release(&text);
	return rc;
}

void config_release(struct config *cfg)
{
	for (const struct config_option *o = config_options; o->name != NULL; o++) {
		if (o->type == CFG_STRING || o->type == CFG_ENUM) {
			char **field = (char **)((char *)cfg + o->offset);
			free(*field);
			*field = NULL;
		}
	}
}

static const char *type_name(enum config_type t)
{
	switch (t) {
	case CFG_BOOL: return "bool";
	case CFG_INT: return "integer";
	case CFG_SIZE: return "size";
	case CFG_DURATION: return "duration";
	case CFG_STRING: return "string";
	case CFG_ENUM: return "enum";
	}
	return "?";
}

void config_write_doc(FILE *out)
{
	fputs("# custos configuration reference\n\n"
	      "Generated from the option table in src/core/config.c by "
	      "`custos config --doc`; do not edit by hand.\n\n"
	      "Syntax: `[section]` headers and `key = value` lines; `#` starts a comment. "
	      "Sizes take K, M, G, T suffixes (powers of 1024); durations s, m, h, d.\n\n"
	      "| option | type | default | range | meaning |\n"
	      "|---|---|---|---|---|\n",
	      out);
	for (const struct config_option *o = config_options; o->name != NULL; o++) {
		char range[96] = "";
		if (o->type == CFG_ENUM)
			snprintf(range, sizeof(range), "%s", o->choices);
		else if (o->type == CFG_STRING)
			snprintf(range, sizeof(range), "up to %" PRId64 " bytes", o->max);
		else if (o->type != CFG_BOOL)
			snprintf(range, sizeof(range), "%" PRId64 " to %" PRId64, o->min, o->max);
		fprintf(out, "| `%s` | %s | `%s` | %s | %s |\n", o->name, type_name(o->type),
			o->def, range, o->doc);
	}
}

void config_write_defaults(FILE *out)
{
	char section[128] = "";
	fputs("# custos.conf - every option at its default value.\n", out);
	for (const struct config_option *o = config_options; o->name != NULL; o++) {
		const char *dot = strchr(o->name, '.');
		size_t slen = (size_t)(dot - o->name);
		if (strlen(section) != slen || strncmp(section, o->name, slen) != 0) {
			snprintf(section, sizeof(section), "%.*s", (int)slen, o->name);
			fprintf(out, "\n[%s]\n", section);
		}
		fprintf(out, "# %s\n#%s = %s\n", o->doc, dot + 1, o->def);
	}
}
