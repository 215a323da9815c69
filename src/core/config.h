/*
 * config.h - the typed configuration table of custos.
 *
 * One table (config.c) names every option with its type, default, limits and
 * a one-line doc; it drives the parser, `custos config --defaults` and the
 * generated reference doc/config.md (like Redis's config.c). Values live in
 * struct config, read-only after loading.
 *
 * File syntax: "# comment", "[section]", "key = value"; a key inside
 * [section] is named "section.key". Sizes take K/M/G suffixes (powers of
 * 1024), durations s/m/h/d. Unknown keys and out-of-range values are errors.
 */
#ifndef CUSTOS_CORE_CONFIG_H
#define CUSTOS_CORE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

enum config_type { CFG_BOOL, CFG_INT, CFG_SIZE, CFG_DURATION, CFG_STRING, CFG_ENUM };

struct config {
	/* [archive] */
	char *archive_dir;
	/* [store] */
	int64_t store_segment_size;
	int64_t store_zstd_level;
	char *store_cipher;
	/* [ledger] */
	int64_t ledger_checkpoint_entries;
	int64_t ledger_checkpoint_seconds;
	char *ledger_tsa_url;
	char *ledger_tsa_ca_file;
	int64_t ledger_tsa_timeout;
	/* [parse] */
	int64_t parse_max_message_size;
	int64_t parse_max_depth;
	int64_t parse_max_parts;
	int64_t parse_max_header_bytes;
	int64_t parse_timeout;
	int64_t parse_memory;
	int64_t parse_recycle_after;
	int64_t parse_workers;
	int64_t parse_max_text_size;
	int64_t parse_max_attachment_text;
	int64_t parse_max_extract_input;
	int64_t parse_zip_max_members;
	int64_t parse_zip_max_ratio;
	int64_t parse_zip_max_size;
	int64_t parse_extract_time;
	/* [import] */
	int64_t import_batch_messages;
	int64_t import_batch_bytes;
	int64_t import_max_mbox_size;
	char *search_internal_domains;
};

struct config_option {
	const char *name;   /* "section.key" */
	enum config_type type;
	const char *def;    /* default, as it would be written in the file */
	int64_t min, max;   /* numeric types; for strings, max is the length */
	const char *choices;/* CFG_ENUM: "a|b|c" */
	size_t offset;      /* into struct config */
	const char *doc;    /* one line */
};

/* The table, terminated by an entry with name == NULL. */
extern const struct config_option config_options[];

/* Fills cfg with every default. */
void config_defaults(struct config *cfg);
/* Applies a configuration file over cfg. Errors name file:line. */
int config_load_file(struct config *cfg, const char *path, struct error *err);
/* The same from text in memory (name is used in error messages). */
int config_load_text(struct config *cfg, const char *name, const char *text, size_t len,
		     struct error *err);
/* Sets one option from its textual value ("section.key", "value"). */
int config_set(struct config *cfg, const char *name, const char *value, struct error *err);
void config_release(struct config *cfg);
/* Writes the reference documentation (Markdown) generated from the table. */
void config_write_doc(FILE *out);
/* Writes a commented configuration file with every default. */
void config_write_defaults(FILE *out);

/* Parsers shared with the command line ("10M", "30s"). */
int config_parse_size(const char *s, int64_t *v_r, struct error *err);
int config_parse_duration(const char *s, int64_t *v_r, struct error *err);

#endif
