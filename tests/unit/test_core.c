/*
 * test_core.c - unit tests of src/core: buffers, errors, hex, config table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "core/config.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/log.h"

static void test_buf_limit(void **state)
{
	(void)state;
	struct buf b;
	struct error err = ERROR_INIT;
	buf_init(&b, 8);
	assert_int_equal(buf_append_str(&b, "12345678", &err), 0);
	assert_string_equal(buf_cstr(&b), "12345678");
	assert_int_equal(buf_append_byte(&b, 'x', &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	assert_int_equal(b.len, 8); /* unchanged on failure */
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, &err, "%d-%s", 42, "ab"), 0);
	assert_string_equal(buf_cstr(&b), "42-ab");
	assert_int_equal(buf_printf(&b, &err, "%s", "toolong"), -1);
	buf_release(&b);
}

static void test_buf_be(void **state)
{
	(void)state;
	struct buf b;
	struct error err;
	buf_init(&b, BUF_UNLIMITED);
	assert_int_equal(buf_put_u16be(&b, 0x0102, &err), 0);
	assert_int_equal(buf_put_u32be(&b, 0x03040506, &err), 0);
	assert_int_equal(buf_put_u64be(&b, 0x0708090a0b0c0d0eULL, &err), 0);
	static const unsigned char want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(get_u64be(b.data + 6), 0x0708090a0b0c0d0eULL);
	assert_int_equal(get_u32be(b.data + 2), 0x03040506);
	assert_int_equal(get_u16be(b.data), 0x0102);
	buf_release(&b);
}

static void test_error_prefix(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	assert_int_equal(error_set(&err, ERR_INVALID, "bad %s", "thing"), -1);
	error_prefix(&err, "file %d", 3);
	assert_string_equal(err.msg, "file 3: bad thing");
	assert_int_equal(err.code, ERR_INVALID);
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set(&err, ERR_IO, "%s", big);
	/* a cut message is visibly cut */
	assert_string_equal(err.msg + strlen(err.msg) - 3, "...");
}

static void test_hex(void **state)
{
	(void)state;
	unsigned char in[] = {0x00, 0xab, 0xff, 0x10}, out[4];
	char s[9];
	hex_encode(s, in, 4);
	assert_string_equal(s, "00abff10");
	assert_int_equal(hex_decode(out, 4, "00ABff10"), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(hex_decode(out, 4, "00abff1"), -1);
	assert_int_equal(hex_decode(out, 4, "00abff1g"), -1);
}

static void test_log_safe(void **state)
{
	(void)state;
	char out[32];
	log_safe(out, sizeof(out), "a\nb\x1b", 4);
	assert_string_equal(out, "a\\x0ab\\x1b");
	log_safe(out, 12, "0123456789abcdef", 16);
	assert_true(strlen(out) < 12);
	assert_non_null(strstr(out, "..."));
}

static void test_config_defaults_and_set(void **state)
{
	(void)state;
	struct config cfg;
	struct error err = ERROR_INIT;
	config_defaults(&cfg);
	assert_int_equal(cfg.store_segment_size, 1024LL * 1024 * 1024);
	assert_int_equal(cfg.parse_timeout, 30);
	assert_string_equal(cfg.store_cipher, "xchacha20poly1305");
	assert_int_equal(config_set(&cfg, "parse.timeout", "2m", &err), 0);
	assert_int_equal(cfg.parse_timeout, 120);
	assert_int_equal(config_set(&cfg, "parse.timeout", "2w", &err), -1);
	assert_int_equal(config_set(&cfg, "parse.max_depth", "0", &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	assert_int_equal(config_set(&cfg, "store.cipher", "rot13", &err), -1);
	assert_int_equal(config_set(&cfg, "store.cipher", "aes256gcm", &err), 0);
	assert_int_equal(config_set(&cfg, "no.such", "1", &err), -1);
	assert_int_equal(config_set(&cfg, "store.segment_size", "99999999999999999999G", &err), -1);
	config_release(&cfg);
}

static void test_config_file(void **state)
{
	(void)state;
	char path[] = "/tmp/custos-cfg-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# comment\n[store]\nzstd_level = 7\n\n[parse]\n max_parts = 10 \n", f);
	fclose(f);
	struct config cfg;
	struct error err = ERROR_INIT;
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, &err), 0);
	assert_int_equal(cfg.store_zstd_level, 7);
	assert_int_equal(cfg.parse_max_parts, 10);
	f = fopen(path, "w");
	fputs("[store]\nzstd_level = 70\n", f);
	fclose(f);
	assert_int_equal(config_load_file(&cfg, path, &err), -1);
	assert_non_null(strstr(err.msg, ":2:")); /* names file:line */
	/* line numbers count blank and comment lines too */
	const char *t = "\n# c\n[store]\n\nzstd_level = 70\n";
	assert_int_equal(config_load_text(&cfg, "mem", t, strlen(t), &err), -1);
	assert_non_null(strstr(err.msg, "mem:5:"));
	assert_int_equal(config_load_text(&cfg, "mem", "a\0b", 3, &err), -1);
	config_release(&cfg);
	unlink(path);
}

/* The generated reference must match the committed doc/config.md. */
static void test_config_doc_current(void **state)
{
	(void)state;
	const char *src = getenv("CUSTOS_SRCDIR");
	if (src == NULL)
		skip();
	char *gen = NULL;
	size_t gen_len = 0;
	FILE *m = open_memstream(&gen, &gen_len);
	config_write_doc(m);
	fclose(m);
	char path[4096];
	snprintf(path, sizeof(path), "%s/doc/config.md", src);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *disk = calloc(1, gen_len + 2);
	size_t got = fread(disk, 1, gen_len + 1, f);
	fclose(f);
	if (got != gen_len || memcmp(disk, gen, gen_len) != 0)
		fail_msg("doc/config.md is stale: run 'custos config --doc > doc/config.md'");
	free(disk);
	free(gen);
}

/* utf8_encode against utf8_decode at every length boundary and across all
 * code points (surrogates excluded: they have no UTF-8 form). */
static void test_utf8_encode(void **state)
{
	(void)state;
	static const struct {
		uint32_t cp;
		const char *bytes;
	} fixed[] = {
	    {0x0, "\x00"},	       {0x7F, "\x7f"},	      {0x80, "\xc2\x80"},
	    {0x7FF, "\xdf\xbf"},     {0x800, "\xe0\xa0\x80"}, {0x4E2D, "\xe4\xb8\xad"},
	    {0xFFFF, "\xef\xbf\xbf"}, {0x10000, "\xf0\x90\x80\x80"},
	    {0x10FFFF, "\xf4\x8f\xbf\xbf"},
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		unsigned char d[4];
		size_t n = utf8_encode(d, fixed[i].cp);
		size_t want = fixed[i].cp == 0 ? 1 : strlen(fixed[i].bytes);
		assert_int_equal(n, want);
		assert_memory_equal(d, fixed[i].bytes, n);
	}
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		unsigned char d[4];
		uint32_t back = 0xFFFFFFFF;
		size_t n = utf8_encode(d, cp);
		if (utf8_decode(d, n, &back) != n || back != cp)
			fail_msg("U+%04X does not round-trip", (unsigned)cp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_buf_be),
		cmocka_unit_test(test_error_prefix),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_log_safe),
		cmocka_unit_test(test_config_defaults_and_set),
		cmocka_unit_test(test_utf8_encode),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_doc_current),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
