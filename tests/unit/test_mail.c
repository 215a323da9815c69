/*
 * test_mail.c - unit tests of src/mail: sniffing, parsing (charsets,
 * attachments, broken structure, limits, size), the document's binary
 * encoding (the parent's trust boundary) and its JSON form, address
 * normalisation, the parse worker (real and misbehaving, whole and as
 * submit / collect), and the worker sandbox itself.
 *
 * The worker tests need the custos-worker binary: $CUSTOS_WORKER (set by meson);
 * without it they are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "mail/mail.h"
#include "mail/mail_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib.h>

static struct mail_limits limits(void)
{
	struct mail_limits lim = {
	    .max_message_size = 256ULL << 20,
	    .max_depth = 64,
	    .max_parts = 2000,
	    .max_header_bytes = 1 << 20,
	    .timeout_s = 30,
	    .memory = 1ULL << 30,
	    .recycle_after = 10000,
	};
	return lim;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void parse_with(const char *msg, size_t n, const struct mail_limits *lim,
		       struct mail_doc *doc)
{
	struct error err = ERROR_INIT;
	mail_doc_init(doc);
	if (mail_parse((const unsigned char *)msg, n, lim, doc, &err) < 0)
		fail_msg("mail_parse: %s", err.msg);
}

static void parse(const char *msg, struct mail_doc *doc)
{
	struct mail_limits lim = limits();
	parse_with(msg, strlen(msg), &lim, doc);
}

/* --- sniff ------------------------------------------------------------ */

struct sniff_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen */
	int ok;
	const char *why; /* substring of the refusal */
};

static void test_sniff(void **state)
{
	(void)state;
	static const struct sniff_case cases[] = {
	    {"empty", "", 0, 0, "empty"},
	    {"only newlines", "\n\r\n\n", 0, 0, "no header section"},
	    {"ELF binary",
	     "\x7f"
	     "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0",
	     20, 0, "not a header field"},
	    {"PNG image", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, 0, "not a header field"},
	    {"plain text", "Hello world,\nthis is a letter.\n", 0, 0, "not a header field"},
	    {"text that looks like one field", "Note: buy milk\nand eggs\nand bread\n\nbye\n", 0, 0,
	     "one field line"},
	    {"NUL in the header section", "Subject: hi\nX-Junk: a\0b\n\nbody\n", 26, 0, "NUL byte"},
	    {"control bytes in the header section",
	     "Subject: \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\n\nx\n", 0, 0,
	     "control bytes"},
	    {"mbox From_ line alone", "From a@b.c Mon Jan  1 00:00:00 2024\n", 0, 0,
	     "without a message"},
	    {"mbox From_ line then text", "From a@b.c Mon Jan  1 00:00:00 2024\nhello\n", 0, 0,
	     "after the From_ line"},
	    {"mbox From_ line then message",
	     "From a@b.c Mon Jan  1 00:00:00 2024\nSubject: hi\n\nbody\n", 0, 1, NULL},
	    {"headers only, no body", "Subject: hi\nFrom: a@b.c", 0, 1, NULL},
	    {"body without the empty line", "Subject: hi\nFrom: a@b.c\n<html>\x01\0</html>\n", 33,
	     1, NULL},
	    {"stray empty lines in the header section",
	     "Received: from a\n(b [1.2.3.4])\n\n by c with ESMTP\nid 1\n\nReceived: from d\n"
	     "From: a@b.c\n\nx\n",
	     0, 1, NULL},
	    {"badly folded field",
	     "Received: from a\n by b; Tue, 19 May 98\n22:55 EDT\nFrom: a@b.c\n\nx\n", 0, 1, NULL},
	    {"LF", "Subject: hi\nFrom: a@b.c\n\nbody\n", 0, 1, NULL},
	    {"CRLF", "Subject: hi\r\nFrom: a@b.c\r\n\r\nbody\r\n", 0, 1, NULL},
	    {"folded field", "Subject: a\n  long one\nFrom: a@b.c\n\nx\n", 0, 1, NULL},
	    {"byte order mark", "\xef\xbb\xbfSubject: hi\n\nbody\n", 0, 1, NULL},
	    {"leading empty lines", "\n\nSubject: hi\n\nbody\n", 0, 1, NULL},
	    {"ISO-2022-JP raw header", "Subject: \x1b$BF|K\\\x1b(B\n\nx\n", 0, 1, NULL},
	    {"indented first line", " From: a@b.c\nTo: d@e.f\n\nx\n", 0, 1, NULL},
	    {"NUL in the body only", "Subject: hi\n\nbo\0dy\n", 18, 1, NULL},
	    {"binary body", "Subject: hi\n\n\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\n", 0,
	     1, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sniff_case *c = &cases[i];
		struct error err = ERROR_INIT;
		size_t n = c->len ? c->len : strlen(c->in);
		int rc = mail_sniff((const unsigned char *)c->in, n, &err);
		if (c->ok && rc != 0)
			fail_msg("%s: refused: %s", c->name, err.msg);
		if (!c->ok) {
			if (rc == 0)
				fail_msg("%s: accepted", c->name);
			assert_int_equal(err.code, ERR_INVALID);
			if (strstr(err.msg, c->why) == NULL)
				fail_msg("%s: reason \"%s\" lacks \"%s\"", c->name, err.msg,
					 c->why);
		}
	}
}

/* --- parse table ------------------------------------------------------ */

struct parse_case {
	const char *name;
	const char *msg;
	const char *subject;   /* expected; NULL: absent */
	uint32_t set;	       /* flags that must be set */
	uint32_t clear;	       /* flags that must be clear */
	const char *from_name; /* first From entry, when from_addr is set */
	const char *from_addr;
	int n_att;	      /* -1: not checked */
	const char *att_name; /* first attachment */
	const char *att_type;
	long long att_size;
	const char *error; /* substring of doc->error, or NULL */
};

#define HDRS "From: a@example.com\nDate: Tue, 1 Feb 2022 10:00:00 +0800\nMessage-ID: <x@y>\n"

static const struct parse_case parse_cases[] = {
    {"GB2312 B", HDRS "Subject: =?gb2312?B?1tDOxLLiytQ=?=\n\nx\n", "中文测试", 0,
     MAIL_F_BAD_ENCODING | MAIL_F_NOT_MIME | MAIL_F_CHARSET_GUESSED, NULL, NULL, 0, NULL, NULL, 0,
     NULL},
    {"GBK-only characters labelled gb2312", HDRS "Subject: =?gb2312?B?6UaI0g==?=\n\nx\n", "镕堃", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"GB18030 four-byte character labelled gb2312", HDRS "Subject: =?GB2312?B?lTKCNg==?=\n\nx\n",
     "𠀀", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"x-gbk label", HDRS "Subject: =?x-gbk?B?6UaI0g==?=\n\nx\n", "镕堃", 0, MAIL_F_BAD_ENCODING,
     NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"euc-cn label", HDRS "Subject: =?euc-cn?B?1tDOxLLiytQ=?=\n\nx\n", "中文测试", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"cp936 label", HDRS "Subject: =?cp936?B?6UaI0g==?=\n\nx\n", "镕堃", 0, MAIL_F_BAD_ENCODING,
     NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"GBK character split across two words",
     HDRS "Subject: =?gb2312?B?suLK?=\n =?gb2312?B?1A==?=\n\nx\n", "测试", 0, MAIL_F_BAD_ENCODING,
     NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"Big5", HDRS "Subject: =?big5?B?wWPF6aSkpOU=?=\n\nx\n", "繁體中文", 0, MAIL_F_BAD_ENCODING,
     NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"ISO-2022-JP", HDRS "Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\n\nx\n", "日本語", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"UTF-8 Q", HDRS "Subject: =?utf-8?Q?caf=C3=A9_=E2=9C=93?=\n\nx\n", "café ✓", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"UTF-8 B", HDRS "Subject: =?UTF-8?B?5Lit5paH?=\n\nx\n", "中文", 0, MAIL_F_BAD_ENCODING, NULL,
     NULL, -1, NULL, NULL, 0, NULL},
    {"UTF-8 split across words", HDRS "Subject: =?utf-8?B?5Lit?= =?utf-8?B?5paH?= x\n\nx\n",
     "中文 x", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    /* RFC 2047 section 6.2: adjacent words of one charset are joined as
     * bytes before the charset conversion (GMime alone lost everything
     * after a word ending in base64 padding). */
    {"adjacent words, first padded", HDRS "Subject: =?utf-8?B?MQ==?= =?utf-8?B?5pyI?=\n\nx\n",
     "1月", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"adjacent words without white space", HDRS "Subject: =?utf-8?B?MQ==?==?utf-8?B?5pyI?=\n\nx\n",
     "1月", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"UTF-8 character split, padded",
     HDRS "Subject: =?utf-8?B?5Lqk5g==?=\n\t=?UTF-8?B?mJM=?= end\n\nx\n", "交易 end", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"GB2312 character split, Q then B",
     HDRS "Subject: =?gb2312?Q?=B2=E2=CA?= =?GB2312?B?1A==?=\n\nx\n", "测试", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"GB2312 and GBK labels join (one superset)",
     HDRS "Subject: =?gb2312?Q?=B2=E2=CA?= =?gbk?B?1A==?=\n\nx\n", "测试", 0, MAIL_F_BAD_ENCODING,
     NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"ISO-2022-JP split across words",
     HDRS "Subject: =?iso-2022-jp?B?GyRCRnw=?= =?iso-2022-jp?B?S1w4bBsoQg==?=\n\nx\n", "日本語", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"adjacent words of two charsets", HDRS "Subject: =?utf-8?B?5Lit?= =?gb2312?B?zsQ=?=\n\nx\n",
     "中文", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"text between words is kept", HDRS "Subject: =?utf-8?B?MQ==?= - =?utf-8?B?5pyI?=\n\nx\n",
     "1 - 月", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"broken word in a run", HDRS "Subject: =?utf-8?Q?a=ZZ?= =?utf-8?B?5pyI?=\n\nx\n", NULL,
     MAIL_F_BAD_ENCODING, 0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"display name split across words",
     "From: =?utf-8?B?5Lqk5g==?= =?utf-8?B?mJM=?= <a@b.example>\nSubject: s\n\nx\n", "s", 0,
     MAIL_F_BAD_ENCODING, "交易", "a@b.example", -1, NULL, NULL, 0, NULL},
    {"file name split across words",
     HDRS "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: application/pdf\nContent-Disposition: attachment;\n"
	  " filename=\"=?utf-8?B?MjAyNS0wMS0wNuQ=?= =?utf-8?B?uqTmmJPnorroqo3mm7gucGRm?=\"\n"
	  "\nabc\n--b--\n",
     "s", 0, MAIL_F_BAD_ENCODING, NULL, NULL, 1, "2025-01-06交易確認書.pdf", "application/pdf", 3,
     NULL},
    {"RFC 2231 continuations split a GB2312 character",
     HDRS "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: application/pdf\nContent-Disposition: attachment;\n"
	  " filename*0*=gb2312''%B1%A8%B8; filename*1*=%E6.pdf\n\nabc\n--b--\n",
     "s", 0, MAIL_F_BAD_ENCODING, NULL, NULL, 1, "报告.pdf", "application/pdf", 3, NULL},
    {"mixed plain and encoded text", HDRS "Subject: Re: =?utf-8?B?5Lit5paH?= report\n\nx\n",
     "Re: 中文 report", 0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"ISO-8859-1 label holding windows-1252", HDRS "Subject: =?iso-8859-1?Q?=80_5?=\n\nx\n", "€ 5",
     0, MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"ISO-8859-2", HDRS "Subject: =?iso-8859-2?Q?Za=BF=F3=B3=E6?=\n\nx\n", "Zażółć", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"KOI8-R", HDRS "Subject: =?koi8-r?B?8NLJ18XU?=\n\nx\n", "Привет", 0, MAIL_F_BAD_ENCODING, NULL,
     NULL, -1, NULL, NULL, 0, NULL},
    {"windows-1251", HDRS "Subject: =?windows-1251?B?z/Do4uXy?=\n\nx\n", "Привет", 0,
     MAIL_F_BAD_ENCODING, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"raw 8-bit GBK subject (undeclared)", HDRS "Subject: \xd6\xd0\xce\xc4\xb2\xe2\xca\xd4\n\nx\n",
     "中文测试", MAIL_F_8BIT_HEADERS | MAIL_F_CHARSET_GUESSED, MAIL_F_BAD_ENCODING, NULL, NULL, -1,
     NULL, NULL, 0, NULL},
    {"raw 8-bit UTF-8 subject (RFC 6532)", HDRS "Subject: 中文\n\nx\n", "中文", MAIL_F_8BIT_HEADERS,
     MAIL_F_CHARSET_GUESSED, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"raw Big5 subject, body declares big5",
     HDRS "Subject: \xc1\x63\xc5\xe9\nContent-Type: text/plain; charset=big5\n\nx\n", "繁體",
     MAIL_F_8BIT_HEADERS | MAIL_F_CHARSET_GUESSED, 0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"unknown charset", HDRS "Subject: =?x-no-such?B?1tDOxA==?=\n\nx\n", NULL, MAIL_F_BAD_ENCODING,
     0, NULL, NULL, -1, NULL, NULL, 0, "undecodable"},
    {"bytes invalid in the declared charset", HDRS "Subject: =?utf-8?B?/w==?=\n\nx\n", NULL,
     MAIL_F_BAD_ENCODING, 0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"NUL inside an encoded word", HDRS "Subject: =?utf-8?Q?a=00b?=\n\nx\n", NULL,
     MAIL_F_BAD_ENCODING, 0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"control characters become spaces", HDRS "Subject: =?utf-8?Q?a=0Ab=09c?=\n\nx\n", "a b c", 0,
     0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"addresses",
     "From: =?utf-8?B?5Lit5paH?= <Zhang.San@Example.COM>\n"
     "To: friends: a@b.example, \"Li, Si\" <li@C.example>;\n"
     "To: late@d.example\nDate: Tue, 1 Feb 2022 10:00:00 +0800\n"
     "Message-ID: <1@x>\nSubject: s\n\nx\n",
     "s", 0, MAIL_F_NO_MESSAGE_ID | MAIL_F_BAD_DATE, "中文", "Zhang.San@example.com", -1, NULL,
     NULL, 0, NULL},
    {"missing Message-ID", "From: a@b.c\nDate: Tue, 1 Feb 2022 10:00:00 +0800\nSubject: s\n\nx\n",
     "s", MAIL_F_NO_MESSAGE_ID, MAIL_F_BAD_DATE, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"empty Message-ID", "Message-ID: <>\nDate: Tue, 1 Feb 2022 10:00:00 +0800\nSubject: s\n\nx\n",
     "s", MAIL_F_NO_MESSAGE_ID, 0, NULL, NULL, -1, NULL, NULL, 0, "unusable Message-ID"},
    {"bad Date", "Message-ID: <a@b>\nDate: 32 Foo 2022 99:99\nSubject: s\n\nx\n", "s",
     MAIL_F_BAD_DATE, MAIL_F_NO_MESSAGE_ID, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"missing Date", "Message-ID: <a@b>\nSubject: s\n\nx\n", "s", MAIL_F_BAD_DATE, 0, NULL, NULL,
     -1, NULL, NULL, 0, NULL},
    {"RFC 2231 Chinese filename (gb2312 label)",
     HDRS "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: text/plain\n\nhi\n--b\n"
	  "Content-Type: Application/PDF\n"
	  "Content-Disposition: attachment; filename*=gb2312''%B1%A8%B8%E6.pdf\n"
	  "Content-Transfer-Encoding: base64\n\nSGVsbG8gV29ybGQh\n--b--\n",
     "s", 0, MAIL_F_NOT_MIME | MAIL_F_BAD_ENCODING, NULL, NULL, 1, "报告.pdf", "application/pdf",
     12, NULL},
    {"RFC 2231 continuations",
     HDRS "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: text/plain\nContent-Disposition: attachment;\n"
	  " filename*0*=utf-8''%E6%8A%A5; filename*1*=%E5%91%8A.txt\n\nabc\n--b--\n",
     "s", 0, MAIL_F_NOT_MIME | MAIL_F_BAD_ENCODING, NULL, NULL, 1, "报告.txt", "text/plain", 3,
     NULL},
    {"RFC 2047 name parameter",
     HDRS "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: application/octet-stream; name=\"=?utf-8?B?5oql5ZGKLnBkZg==?=\"\n"
	  "Content-Transfer-Encoding: quoted-printable\n\na=3Db\n--b--\n",
     "s", 0, MAIL_F_NOT_MIME | MAIL_F_BAD_ENCODING, NULL, NULL, 1, "报告.pdf",
     "application/octet-stream", 3, NULL},
    {"multipart with attachments and an attached message",
     HDRS "Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"o\"\n\n"
	  "preamble\n--o\nContent-Type: multipart/alternative; boundary=i\n\n"
	  "--i\nContent-Type: text/plain\n\nplain\n--i\nContent-Type: text/html\n\n<p>h</p>\n"
	  "--i--\n--o\nContent-Type: image/PNG\nContent-Disposition: inline; filename=a.png\n"
	  "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
	  "--o\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=f.eml\n\n"
	  "Subject: inner\n\ninner body\n--o--\nepilogue\n",
     "s", 0, MAIL_F_NOT_MIME | MAIL_F_BAD_ENCODING | MAIL_F_LIMITS, NULL, NULL, 2, "a.png",
     "image/png", 8, NULL},
    {"broken base64",
     HDRS "Subject: s\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	  "SGVsbG8*gV29ybGQh\n",
     "s", MAIL_F_BAD_ENCODING, MAIL_F_NOT_MIME, NULL, NULL, 0, NULL, NULL, 0, "base64"},
    {"base64 with data after the padding",
     HDRS "Subject: s\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	  "SGk=\nSGk=\n",
     "s", MAIL_F_BAD_ENCODING, 0, NULL, NULL, 0, NULL, NULL, 0, NULL},
    {"broken quoted-printable",
     HDRS "Subject: s\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
	  "a=ZZb\n",
     "s", MAIL_F_BAD_ENCODING, 0, NULL, NULL, 0, NULL, NULL, 0, "quoted-printable"},
    {"unknown transfer encoding",
     HDRS "Subject: s\nContent-Type: text/plain\nContent-Transfer-Encoding: x-rot13\n\nx\n", "s",
     MAIL_F_BAD_ENCODING, 0, NULL, NULL, 0, NULL, NULL, 0, NULL},
    {"multipart without a boundary",
     HDRS "Subject: s\nContent-Type: multipart/mixed\n\n--b\nContent-Type: text/plain\n\nx\n"
	  "--b--\n",
     "s", MAIL_F_NOT_MIME, MAIL_F_LIMITS, NULL, NULL, -1, NULL, NULL, 0, "boundary"},
    {"invalid header line", HDRS "Subject: s\nthis is not a header\nX-A: b\n\nx\n", "s",
     MAIL_F_NOT_MIME, 0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"NUL bytes in the body", NULL, "s", MAIL_F_NUL_BYTES, 0, NULL, NULL, -1, NULL, NULL, 0, NULL},
    {"mbox From_ line first", "From a@b.c Mon Jan  1 00:00:00 2024\n" HDRS "Subject: s\n\nbody\n",
     "s", 0, MAIL_F_NOT_MIME, "", "a@example.com", -1, NULL, NULL, 0, NULL},
    {"CRLF line ends",
     "From: A <a@example.com>\r\nDate: Tue, 1 Feb 2022 10:00:00 +0800\r\nMessage-ID: <x@y>\r\n"
     "Subject: =?utf-8?B?5Lit5paH?=\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
     "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=x.txt\r\n"
     "\r\nabc\r\n--b--\r\n",
     "中文", 0, MAIL_F_NOT_MIME | MAIL_F_NO_MESSAGE_ID | MAIL_F_BAD_DATE, "A", "a@example.com", 1,
     "x.txt", "text/plain", 3, NULL},
    {"indented first field", "  Subject: indented\nFrom: a@b.c\n\nx\n", "indented", 0,
     MAIL_F_NOT_MIME, "", "a@b.c", 0, NULL, NULL, 0, NULL},
    {"headers only", "Subject: only\nFrom: a@b.c", "only", MAIL_F_NO_MESSAGE_ID, MAIL_F_NOT_MIME,
     NULL, NULL, 0, NULL, NULL, 0, NULL},
    {"header section ended by the last line", HDRS "Subject: s\nX-A: b\n\n", "s", 0,
     MAIL_F_NOT_MIME, NULL, NULL, 0, NULL, NULL, 0, NULL},
    {"header section ended by the last line, CRLF", "From: a@b.c\r\nSubject: s\r\n\r\n", "s", 0,
     MAIL_F_NOT_MIME, NULL, NULL, 0, NULL, NULL, 0, NULL},
};

static void check_case(const struct parse_case *c, const struct mail_doc *doc)
{
	/* The subject of a broken word is whatever GMime made of it. */
	int any_subject = c->subject == NULL && c->set == MAIL_F_BAD_ENCODING;
	if (!any_subject &&
	    (c->subject == NULL ? doc->subject != NULL
				: doc->subject == NULL || strcmp(doc->subject, c->subject) != 0))
		fail_msg("%s: subject \"%s\", want \"%s\"", c->name,
			 doc->subject ? doc->subject : "(null)",
			 c->subject ? c->subject : "(null)");
	if ((doc->flags & c->set) != c->set || (doc->flags & c->clear) != 0)
		fail_msg("%s: flags 0x%x (error: %s), want set 0x%x clear 0x%x", c->name,
			 doc->flags, doc->error ? doc->error : "-", c->set, c->clear);
	if (c->from_addr != NULL) {
		if (doc->from.n < 1 || strcmp(doc->from.v[0].addr, c->from_addr) != 0)
			fail_msg("%s: from addr \"%s\"", c->name,
				 doc->from.n ? doc->from.v[0].addr : "(none)");
		const char *name = doc->from.v[0].name ? doc->from.v[0].name : "";
		if (strcmp(name, c->from_name) != 0)
			fail_msg("%s: from name \"%s\", want \"%s\"", c->name, name, c->from_name);
	}
	if (c->n_att >= 0 && doc->n_att != (size_t)c->n_att)
		fail_msg("%s: %zu attachments, want %d", c->name, doc->n_att, c->n_att);
	if (c->att_name != NULL) {
		const struct mail_attachment *a = &doc->att[0];
		if (a->filename == NULL || strcmp(a->filename, c->att_name) != 0)
			fail_msg("%s: attachment name \"%s\"", c->name,
				 a->filename ? a->filename : "(null)");
		if (strcmp(a->content_type, c->att_type) != 0)
			fail_msg("%s: attachment type \"%s\"", c->name, a->content_type);
		if ((long long)a->size != c->att_size)
			fail_msg("%s: attachment size %llu, want %lld", c->name,
				 (unsigned long long)a->size, c->att_size);
	}
	if (c->error != NULL && (doc->error == NULL || strstr(doc->error, c->error) == NULL))
		fail_msg("%s: error \"%s\" lacks \"%s\"", c->name,
			 doc->error ? doc->error : "(null)", c->error);
}

static const char *case_msg(const char *name)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		if (strcmp(parse_cases[i].name, name) == 0)
			return parse_cases[i].msg;
	fail_msg("no case %s", name);
	return NULL;
}

static void test_parse_table(void **state)
{
	(void)state;
	static const char nul_msg[] = HDRS "Subject: s\n\nbo\0dy\n";
	struct mail_limits lim = limits();
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct mail_doc doc;
		if (c->msg == NULL)
			parse_with(nul_msg, sizeof(nul_msg) - 1, &lim, &doc);
		else
			parse(c->msg, &doc);
		check_case(c, &doc);
		mail_doc_release(&doc);
	}
}

static void test_parse_details(void **state)
{
	(void)state;
	struct mail_doc doc;
	/* dates, ids, lists, attachments in an attached message */
	parse(case_msg("addresses"), &doc);
	assert_string_equal(doc.message_id, "1@x");
	assert_int_equal(doc.date, 1643680800);
	assert_string_equal(doc.date_raw, "Tue, 1 Feb 2022 10:00:00 +0800");
	assert_int_equal(doc.to.n, 3); /* group members and the second To field */
	assert_string_equal(doc.to.v[0].addr, "a@b.example");
	assert_null(doc.to.v[0].name);
	assert_string_equal(doc.to.v[1].addr, "li@c.example");
	assert_string_equal(doc.to.v[1].name, "Li, Si");
	assert_string_equal(doc.to.v[2].addr, "late@d.example");
	mail_doc_release(&doc);

	parse(case_msg("multipart with attachments and an attached message"), &doc);
	assert_int_equal(doc.n_parts, 7);
	assert_int_equal(doc.depth, 2);
	assert_string_equal(doc.att[1].filename, "f.eml");
	assert_string_equal(doc.att[1].content_type, "message/rfc822");
	assert_int_equal(doc.att[1].size,
			 strlen("inner body")); /* the delimiter owns the line end */
	mail_doc_release(&doc);

	/* a very long subject is cut visibly */
	size_t n = MAIL_DOC_MAX_STRING + 5000;
	char *msg = malloc(n + 64);
	int k = snprintf(msg, 64, "Subject: ");
	memset(msg + k, 'a', n);
	strcpy(msg + k + n, "\n\nx\n");
	parse(msg, &doc);
	assert_int_equal(strlen(doc.subject), MAIL_DOC_MAX_STRING);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "Subject longer than"));
	mail_doc_release(&doc);
	free(msg);
}

/* --- limits ----------------------------------------------------------- */

/* levels nested multiparts, each with its own boundary. */
static char *nested(unsigned levels, size_t *len_r)
{
	struct buf b;
	struct error err = ERROR_INIT;
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b,
		       "Subject: deep\nMessage-ID: <d@x>\nContent-Type: multipart/mixed; "
		       "boundary=\"b0\"\n\n",
		       &err);
	for (unsigned i = 0; i < levels; i++)
		buf_printf(&b, &err, "--b%u\nContent-Type: multipart/mixed; boundary=\"b%u\"\n\n",
			   i, i + 1);
	buf_printf(&b, &err, "--b%u\nContent-Type: text/plain\n\nleaf\n", levels);
	for (unsigned i = levels + 1; i-- > 0;)
		buf_printf(&b, &err, "--b%u--\n", i);
	return (char *)buf_detach(&b, len_r);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	struct mail_limits lim = limits();
	struct mail_doc doc;
	size_t n;
	char *msg = nested(10000, &n);
	double t0 = now_s();
	parse_with(msg, n, &lim, &doc);
	double took = now_s() - t0;
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "nesting deeper than 64"));
	assert_string_equal(doc.subject, "deep"); /* the headers still are */
	assert_string_equal(doc.message_id, "d@x");
	assert_int_equal(doc.n_parts, 0);
	assert_true(took < 2.0);
	mail_doc_release(&doc);
	free(msg);

	/* Within the limit: parsed to the leaf. */
	msg = nested(60, &n);
	parse_with(msg, n, &lim, &doc);
	assert_false(doc.flags & MAIL_F_LIMITS);
	assert_int_equal(doc.depth, 61);
	assert_int_equal(doc.n_parts, 62);
	mail_doc_release(&doc);
	free(msg);

	/* With a limit past GMime's own (1024), GMime's stop is reported. */
	lim.max_depth = 5000;
	lim.max_parts = 100000;
	msg = nested(1500, &n);
	parse_with(msg, n, &lim, &doc);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_true(doc.depth <= 1025);
	mail_doc_release(&doc);
	free(msg);
}

static void test_other_limits(void **state)
{
	(void)state;
	struct mail_limits lim = limits();
	struct mail_doc doc;
	struct buf b;
	struct error err = ERROR_INIT;

	/* too many parts */
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b, "Subject: many\nContent-Type: multipart/mixed; boundary=m\n\n", &err);
	for (int i = 0; i < 3000; i++)
		buf_append_str(&b, "--m\n\nx\n", &err);
	buf_append_str(&b, "--m--\n", &err);
	parse_with((const char *)b.data, b.len, &lim, &doc);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "more than 2000 MIME parts"));
	assert_string_equal(doc.subject, "many");
	mail_doc_release(&doc);
	buf_release(&b);

	/* a header section past max_header_bytes: cut, still read */
	lim.max_header_bytes = 4096;
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b, "Subject: big header\n", &err);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, &err, "X-Filler-%d: some value\n", i);
	buf_append_str(&b, "\nbody\n", &err);
	parse_with((const char *)b.data, b.len, &lim, &doc);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "header block larger than 4096"));
	assert_string_equal(doc.subject, "big header");
	mail_doc_release(&doc);
	buf_release(&b);

	/* millions of lines that each must be compared with 60 boundaries */
	size_t n;
	char *deep = nested(60, &n);
	buf_init(&b, BUF_UNLIMITED);
	buf_append(&b, deep, (size_t)(strstr(deep, "--b60--") - deep), &err); /* left open */
	for (int i = 0; i < 2000000; i++)
		buf_append_str(&b, "--x\n", &err);
	double t0 = now_s();
	parse_with((const char *)b.data, b.len, &lim, &doc);
	assert_true(now_s() - t0 < 5.0);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "look like MIME delimiters"));
	mail_doc_release(&doc);
	buf_release(&b);
	free(deep);

	/* a message past max_message_size: headers only */
	lim = limits();
	lim.max_message_size = 1024;
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b, "Subject: large\n\n", &err);
	for (int i = 0; i < 100; i++)
		buf_append_str(&b, "0123456789012345678901234567890123456789\n", &err);
	parse_with((const char *)b.data, b.len, &lim, &doc);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "larger than 1024"));
	assert_string_equal(doc.subject, "large");
	mail_doc_release(&doc);
	buf_release(&b);
}

static void test_100mb_message(void **state)
{
	(void)state;
	/* One attachment of 75 MiB decoded, 100 MiB as base64 lines. */
	const size_t decoded = 75u << 20;
	const size_t lines = decoded / 57;
	const char head[] = "Subject: big\nMessage-ID: <big@x>\nContent-Type: multipart/mixed; "
			    "boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\n"
			    "Content-Type: application/octet-stream\nContent-Disposition: "
			    "attachment; filename=big.bin\nContent-Transfer-Encoding: base64\n\n";
	const char tail[] = "--B--\n";
	const char line[] =
	    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx"
	    "MjM0\n";
	size_t n = strlen(head) + lines * (sizeof(line) - 1) + strlen(tail);
	char *msg = malloc(n);
	assert_non_null(msg);
	char *p = msg;
	memcpy(p, head, strlen(head));
	p += strlen(head);
	for (size_t i = 0; i < lines; i++, p += sizeof(line) - 1)
		memcpy(p, line, sizeof(line) - 1);
	memcpy(p, tail, strlen(tail));
	assert_true(n > 100u << 20);

	struct mail_limits lim = limits();
	struct mail_doc doc;
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	double t0 = now_s();
	parse_with(msg, n, &lim, &doc);
	double took = now_s() - t0;
	getrusage(RUSAGE_SELF, &after);
	assert_int_equal(doc.flags & ~(uint32_t)MAIL_F_BAD_DATE, 0);
	assert_int_equal(doc.n_att, 1);
	assert_string_equal(doc.att[0].filename, "big.bin");
	assert_int_equal(doc.att[0].size, lines * 57);
	/* GMime works on the caller's bytes: no copy of the message. */
	assert_true((after.ru_maxrss - before.ru_maxrss) * 1024L < (long)n / 2);
	assert_true(took < 60.0);
	mail_doc_release(&doc);
	free(msg);
}

/* --- the document's encodings ------------------------------------------ */

static void add_addr(struct mail_addr_list *l, const char *name, const char *addr)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].name = name ? strdup(name) : NULL;
	l->v[l->n].addr = strdup(addr);
	l->n++;
}

static void fill_doc(struct mail_doc *d)
{
	mail_doc_init(d);
	d->flags = MAIL_F_8BIT_HEADERS | MAIL_F_CHARSET_GUESSED;
	d->message_id = strdup("abc@example.com");
	d->date = -86400;
	d->date_raw = strdup("Wed, 31 Dec 1969 00:00:00 +0000");
	d->subject = strdup("报告 \"quoted\" \\ ✓");
	add_addr(&d->from, "张三", "zhang@example.com");
	add_addr(&d->to, NULL, "a@b.c");
	add_addr(&d->to, "B", "b@b.c");
	add_addr(&d->reply_to, NULL, "r@b.c");
	d->att = calloc(2, sizeof(*d->att));
	d->n_att = 2;
	d->att[0].filename = strdup("报告.pdf");
	d->att[0].content_type = strdup("application/pdf");
	d->att[0].size = 123456789012ULL;
	d->att[0].text = strdup("第一页\n\tpage \"two\"");
	d->att[0].extract = strdup("ok");
	d->att[1].content_type = strdup("image/png");
	d->att[1].extract = strdup("none");
	d->att[1].members = calloc(2, sizeof(char *));
	d->att[1].members[0] = strdup("a/b.txt");
	d->att[1].members[1] = strdup("报告.docx");
	d->att[1].n_members = 2;
	d->n_parts = 4;
	d->depth = 1;
	d->error = strdup("something");
	d->body = strdup("line one\n\nline 二\tthree");
	d->header_charset = strdup("gb18030");
}

static int str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static int list_eq(const struct mail_addr_list *a, const struct mail_addr_list *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (!str_eq(a->v[i].name, b->v[i].name) || !str_eq(a->v[i].addr, b->v[i].addr))
			return 0;
	return 1;
}

static int doc_eq(const struct mail_doc *a, const struct mail_doc *b)
{
	if (a->flags != b->flags || a->date != b->date || a->n_parts != b->n_parts ||
	    a->depth != b->depth || a->n_att != b->n_att || !str_eq(a->message_id, b->message_id) ||
	    !str_eq(a->date_raw, b->date_raw) || !str_eq(a->subject, b->subject) ||
	    !str_eq(a->error, b->error) || !list_eq(&a->from, &b->from) ||
	    !list_eq(&a->to, &b->to) || !list_eq(&a->cc, &b->cc) || !list_eq(&a->bcc, &b->bcc) ||
	    !list_eq(&a->reply_to, &b->reply_to))
		return 0;
	if (!str_eq(a->body, b->body) || !str_eq(a->header_charset, b->header_charset))
		return 0;
	for (size_t i = 0; i < a->n_att; i++) {
		if (!str_eq(a->att[i].filename, b->att[i].filename) ||
		    !str_eq(a->att[i].content_type, b->att[i].content_type) ||
		    a->att[i].size != b->att[i].size || !str_eq(a->att[i].text, b->att[i].text) ||
		    !str_eq(a->att[i].extract, b->att[i].extract) ||
		    a->att[i].n_members != b->att[i].n_members)
			return 0;
		for (size_t k = 0; k < a->att[i].n_members; k++)
			if (!str_eq(a->att[i].members[k], b->att[i].members[k]))
				return 0;
	}
	return 1;
}

/* Many attachments, members, CJK, and absent strings in every position an
 * attachment has. */
static void add_many_atts(struct mail_doc *d, size_t n)
{
	d->att = realloc(d->att, (d->n_att + n) * sizeof(*d->att));
	for (size_t i = 0; i < n; i++) {
		struct mail_attachment *a = &d->att[d->n_att++];
		char s[64];
		memset(a, 0, sizeof(*a));
		snprintf(s, sizeof(s), "附件%zu.txt", i);
		a->filename = i % 3 == 0 ? NULL : strdup(s);
		a->content_type = strdup(i % 2 ? "text/plain" : "application/zip");
		a->size = (uint64_t)i * 1000003u;
		snprintf(s, sizeof(s), "第%zu行\n\t行", i);
		a->text = i % 4 == 0 ? NULL : strdup(s);
		a->extract = i % 5 == 0 ? NULL : strdup(i % 2 ? "ok" : "bomb");
		if (i % 2 == 0) {
			a->n_members = 1 + i % 7;
			a->members = calloc(a->n_members, sizeof(char *));
			for (size_t k = 0; k < a->n_members; k++) {
				snprintf(s, sizeof(s), "目录/%zu-%zu", i, k);
				a->members[k] = strdup(s);
			}
		}
	}
	d->att[0].size = INT64_MAX;
}

/* encode, decode, compare field by field, encode again: the same bytes. */
static void wire_trip(const struct mail_doc *a)
{
	struct buf one, two;
	struct error err = ERROR_INIT;
	struct mail_doc b;
	mail_doc_init(&b);
	buf_init(&one, MAIL_DOC_MAX_WIRE);
	buf_init(&two, MAIL_DOC_MAX_WIRE);
	assert_int_equal(mail_doc_encode(a, &one, &err), 0);
	if (mail_doc_decode(one.data, one.len, &b, &err) < 0)
		fail_msg("decode: %s", err.msg);
	assert_true(doc_eq(a, &b));
	assert_int_equal(mail_doc_encode(&b, &two, &err), 0);
	assert_int_equal(one.len, two.len);
	assert_memory_equal(one.data, two.data, one.len);
	mail_doc_release(&b);
	buf_release(&one);
	buf_release(&two);
}

static void test_wire_round_trip(void **state)
{
	(void)state;
	struct mail_doc a;
	fill_doc(&a);
	wire_trip(&a);
	/* every address list in use, many attachments */
	add_addr(&a.cc, "李四", "li@例子.中国");
	add_addr(&a.bcc, NULL, "hidden@b.c");
	add_addr(&a.reply_to, "R", "r2@b.c");
	add_many_atts(&a, 1000);
	a.date = INT64_MIN;
	a.n_parts = UINT32_MAX;
	a.depth = UINT32_MAX;
	a.flags = MAIL_F_NOT_MIME | MAIL_F_LIMITS | MAIL_F_NO_MESSAGE_ID | MAIL_F_8BIT_HEADERS |
		  MAIL_F_BAD_DATE | MAIL_F_NUL_BYTES | MAIL_F_PARSE_FAILED |
		  MAIL_F_CHARSET_GUESSED | MAIL_F_BAD_ENCODING;
	wire_trip(&a);
	mail_doc_release(&a);

	/* nothing at all */
	mail_doc_init(&a);
	wire_trip(&a);

	/* every parse case survives the trip */
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		if (parse_cases[i].msg == NULL)
			continue;
		parse(parse_cases[i].msg, &a);
		wire_trip(&a);
		mail_doc_release(&a);
	}

	/* past the buffer's max: ERR_LIMIT, and the buffer as it was */
	struct buf out;
	struct error err = ERROR_INIT;
	fill_doc(&a);
	buf_init(&out, 100);
	buf_append_str(&out, "head", &err);
	assert_int_equal(mail_doc_encode(&a, &out, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	assert_int_equal(out.len, 4);
	assert_string_equal((const char *)out.data, "head");
	buf_release(&out);
	mail_doc_release(&a);
}

/* --- the wire encoding, written by hand ---------------------------------
 *
 * wire_build() writes a document field by field as doc/formats/worker.md
 * says, independently of wire.c, with one field replaced (a case's spot):
 * the reference for the encoder and the hostile inputs of the decoder. */

enum wspot {
	W_NONE,
	W_VERSION,
	W_FLAGS,
	W_MESSAGE_ID,
	W_DATE_RAW,
	W_SUBJECT,
	W_FROM_COUNT,
	W_FROM_ADDR,
	W_FROM_NAME,
	W_TO_COUNT,
	W_ATT_COUNT,
	W_FILENAME,
	W_CONTENT_TYPE,
	W_SIZE,
	W_TEXT,
	W_EXTRACT,
	W_MEMBER_COUNT,
	W_MEMBER,
	W_ERROR,
	W_BODY,
	W_CHARSET,
	W_TRAILER,
};

struct wire_case {
	const char *name;
	enum wspot spot;
	const char *str; /* the string at spot: NULL is absent */
	size_t len;	 /* its length when it holds NUL (else strlen) */
	uint64_t num;	 /* the integer at spot */
	const char *why; /* substring of the error */
};

static void w_u32(struct buf *b, uint32_t v)
{
	struct error err = ERROR_INIT;
	assert_int_equal(buf_put_u32be(b, v, &err), 0);
}

static void w_num(struct buf *b, const struct wire_case *c, enum wspot at, uint32_t v)
{
	w_u32(b, c->spot == at ? (uint32_t)c->num : v);
}

/* A str: n bytes at s, or absent (s NULL). */
static void w_bytes(struct buf *b, const char *s, size_t n)
{
	struct error err = ERROR_INIT;
	if (s == NULL) {
		w_u32(b, 0xffffffffu);
		return;
	}
	w_u32(b, (uint32_t)n);
	assert_int_equal(buf_append(b, s, n, &err), 0);
}

static void w_text(struct buf *b, const char *s)
{
	w_bytes(b, s, s != NULL ? strlen(s) : 0);
}

/* s, or the case's string if the case's spot is here. */
static void w_str(struct buf *b, const struct wire_case *c, enum wspot at, const char *s)
{
	if (c->spot != at)
		w_text(b, s);
	else if (c->str == NULL)
		w_bytes(b, NULL, 0);
	else
		w_bytes(b, c->str, c->len ? c->len : strlen(c->str));
}

/* fill_doc()'s document; the spots are in from[0], attachments[0], and
 * the member list of attachments[1]. */
static void wire_build(struct buf *b, const struct wire_case *c)
{
	struct error err = ERROR_INIT;
	buf_put_u8(b, c->spot == W_VERSION ? (uint8_t)c->num : 3, &err);
	w_num(b, c, W_FLAGS, MAIL_F_8BIT_HEADERS | MAIL_F_CHARSET_GUESSED);
	w_str(b, c, W_MESSAGE_ID, "abc@example.com");
	buf_put_u64be(b, (uint64_t)INT64_C(-86400), &err);
	w_str(b, c, W_DATE_RAW, "Wed, 31 Dec 1969 00:00:00 +0000");
	w_str(b, c, W_SUBJECT, "报告 \"quoted\" \\ ✓");
	w_num(b, c, W_FROM_COUNT, 1);
	w_str(b, c, W_FROM_ADDR, "zhang@example.com");
	w_str(b, c, W_FROM_NAME, "张三");
	w_num(b, c, W_TO_COUNT, 2);
	w_text(b, "a@b.c");
	w_text(b, NULL);
	w_text(b, "b@b.c");
	w_text(b, "B");
	w_u32(b, 0); /* cc */
	w_u32(b, 0); /* bcc */
	w_u32(b, 1); /* reply_to */
	w_text(b, "r@b.c");
	w_text(b, NULL);
	w_num(b, c, W_ATT_COUNT, 2);
	w_str(b, c, W_FILENAME, "报告.pdf");
	w_str(b, c, W_CONTENT_TYPE, "application/pdf");
	buf_put_u64be(b, c->spot == W_SIZE ? c->num : 123456789012ULL, &err);
	w_str(b, c, W_TEXT, "第一页\n\tpage \"two\"");
	w_str(b, c, W_EXTRACT, "ok");
	w_u32(b, 0); /* no member list */
	w_text(b, NULL);
	w_text(b, "image/png");
	buf_put_u64be(b, 0, &err);
	w_text(b, NULL);
	w_text(b, "none");
	w_num(b, c, W_MEMBER_COUNT, 2);
	w_str(b, c, W_MEMBER, "a/b.txt");
	w_text(b, "报告.docx");
	w_u32(b, 4); /* n_parts */
	w_u32(b, 1); /* depth */
	w_str(b, c, W_ERROR, "something");
	w_str(b, c, W_BODY, "line one\n\nline 二\tthree");
	w_str(b, c, W_CHARSET, "gb18030");
	if (c->spot == W_TRAILER)
		buf_put_u8(b, 0, &err);
}

static void test_wire_layout(void **state)
{
	(void)state;
	static const struct wire_case none = {"none", W_NONE, NULL, 0, 0, NULL};
	struct buf want, got;
	struct error err = ERROR_INIT;
	struct mail_doc d, back;
	buf_init(&want, BUF_UNLIMITED);
	buf_init(&got, MAIL_DOC_MAX_WIRE);
	wire_build(&want, &none);
	fill_doc(&d);
	mail_doc_init(&back);
	assert_int_equal(mail_doc_encode(&d, &got, &err), 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	if (mail_doc_decode(want.data, want.len, &back, &err) < 0)
		fail_msg("decode: %s", err.msg);
	assert_true(doc_eq(&d, &back));
	mail_doc_release(&back);

	/* an empty doc: 69 bytes, absent strings and empty lists */
	static const char empty[] = "\x03"
				    "\0\0\0\0"			       /* flags */
				    "\xff\xff\xff\xff"		       /* message_id */
				    "\0\0\0\0\0\0\0\0"		       /* date */
				    "\xff\xff\xff\xff\xff\xff\xff\xff" /* date_raw, subject */
				    "\0\0\0\0\0\0\0\0\0\0"	       /* from, to, */
				    "\0\0\0\0\0\0\0\0\0\0"	       /* cc, bcc, reply_to */
				    "\0\0\0\0"			       /* attachments */
				    "\0\0\0\x01"		       /* n_parts */
				    "\0\0\0\0"			       /* depth */
				    "\xff\xff\xff\xff\xff\xff\xff\xff" /* error, body, */
				    "\xff\xff\xff\xff";		       /* header_charset */
	mail_doc_release(&d);
	mail_doc_init(&d);
	d.n_parts = 1;
	buf_reset(&got);
	assert_int_equal(mail_doc_encode(&d, &got, &err), 0);
	assert_int_equal(got.len, sizeof(empty) - 1);
	assert_int_equal(got.len, 69);
	assert_memory_equal(got.data, empty, got.len);
	buf_release(&want);
	buf_release(&got);
}

/* Every prefix of a valid encoding, and the whole with a byte more, is
 * refused, and leaves nothing behind in the doc. */
static void test_wire_truncated(void **state)
{
	(void)state;
	struct mail_doc a, d;
	struct buf b;
	struct error err = ERROR_INIT;
	fill_doc(&a);
	add_many_atts(&a, 3);
	mail_doc_init(&d);
	buf_init(&b, MAIL_DOC_MAX_WIRE);
	assert_int_equal(mail_doc_encode(&a, &b, &err), 0);
	mail_doc_release(&a);
	for (size_t n = 0; n < b.len; n++) {
		error_clear(&err);
		if (mail_doc_decode(b.data, n, &d, &err) == 0)
			fail_msg("a prefix of %zu of %zu bytes accepted", n, b.len);
		assert_int_equal(err.code, ERR_INVALID);
		assert_null(d.subject);
		assert_null(d.att);
		assert_int_equal(d.from.n, 0);
	}
	buf_append_byte(&b, 0, &err);
	assert_int_equal(mail_doc_decode(b.data, b.len, &d, &err), -1);
	assert_non_null(strstr(err.msg, "1 bytes after the document"));
	assert_int_equal(mail_doc_decode(b.data, b.len - 1, &d, &err), 0);
	mail_doc_release(&d);
	buf_release(&b);
}

#define LONG17 "limitslimitslimit"
#define LONG41 "abcdefghijabcdefghijabcdefghijabcdefghijk"

static void test_wire_reject(void **state)
{
	(void)state;
	static const struct wire_case cases[] = {
	    {"version 2", W_VERSION, NULL, 0, 2, "version 2, not 3"},
	    {"version 4", W_VERSION, NULL, 0, 4, "version"},
	    {"unknown flag bit", W_FLAGS, NULL, 0, 1u << 9, "flags: unknown bits"},
	    {"all flag bits", W_FLAGS, NULL, 0, 0xffffffffu, "flags: unknown bits"},
	    {"trailing byte", W_TRAILER, NULL, 0, 0, "1 bytes after the document"},
	    {"message_id empty", W_MESSAGE_ID, "", 0, 0, "message_id: empty"},
	    {"date_raw with NUL", W_DATE_RAW, "a\0b", 3, 0, "date_raw: holds NUL"},
	    {"subject with NUL", W_SUBJECT, "a\0", 2, 0, "subject: holds NUL"},
	    {"subject invalid UTF-8", W_SUBJECT, "\xff\xfe", 0, 0, "subject: not valid UTF-8"},
	    {"subject overlong", W_SUBJECT, "\xc0\xaf", 0, 0, "not valid UTF-8"},
	    {"subject lone surrogate", W_SUBJECT, "\xed\xa0\x80", 0, 0, "not valid UTF-8"},
	    {"subject cut sequence", W_SUBJECT, "a\xe4\xb8", 0, 0, "not valid UTF-8"},
	    {"subject above U+10FFFF", W_SUBJECT, "\xf4\x90\x80\x80", 0, 0, "not valid UTF-8"},
	    {"from count huge", W_FROM_COUNT, NULL, 0, 0xffffffffu, "from: 4294967295 entries"},
	    {"from count past the bound", W_FROM_COUNT, NULL, 0, 100001, "more than 100000"},
	    {"to count past the bytes", W_TO_COUNT, NULL, 0, 100000, "cannot fit"},
	    {"from addr missing", W_FROM_ADDR, NULL, 0, 0, "from[0].addr: missing"},
	    {"from addr empty", W_FROM_ADDR, "", 0, 0, "from[0].addr: empty"},
	    {"from name invalid UTF-8", W_FROM_NAME, "\x80", 0, 0, "from[0].name: not valid"},
	    {"attachments count huge", W_ATT_COUNT, NULL, 0, 0xffffffffu, "more than 100000"},
	    {"attachments count past the bytes", W_ATT_COUNT, NULL, 0, 99999, "cannot fit"},
	    {"filename empty", W_FILENAME, "", 0, 0, "attachments[0].filename: empty"},
	    {"content type missing", W_CONTENT_TYPE, NULL, 0, 0, "content_type: missing"},
	    {"content type in capitals", W_CONTENT_TYPE, "Text/Plain", 0, 0, "lower-case"},
	    {"content type without slash", W_CONTENT_TYPE, "text", 0, 0, "lower-case"},
	    {"content type with two slashes", W_CONTENT_TYPE, "a/b/c", 0, 0, "lower-case"},
	    {"content type with a space", W_CONTENT_TYPE, "a/b c", 0, 0, "lower-case"},
	    {"content type with a parameter", W_CONTENT_TYPE, "a/b;c=d", 0, 0, "lower-case"},
	    {"content type starts with a slash", W_CONTENT_TYPE, "/ab", 0, 0, "lower-case"},
	    {"size past INT64_MAX", W_SIZE, NULL, 0, UINT64_C(1) << 63,
	     "size: 9223372036854775808 out of range"},
	    {"text with a control character", W_TEXT, "a\x1b[31m", 0, 0,
	     "text: holds a control character"},
	    {"text with NUL", W_TEXT, "a\0", 2, 0, "text: holds NUL"},
	    {"text empty", W_TEXT, "", 0, 0, "text: empty"},
	    {"unknown outcome", W_EXTRACT, "great", 0, 0, "extract: unknown outcome"},
	    {"outcome too long", W_EXTRACT, LONG17, 0, 0, "longer than 16"},
	    {"outcome empty", W_EXTRACT, "", 0, 0, "extract: empty"},
	    {"member count huge", W_MEMBER_COUNT, NULL, 0, 0xffffffffu, "more than 10000"},
	    {"member count past the bound", W_MEMBER_COUNT, NULL, 0, 10001, "more than 10000"},
	    {"member count past the bytes", W_MEMBER_COUNT, NULL, 0, 10000, "cannot fit"},
	    {"member missing", W_MEMBER, NULL, 0, 0, "members: missing"},
	    {"member empty", W_MEMBER, "", 0, 0, "members: empty"},
	    {"error invalid UTF-8", W_ERROR, "\xc3", 0, 0, "error: not valid UTF-8"},
	    {"body with a control character", W_BODY, "a\001b", 0, 0, "body: holds a control"},
	    {"body with CR", W_BODY, "a\rb", 0, 0, "body: holds a control character"},
	    {"body with DEL", W_BODY, "a\x7f", 0, 0, "body: holds a control character"},
	    {"body empty", W_BODY, "", 0, 0, "body: empty"},
	    {"charset not a name", W_CHARSET, "gb 2312", 0, 0, "not a charset name"},
	    {"charset with a slash", W_CHARSET, "utf-8/x", 0, 0, "not a charset name"},
	    {"charset too long", W_CHARSET, LONG41, 0, 0, "header_charset: longer than 40"},
	    {"charset empty", W_CHARSET, "", 0, 0, "header_charset: empty"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct wire_case *c = &cases[i];
		struct buf b;
		struct mail_doc doc;
		struct error err = ERROR_INIT;
		buf_init(&b, BUF_UNLIMITED);
		wire_build(&b, c);
		mail_doc_init(&doc);
		int rc = mail_doc_decode(b.data, b.len, &doc, &err);
		buf_release(&b);
		if (rc == 0)
			fail_msg("%s: accepted", c->name);
		assert_int_equal(err.code, ERR_INVALID);
		if (strstr(err.msg, c->why) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, err.msg, c->why);
		/* nothing half-filled is left behind */
		assert_null(doc.subject);
		assert_int_equal(doc.from.n, 0);
		assert_int_equal(doc.n_att, 0);
		assert_null(doc.att);
	}
}

/* Bounds that need big inputs: long strings, a huge declared length, the
 * answer size. */
static void test_wire_reject_big(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum wspot spot;
		size_t len;
		int ok;
		const char *why;
	} cases[] = {
	    {"subject of 64 KiB", W_SUBJECT, MAIL_DOC_MAX_STRING, 1, NULL},
	    {"subject past 64 KiB", W_SUBJECT, MAIL_DOC_MAX_STRING + 1, 0, "longer than 65536"},
	    {"member past 64 KiB", W_MEMBER, MAIL_DOC_MAX_STRING + 1, 0, "longer than 65536"},
	    {"content type of 255", W_CONTENT_TYPE, MAIL_DOC_MAX_CONTENT_TYPE, 1, NULL},
	    {"content type past 255", W_CONTENT_TYPE, MAIL_DOC_MAX_CONTENT_TYPE + 1, 0,
	     "longer than 255"},
	    {"body of 32 MiB", W_BODY, MAIL_DOC_MAX_TEXT, 1, NULL},
	    {"body past 32 MiB", W_BODY, MAIL_DOC_MAX_TEXT + 1, 0, "longer than 33554432"},
	    {"text past 32 MiB", W_TEXT, MAIL_DOC_MAX_TEXT + 1, 0, "longer than 33554432"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = malloc(cases[i].len + 1);
		memset(s, 'a', cases[i].len);
		if (cases[i].spot == W_CONTENT_TYPE)
			s[1] = '/';
		struct wire_case c = {cases[i].name, cases[i].spot, s, cases[i].len, 0, NULL};
		struct buf b;
		struct mail_doc doc;
		struct error err = ERROR_INIT;
		buf_init(&b, BUF_UNLIMITED);
		wire_build(&b, &c);
		free(s);
		mail_doc_init(&doc);
		int rc = mail_doc_decode(b.data, b.len, &doc, &err);
		buf_release(&b);
		mail_doc_release(&doc);
		if (cases[i].ok ? rc != 0 : rc == 0)
			fail_msg("%s: %s", cases[i].name, rc == 0 ? "accepted" : err.msg);
		if (!cases[i].ok && strstr(err.msg, cases[i].why) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].name, err.msg, cases[i].why);
	}

	/* a declared length of 4 GiB - 2 is refused before anything is read */
	struct buf b;
	struct mail_doc doc;
	struct error err = ERROR_INIT;
	static const unsigned char head[] = {3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, 'x'};
	mail_doc_init(&doc);
	assert_int_equal(mail_doc_decode(head, sizeof(head), &doc, &err), -1);
	assert_non_null(strstr(err.msg, "message_id: longer than"));

	/* past the answer size */
	buf_init(&b, BUF_UNLIMITED);
	assert_int_equal(buf_reserve(&b, (size_t)MAIL_DOC_MAX_WIRE + 1, &err), 0);
	memset(b.data, 0, (size_t)MAIL_DOC_MAX_WIRE + 1);
	b.data[0] = 3;
	assert_int_equal(mail_doc_decode(b.data, (size_t)MAIL_DOC_MAX_WIRE + 1, &doc, &err), -1);
	assert_non_null(strstr(err.msg, "is larger than"));
	buf_release(&b);
}

/* The JSON form (custos parse): what a person or a tool reads. */
static void test_json_form(void **state)
{
	(void)state;
	struct mail_doc d;
	struct buf out;
	struct error err = ERROR_INIT;
	mail_doc_init(&d);
	d.flags = MAIL_F_LIMITS;
	d.subject = strdup("报告 \"q\"");
	d.n_parts = 1;
	d.body = strdup("a\n\tb");
	add_addr(&d.from, NULL, "a@b.c");
	buf_init(&out, MAIL_DOC_MAX_JSON);
	assert_int_equal(mail_doc_to_json(&d, &out, &err), 0);
	assert_string_equal((const char *)out.data,
			    "{\"v\":2,\"flags\":2,\"date\":0,\"subject\":\"报告 \\\"q\\\"\","
			    "\"from\":[{\"addr\":\"a@b.c\"}],\"to\":[],\"cc\":[],\"bcc\":[],"
			    "\"reply_to\":[],\"attachments\":[],\"n_parts\":1,\"depth\":0,"
			    "\"body\":\"a\\n\\tb\"}");
	/* a string that is not UTF-8 cannot be written */
	free(d.subject);
	d.subject = strdup("\xff");
	buf_reset(&out);
	assert_int_equal(mail_doc_to_json(&d, &out, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	buf_release(&out);
	mail_doc_release(&d);
}

/* --- addresses ---------------------------------------------------------- */

static void test_addr_normalize(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"Zhang.San@Example.COM", "zhang.san@example.com"},
	    {"  <a@b.c>\t", "a@b.c"},
	    {"用户@例子.中国", "用户@例子.中国"},
	    {"a@[192.0.2.1]", "a@[192.0.2.1]"},
	    {"\"a@b\"@c.d", "\"a@b\"@c.d"},
	    {"", NULL},
	    {"nobody", NULL},
	    {"@b.c", NULL},
	    {"a@", NULL},
	    {"a b@c.d", NULL},
	    {"a@b..c", NULL},
	    {"a@.b", NULL},
	    {"a@b.", NULL},
	    {"a@b,c@d", NULL},
	    {"a@\xff.com", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = mail_addr_normalize(cases[i].in);
		if (!str_eq(r, cases[i].out))
			fail_msg("\"%s\": \"%s\", want \"%s\"", cases[i].in, r ? r : "(null)",
				 cases[i].out ? cases[i].out : "(null)");
		free(r);
	}
	char long_addr[400];
	memset(long_addr, 'a', sizeof(long_addr));
	memcpy(long_addr + 340, "@b.c", 5);
	assert_null(mail_addr_normalize(long_addr));
	assert_null(mail_addr_normalize(NULL));
}

/* --- small helpers ------------------------------------------------------ */

/* mail_append_cut fills a buffer to its last byte without splitting a
 * character. */
static void test_append_cut(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 5);
	assert_int_equal(mail_append_cut(&b, "ab", 2), 0);
	assert_int_equal(mail_append_cut(&b, "\xe4\xb8\xad", 3), 0); /* exactly full */
	assert_int_equal(mail_append_cut(&b, "x", 1), 1);
	assert_int_equal(mail_append_cut(&b, "", 0), 0);
	assert_string_equal(buf_cstr(&b), "ab\xe4\xb8\xad");
	buf_reset(&b);
	assert_int_equal(mail_append_cut(&b, "abcd\xe4\xb8\xad", 7), 1);
	assert_string_equal(buf_cstr(&b), "abcd");
	buf_reset(&b);
	static const char emoji[] = "a\xf0\x9f\x98\x80"
				    "b";
	assert_int_equal(mail_append_cut(&b, emoji, 6), 1);
	assert_string_equal(buf_cstr(&b), "a\xf0\x9f\x98\x80");
	buf_release(&b);
}

/* The worker's options name every field of struct mail_limits once, and
 * read and write each at its own width. */
static void test_limit_opts(void **state)
{
	(void)state;
	struct mail_limits lim;
	memset(&lim, 0, sizeof(lim));
	for (size_t i = 0; i < MAIL_N_LIMIT_OPTS; i++) {
		uint64_t all = mail_limit_opts[i].is32 ? UINT32_MAX : UINT64_MAX;
		assert_int_equal(mail_limit_get(&lim, i), 0); /* no two share a field */
		mail_limit_set(&lim, i, all);
		assert_int_equal(mail_limit_get(&lim, i), all);
	}
	const uint64_t m32 = UINT32_MAX, m64 = UINT64_MAX;
	const uint64_t fields[] = {
	    lim.max_message_size,  lim.max_depth,	lim.max_parts,
	    lim.max_header_bytes,  lim.timeout_s,	lim.memory,
	    lim.recycle_after,	   lim.max_text_size,	lim.max_attachment_text,
	    lim.max_extract_input, lim.zip_max_members, lim.zip_max_ratio,
	    lim.zip_max_size,	   lim.extract_time_s};
	const uint64_t want[] = {m64, m32, m32, m64, m32, m64, m32,
				 m64, m64, m64, m32, m32, m64, m32};
	assert_int_equal(sizeof(fields) / sizeof(fields[0]), MAIL_N_LIMIT_OPTS);
	for (size_t i = 0; i < MAIL_N_LIMIT_OPTS; i++)
		if (fields[i] != want[i])
			fail_msg("field %zu of struct mail_limits has no worker option", i);
}

/* --- the worker -------------------------------------------------------- */

/* The custos-worker executable; the calling test is skipped without it. */
static const char *worker_exe(void)
{
	const char *e = getenv("CUSTOS_WORKER");
	if (e == NULL || *e == '\0' || access(e, X_OK) != 0)
		skip();
	return e;
}

static struct mail_worker *start_worker(const char *exe, const struct mail_limits *lim)
{
	struct mail_worker *w = NULL;
	struct error err = ERROR_INIT;
	if (mail_worker_start(&w, exe, lim, &err) < 0)
		fail_msg("mail_worker_start %s: %s", exe, err.msg);
	return w;
}

/* The doc of a message the worker could not parse: flagged, with why in
 * its error. */
static void expect_parse_failed(const char *name, const struct mail_doc *doc, const char *why)
{
	if (!(doc->flags & MAIL_F_PARSE_FAILED) || doc->error == NULL ||
	    strstr(doc->error, why) == NULL)
		fail_msg("%s: flags 0x%x error \"%s\"", name, doc->flags,
			 doc->error ? doc->error : "(null)");
}

static const char simple_msg[] = "From: a@example.com\nSubject: =?big5?B?wWPF6aSkpOU=?=\n"
				 "Message-ID: <w@x>\nDate: Tue, 1 Feb 2022 10:00:00 +0800\n\nhi\n";

static void worker_parse_ok(struct mail_worker *w, const char *msg)
{
	struct mail_doc doc;
	struct error err = ERROR_INIT;
	mail_doc_init(&doc);
	if (mail_worker_parse(w, (const unsigned char *)msg, strlen(msg), &doc, &err) < 0)
		fail_msg("mail_worker_parse: %s", err.msg);
	if (doc.flags & MAIL_F_PARSE_FAILED)
		fail_msg("parse failed: %s", doc.error);
	assert_string_equal(doc.subject, "繁體中文");
	mail_doc_release(&doc);
}

/* The worker holds stdin, stdout and stderr only, and no environment but
 * sanitizer settings. */
static void check_worker_process(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd > 2)
			fail_msg("worker has descriptor %d open", fd);
	}
	closedir(d);
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char env[65536];
	size_t n = fread(env, 1, sizeof(env) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i += strlen(env + i) + 1) {
		env[n] = '\0';
		if (strncmp(env + i, "ASAN_OPTIONS=", 13) != 0 &&
		    strncmp(env + i, "UBSAN_OPTIONS=", 14) != 0 &&
		    strncmp(env + i, "LSAN_OPTIONS=", 13) != 0)
			fail_msg("worker environment holds %s", env + i);
	}
}

static void test_worker_real(void **state)
{
	(void)state;
	const char *exe = worker_exe();
	struct mail_limits lim = limits();
	lim.recycle_after = 2;
	struct mail_worker *w;
	struct error err = ERROR_INIT;
	int leak = open("/dev/null", O_RDONLY); /* without O_CLOEXEC */
	setenv("CUSTOS_TEST_SECRET", "hunter2", 1);
	w = start_worker(exe, &lim);
	close(leak);
	unsetenv("CUSTOS_TEST_SECRET");
	int pids[5];
	for (int i = 0; i < 5; i++) {
		worker_parse_ok(w, simple_msg);
		pids[i] = mail_worker_pid(w);
		if (i == 0)
			check_worker_process(pids[0]);
	}
	/* recycled after every second message (and restarted on demand) */
	assert_true(pids[0] > 0);
	assert_int_equal(pids[1], 0);
	assert_true(pids[2] > 0);
	assert_int_not_equal(pids[2], pids[0]);
	assert_int_equal(pids[3], 0);
	assert_true(pids[4] > 0);

	/* a message past max_message_size only sends its header section */
	mail_worker_stop(w);
	lim = limits();
	lim.max_message_size = 4096;
	w = start_worker(exe, &lim);
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b,
		       "Subject: large\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
		       "Content-Disposition: attachment; filename=a\n\n",
		       &err);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, "0123456789\n", &err);
	buf_append_str(&b, "--x--\n", &err);
	struct mail_doc doc;
	mail_doc_init(&doc);
	assert_int_equal(mail_worker_parse(w, b.data, b.len, &doc, &err), 0);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_string_equal(doc.subject, "large");
	assert_int_equal(doc.n_att, 0);
	assert_non_null(strstr(doc.error, "larger than 4096"));
	mail_doc_release(&doc);
	buf_release(&b);
	mail_worker_stop(w);

	/* no worker at all */
	assert_int_equal(mail_worker_start(&w, "/nonexistent/custos", &lim, &err), -1);
	assert_non_null(strstr(err.msg, "cannot run"));
}

/* A fake worker: a shell script that misbehaves on its first run (a
 * counter file says which run it is), then execs the real worker (see
 * write_fake). Fakes that answer wait for the request first: a worker that
 * speaks before it is asked is replaced before the request is sent. */
struct fake {
	const char *name;
	const char *once; /* shell commands of the bad first run */
	uint32_t timeout_s;
	const char *why; /* substring of doc->error */
	int big;	 /* send a message larger than a pipe holds */
	int retry_ok;	 /* the second run is the real worker (else it exits 5,
			  * so the retry without extraction fails too) */
};

/* The fake's script: run 0 does `once`, run 1 exits 5 (the retry without
 * extraction fails too) unless retry_ok, later runs are the real worker. */
static void write_fake(const char *script, const char *counter, const char *exe, size_t skip,
		       const char *once, int retry_ok)
{
	FILE *fp = fopen(script, "w");
	assert_non_null(fp);
	fprintf(fp,
		"#!/bin/sh\nn=$(cat '%s' 2>/dev/null || echo 0); echo $((n+1)) > '%s'\n"
		"if [ \"$n\" -ge %d ]; then exec '%s' \"$@\"; fi\n"
		"if [ \"$n\" -eq 1 ]; then exit 5; fi\n"
		"head -c %zu >/dev/null\n%s\n",
		counter, counter, retry_ok ? 1 : 2, exe, skip, once);
	fclose(fp);
	chmod(script, 0700);
}

/* Where the fakes of a test live: a temporary directory, and the script
 * and run counter of the current fake. */
struct fake_files {
	char dir[32];
	char script[512];
	char counter[512];
};

static void fake_files_init(struct fake_files *ff)
{
	snprintf(ff->dir, sizeof(ff->dir), "/tmp/custos-fake-XXXXXX");
	assert_non_null(mkdtemp(ff->dir));
}

/* Fake number i (see write_fake). */
static void fake_files_write(struct fake_files *ff, size_t i, const char *exe, size_t skip,
			     const char *once, int retry_ok)
{
	snprintf(ff->script, sizeof(ff->script), "%s/worker%zu.sh", ff->dir, i);
	snprintf(ff->counter, sizeof(ff->counter), "%s/ran%zu", ff->dir, i);
	write_fake(ff->script, ff->counter, exe, skip, once, retry_ok);
}

/* Removes the current fake's files; with last, the directory too. */
static void fake_files_clean(struct fake_files *ff, int last)
{
	unlink(ff->script);
	unlink(ff->counter);
	if (last)
		rmdir(ff->dir);
}

/* A valid answer of 69 bytes (an empty doc with these flags), as octal
 * escapes for the shell's printf. */
#define Z4 "\\000\\000\\000\\000"
#define A4 "\\377\\377\\377\\377"
#define WIRE_EMPTY(flags)                                                                          \
	"\\003" flags A4 Z4 Z4 A4 A4 Z4 Z4 Z4 Z4 Z4 Z4 "\\000\\000\\000\\001" Z4 A4 A4 A4

static void test_worker_fakes(void **state)
{
	(void)state;
	const char *exe = worker_exe();
	static const struct fake fakes[] = {
	    {"dies", "kill -SEGV $$", 30, "killed by signal 11", 0, 0},
	    {"dies while the request is written (EPIPE, SIGPIPE)", "exit 0", 30,
	     "exited with status 0", 1, 0},
	    {"exits", "exit 3", 30, "exited with status 3", 0, 0},
	    {"hangs", "exec sleep 30", 1, "timed out after 1 s", 0, 0},
	    {"answers garbage", "printf '\\000\\000\\000\\005hello'; exec sleep 30", 30,
	     "answered garbage: bad document: version 104, not 3", 0, 0},
	    {"answers a bad document",
	     "printf '\\000\\000\\000\\105" WIRE_EMPTY("\\000\\000\\004\\000") "'; exec sleep 30",
	     30, "answered garbage: bad document: flags: unknown bits", 0, 0},
	    {"claims a huge answer", "printf '\\377\\377\\377\\377'; exec sleep 30", 30,
	     "a response length of 4294967295", 0, 0},
	    {"answers and then some",
	     "printf '\\000\\000\\000\\111" WIRE_EMPTY(Z4) "MORE'; exec sleep 30", 30, NULL, 0, 1},
	};
	size_t n_fakes = sizeof(fakes) / sizeof(fakes[0]);
	struct fake_files ff;
	fake_files_init(&ff);
	for (size_t i = 0; i < n_fakes; i++) {
		const struct fake *f = &fakes[i];
		fake_files_write(&ff, i, exe, 1, f->once, f->retry_ok);

		struct mail_limits lim = limits();
		lim.timeout_s = f->timeout_s;
		struct mail_worker *w = start_worker(ff.script, &lim);
		struct error err = ERROR_INIT;
		struct mail_doc doc;
		mail_doc_init(&doc);
		double t0 = now_s();
		size_t n = strlen(simple_msg);
		char *msg = strdup(simple_msg);
		if (f->big) {
			n = 4u << 20;
			msg = realloc(msg, n);
			memset(msg + strlen(simple_msg), 'x', n - strlen(simple_msg));
		}
		assert_int_equal(mail_worker_parse(w, (const unsigned char *)msg, n, &doc, &err),
				 0);
		free(msg);
		if (f->why != NULL) {
			expect_parse_failed(f->name, &doc, f->why);
			assert_int_equal(mail_worker_pid(w), 0); /* killed and reaped */
		}
		assert_true(now_s() - t0 < f->timeout_s + 5);
		/* the next message gets a fresh, working worker */
		worker_parse_ok(w, simple_msg);
		worker_parse_ok(w, simple_msg);
		mail_doc_release(&doc);
		mail_worker_stop(w);
		fake_files_clean(&ff, i + 1 == n_fakes);
	}
}

/* --- the worker, asynchronously (submit / collect) --------------------- */

static void submit_ok(struct mail_worker *w, const void *p, size_t n)
{
	struct error err = ERROR_INIT;
	if (mail_worker_submit(w, p, n, &err) < 0)
		fail_msg("mail_worker_submit: %s", err.msg);
}

static void collect_ok(struct mail_worker *w, struct mail_doc *doc)
{
	struct error err = ERROR_INIT;
	if (mail_worker_collect(w, doc, &err) < 0)
		fail_msg("mail_worker_collect: %s", err.msg);
	if (doc->flags & MAIL_F_PARSE_FAILED)
		fail_msg("parse failed: %s", doc->error);
}

/* A message whose document is far larger than a pipe holds: n_att
 * attachments with long file names. */
static void big_answer_msg(struct buf *b, int n_att)
{
	struct error err = ERROR_INIT;
	buf_append_str(b, "Subject: many\nContent-Type: multipart/mixed; boundary=b\n\n", &err);
	for (int i = 0; i < n_att; i++)
		buf_printf(b, &err,
			   "--b\nContent-Disposition: attachment; filename=\"%04d-%0200d.txt\"\n\n"
			   "x\n",
			   i, 0);
	buf_append_str(b, "--b--\n", &err);
}

static void test_worker_async(void **state)
{
	(void)state;
	const char *exe = worker_exe();
	struct mail_limits lim = limits();
	lim.recycle_after = 2;
	struct mail_worker *w;
	struct error err = ERROR_INIT;
	struct mail_doc doc;
	mail_doc_init(&doc);
	w = start_worker(exe, &lim);

	/* one request in flight at most; collect needs one */
	assert_int_equal(mail_worker_collect(w, &doc, &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	char *copy = strdup(simple_msg);
	submit_ok(w, copy, strlen(copy));
	memset(copy, 'X', strlen(copy)); /* submit borrowed it for the call only */
	free(copy);
	error_clear(&err);
	assert_int_equal(
	    mail_worker_submit(w, (const unsigned char *)simple_msg, strlen(simple_msg), &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	collect_ok(w, &doc);
	assert_string_equal(doc.subject, "繁體中文");
	assert_int_equal(mail_worker_collect(w, &doc, &err), -1);

	/* a pipelined run across recycling: the same answers as parse */
	for (int i = 0; i < 6; i++) {
		submit_ok(w, simple_msg, strlen(simple_msg));
		collect_ok(w, &doc);
		assert_string_equal(doc.message_id, "w@x");
	}

	/* a request larger than a pipe holds is written while the worker
	 * reads it; its answer is collected later */
	size_t big_n = 4u << 20;
	char *big = malloc(big_n);
	assert_non_null(big);
	memcpy(big, simple_msg, strlen(simple_msg));
	memset(big + strlen(simple_msg), 'x', big_n - strlen(simple_msg));
	submit_ok(w, big, big_n);
	free(big);
	collect_ok(w, &doc);
	assert_string_equal(doc.subject, "繁體中文");
	mail_worker_stop(w);

	/* collected after the timeout has passed: the answer was ready in
	 * time, so it counts, even one larger than the pipe buffer */
	lim = limits();
	lim.timeout_s = 1;
	w = start_worker(exe, &lim);
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	big_answer_msg(&b, 1000);
	for (int late = 0; late < 2; late++) {
		submit_ok(w, b.data, b.len);
		if (late)
			usleep(1500 * 1000);
		double t0 = now_s();
		collect_ok(w, &doc);
		assert_true(now_s() - t0 < 1.0);
		assert_int_equal(doc.n_att, 1000);
		assert_int_equal(strlen(doc.att[999].filename), 209);
	}
	buf_release(&b);
	mail_worker_stop(w);

	/* a message past max_message_size: the cut is judged at submit (the
	 * bytes are gone by collect) */
	lim = limits();
	lim.max_message_size = 4096;
	w = start_worker(exe, &lim);
	buf_init(&b, BUF_UNLIMITED);
	buf_append_str(&b, "Subject: large\n\n", &err);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, "0123456789\n", &err);
	b.data[b.len - 5] = '\0';
	submit_ok(w, b.data, b.len);
	size_t n = b.len;
	buf_release(&b);
	collect_ok(w, &doc);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_true(doc.flags & MAIL_F_NUL_BYTES);
	char want[64];
	snprintf(want, sizeof(want), "message of %zu bytes", n);
	assert_non_null(strstr(doc.error, want));
	mail_doc_release(&doc);

	/* stopping with a request in flight abandons it at once */
	submit_ok(w, simple_msg, strlen(simple_msg));
	mail_worker_stop(w);
}

static int abandoned;

static void count_abandoned(void *tag)
{
	(void)tag;
	abandoned++;
}

/* Collects the pool's oldest message, which must be m<next>@pool with tag
 * &tags[next] and its own bytes; next moves on. */
static void pool_collect_next(struct mail_pool *p, struct mail_doc *doc, int *tags, int *next)
{
	struct error err = ERROR_INIT;
	struct mail_pool_item it;
	char want[64];
	if (mail_pool_collect(p, doc, &it, &err) < 0)
		fail_msg("mail_pool_collect: %s", err.msg);
	assert_ptr_equal(it.tag, &tags[*next]);
	snprintf(want, sizeof(want), "m%d@pool", *next);
	assert_string_equal(doc->message_id, want);
	/* the bytes are those of that message */
	assert_non_null(memmem(it.data, it.len, want, strlen(want)));
	(*next)++;
}

static void pool_submit_simple(struct mail_pool *p, void *tag)
{
	struct error err = ERROR_INIT;
	if (mail_pool_submit(p, (const unsigned char *)simple_msg, strlen(simple_msg), tag, &err) <
	    0)
		fail_msg("mail_pool_submit: %s", err.msg);
}

/* The pool: answers in submission order whatever worker is faster, the
 * bytes and tag of each message handed back with its doc, and the misuse
 * that must fail. */
static void test_pool(void **state)
{
	(void)state;
	const char *exe = worker_exe();
	struct mail_limits lim = limits();
	lim.recycle_after = 3;
	struct mail_pool *p;
	struct error err = ERROR_INIT;
	struct mail_doc doc;
	struct mail_pool_item it;
	mail_doc_init(&doc);
	assert_int_equal(mail_pool_workers(3), 3);
	assert_true(mail_pool_workers(0) >= 1 && mail_pool_workers(0) <= 8);
	assert_int_equal(mail_pool_start(&p, exe, &lim, 3, 1u << 20, &err), 0);
	assert_int_equal(mail_pool_collect(p, &doc, &it, &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	error_clear(&err);

	/* 20 messages; every third one has 2,000 attachments, so a later
	 * message is often parsed before an earlier one */
	enum { N = 20 };
	int tags[N], next = 0;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < N; i++) {
		tags[i] = i;
		if (mail_pool_full(p)) {
			assert_int_equal(mail_pool_in_flight(p), 3);
			assert_int_equal(mail_pool_submit(p, (const unsigned char *)"x", 1, NULL, &err),
					 -1);
			assert_int_equal(err.code, ERR_INTERNAL);
			error_clear(&err);
			pool_collect_next(p, &doc, tags, &next);
		}
		buf_reset(&b);
		if (i % 3 == 0) {
			big_answer_msg(&b, 2000);
			buf_printf(&b, &err, "\n");
		}
		/* big_answer_msg's headers come first; ours are prepended */
		struct buf m;
		buf_init(&m, BUF_UNLIMITED);
		buf_printf(&m, &err, "Message-ID: <m%d@pool>\nSubject: n%d\n", i, i);
		if (b.len == 0)
			buf_printf(&m, &err, "\nbody %d\n", i);
		else
			buf_append(&m, b.data, b.len, &err);
		assert_int_equal(mail_pool_submit(p, m.data, m.len, &tags[i], &err), 0);
		memset(m.data, 'X', m.len); /* the pool keeps its own copy */
		buf_release(&m);
	}
	/* parse is refused while messages are in flight */
	assert_int_equal(mail_pool_parse(p, (const unsigned char *)simple_msg, strlen(simple_msg),
					 &doc, &err),
			 -1);
	error_clear(&err);
	while (mail_pool_in_flight(p) > 0)
		pool_collect_next(p, &doc, tags, &next);
	assert_int_equal(next, N);
	assert_int_equal(mail_pool_parse(p, (const unsigned char *)simple_msg, strlen(simple_msg),
					 &doc, &err),
			 0);
	assert_string_equal(doc.subject, "繁體中文");

	/* a message over max_copy is refused with ERR_LIMIT; the pool goes on */
	buf_reset(&b);
	buf_append_str(&b, simple_msg, &err);
	while (b.len <= (1u << 20))
		buf_append_str(&b, "padding padding padding padding\n", &err);
	assert_int_equal(mail_pool_submit(p, b.data, b.len, NULL, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	error_clear(&err);
	assert_int_equal(mail_pool_in_flight(p), 0);
	pool_submit_simple(p, NULL);
	/* abandon: every message in flight is collected and its tag freed */
	abandoned = 0;
	pool_submit_simple(p, &tags[1]);
	assert_int_equal(mail_pool_in_flight(p), 2);
	mail_pool_abandon(p, count_abandoned);
	assert_int_equal(abandoned, 2);
	assert_int_equal(mail_pool_in_flight(p), 0);
	/* stopping with messages in flight abandons them */
	pool_submit_simple(p, NULL);
	buf_release(&b);
	mail_doc_release(&doc);
	mail_pool_stop(p);
}

/* Fake workers (see test_worker_fakes) that fail while a request is in
 * flight and the caller is busy elsewhere. */
struct async_fake {
	const char *name;
	const char *once;
	uint32_t timeout_s;
	double busy_s;	    /* the caller's own work between submit and collect */
	const char *why;    /* substring of doc->error */
	double collect_max; /* seconds collect may take */
};

static void test_worker_async_fakes(void **state)
{
	(void)state;
	const char *exe = worker_exe();
	static const struct async_fake fakes[] = {
	    {"crashes while the caller works", "kill -SEGV $$", 30, 0.3, "killed by signal 11",
	     1.0},
	    {"exits while the caller works", "exit 4", 30, 0.3, "exited with status 4", 1.0},
	    /* the timeout runs from submit: a late collect does not wait again */
	    {"hangs past the timeout while the caller works", "exec sleep 30", 1, 1.5,
	     "timed out after 1 s", 0.5},
	    {"hangs: the collect waits out the rest only", "exec sleep 30", 2, 1.0,
	     "timed out after 2 s", 1.7},
	    {"starts an answer and stalls", "printf '\\000\\000\\001\\000\\003'; exec sleep 30", 1,
	     1.5, "timed out after 1 s", 1.7},
	};
	size_t n_fakes = sizeof(fakes) / sizeof(fakes[0]);
	struct fake_files ff;
	fake_files_init(&ff);
	for (size_t i = 0; i < n_fakes; i++) {
		const struct async_fake *f = &fakes[i];
		fake_files_write(&ff, i, exe, strlen(simple_msg) + 8, f->once, 0);

		struct mail_limits lim = limits();
		lim.timeout_s = f->timeout_s;
		struct mail_worker *w = start_worker(ff.script, &lim);
		struct error err = ERROR_INIT;
		struct mail_doc doc;
		mail_doc_init(&doc);
		double t0 = now_s();
		submit_ok(w, simple_msg, strlen(simple_msg));
		usleep((useconds_t)(f->busy_s * 1e6));
		double t1 = now_s();
		assert_int_equal(mail_worker_collect(w, &doc, &err), 0);
		double t2 = now_s();
		expect_parse_failed(f->name, &doc, f->why);
		if (t2 - t1 > f->collect_max)
			fail_msg("%s: collect took %.2f s", f->name, t2 - t1);
		/* from submit: the timeout, or the caller's work plus the grace
		 * for draining an answer that had begun */
		assert_true(t2 - t0 < (f->busy_s > f->timeout_s ? f->busy_s : f->timeout_s) + 1.5);
		assert_int_equal(mail_worker_pid(w), 0); /* killed and reaped */
		mail_doc_release(&doc);
		/* the next message gets a fresh, working worker */
		submit_ok(w, simple_msg, strlen(simple_msg));
		collect_ok(w, &doc);
		mail_doc_release(&doc);
		mail_worker_stop(w);
		fake_files_clean(&ff, i + 1 == n_fakes);
	}
}

/* --- the sandbox -------------------------------------------------------- */

enum probe {
	P_SOCKET,
	P_EXEC,
	P_FORK,
	P_OPEN_WRITE,
	P_OPEN_READ,
	P_KILL_PARENT,
	P_EXEC_MEMORY,
	P_CHARSETS,
	P_ASAN,
	P_UBSAN,
};

static int run_probe(enum probe p)
{
	switch (p) {
	case P_SOCKET:
		return socket(AF_INET, SOCK_STREAM, 0) >= 0;
	case P_EXEC: {
		char *argv[] = {"/bin/true", NULL};
		execv("/bin/true", argv);
		return 1;
	}
	case P_FORK:
		return fork() >= 0;
	case P_OPEN_WRITE:
		return open("/tmp/custos-sandbox-probe", O_WRONLY | O_CREAT | O_TRUNC, 0600) >= 0;
	case P_OPEN_READ:
		/* outside the gconv directory (and the libraries) */
		return open("/etc/passwd", O_RDONLY) >= 0 || open("/tmp", O_RDONLY) >= 0;
	case P_KILL_PARENT:
		return kill(getppid(), 0) == 0;
	case P_EXEC_MEMORY: {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		void *m2 =
		    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return m != MAP_FAILED || m2 != MAP_FAILED;
	}
	case P_CHARSETS: {
		/* Warmed-up charsets and two that load only now (ARMSCII-8,
		 * CP1125), through the whole parser. */
		static const struct {
			const char *word, *want;
		} w[] = {
		    {"=?gb2312?B?6UaI0g==?=", "镕堃"},
		    {"=?big5?B?wWPF6aSkpOU=?=", "繁體中文"},
		    {"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"},
		    {"=?koi8-r?B?8NLJ18XU?=", "Привет"},
		    {"=?shift_jis?B?k/qWe4zq?=", "日本語"},
		    {"=?euc-kr?B?x9Gxub7u?=", "한국어"},
		    {"=?armscii-8?B?tLPxu/U=?=", "Բարեւ"},
		    {"=?cp1125?B?j+Coovfi?=", "Привіт"},
		};
		struct mail_limits lim = limits();
		for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
			char msg[256];
			struct mail_doc doc;
			struct error err = ERROR_INIT;
			snprintf(msg, sizeof(msg), "Subject: %s\n\nx\n", w[i].word);
			mail_doc_init(&doc);
			if (mail_parse((const unsigned char *)msg, strlen(msg), &lim, &doc, &err) <
				0 ||
			    doc.subject == NULL || strcmp(doc.subject, w[i].want) != 0 ||
			    (doc.flags & MAIL_F_BAD_ENCODING)) {
				fprintf(stderr, "charset probe %s: \"%s\"\n", w[i].word,
					doc.subject ? doc.subject : "(null)");
				return 1;
			}
			mail_doc_release(&doc);
		}
		return 0;
	}
	case P_ASAN: {
		volatile char *mem = malloc(8);
		volatile size_t i = 8;
		mem[i] = 1; /* heap-buffer-overflow */
		free((void *)mem);
		return 0;
	}
	case P_UBSAN: {
		volatile int big = INT32_MAX;
		volatile int r = big + 1; /* signed overflow */
		(void)r;
		return 0;
	}
	}
	return 1;
}

struct probe_case {
	const char *name;
	enum probe probe;
	int signal;    /* expected killing signal, or 0 */
	int exit_code; /* expected exit status when not killed */
	const char *stderr_has;
	const char *stderr_has2;
};

static void test_sandbox(void **state)
{
	(void)state;
	static const struct probe_case cases[] = {
		{"socket is a tripwire", P_SOCKET, SIGSYS, 0, NULL, NULL},
		{"execve is a tripwire", P_EXEC, SIGSYS, 0, NULL, NULL},
		{"fork is a tripwire", P_FORK, SIGSYS, 0, NULL, NULL},
		{"no open for writing", P_OPEN_WRITE, 0, 0, NULL, NULL},
		{"no reading outside gconv", P_OPEN_READ, 0, 0, NULL, NULL},
		{"no signals to others", P_KILL_PARENT, 0, 0, NULL, NULL},
		{"no executable anonymous memory", P_EXEC_MEMORY, 0, 0, NULL, NULL},
		{"GMime decodes every charset", P_CHARSETS, 0, 0, NULL, NULL},
#if defined(__SANITIZE_ADDRESS__)
		/* symbolized: the report names the function */
		{"AddressSanitizer reports", P_ASAN, -1, -1, "heap-buffer-overflow", "run_probe"},
		{"UBSan reports", P_UBSAN, 0, 0, "signed integer overflow", "test_mail.c"},
#endif
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct probe_case *c = &cases[i];
		int errp[2];
		assert_int_equal(pipe(errp), 0);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(errp[1], 2);
			close(errp[0]);
			struct mail_limits lim = limits();
			struct error err = ERROR_INIT;
			if (mail_sandbox_enter(&lim, &err) < 0) {
				fprintf(stderr, "sandbox: %s\n", err.msg);
				_exit(99);
			}
			_exit(run_probe(c->probe));
		}
		close(errp[1]);
		char out[16384];
		size_t got = 0;
		ssize_t r;
		while ((r = read(errp[0], out + got, sizeof(out) - 1 - got)) > 0)
			got += (size_t)r;
		out[got] = '\0';
		close(errp[0]);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (c->signal > 0) {
			if (!WIFSIGNALED(status) || WTERMSIG(status) != c->signal)
				fail_msg("%s: status 0x%x, want signal %d; stderr: %s", c->name,
					 status, c->signal, out);
		} else if (c->signal == 0) {
			if (!WIFEXITED(status) || WEXITSTATUS(status) != c->exit_code)
				fail_msg("%s: status 0x%x; stderr: %s", c->name, status, out);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			fail_msg("%s: exited cleanly; stderr: %s", c->name, out);
		}
		if (c->stderr_has != NULL && strstr(out, c->stderr_has) == NULL)
			fail_msg("%s: stderr lacks \"%s\": %s", c->name, c->stderr_has, out);
		if (c->stderr_has2 != NULL && strstr(out, c->stderr_has2) == NULL)
			fail_msg("%s: stderr lacks \"%s\": %s", c->name, c->stderr_has2, out);
	}
}

/* --- text: bodies and charsets (issue 3) ------------------------------- */

struct text_case {
	const char *name;
	const char *msg;
	const char *body;	    /* exact doc->body, NULL for none */
	uint32_t flags;		    /* must be set */
	const char *subject;	    /* exact, or NULL: not checked */
	const char *header_charset; /* exact, or NULL: not checked */
};

#define HDR "From: a@example.com\nMessage-ID: <t@x>\nDate: Tue, 1 Feb 2022 10:00:00 +0800\n"

static const struct text_case text_cases[] = {
    {"gb2312 label holding GBK",
     HDR "Content-Type: text/plain; charset=gb2312\n\n"
	 "\xd6\xd0\xce\xc4\xe9\x46\x88\xd2\n",
     "中文镕堃", 0, NULL, NULL},
    {"big5", HDR "Content-Type: text/plain; charset=big5\n\n\xa4\xa4\xa4\xe5\n", "中文", 0, NULL,
     NULL},
    {"iso-2022-jp", HDR "Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$BF|K\\8l\x1b(B\n",
     "日本語", 0, NULL, NULL},
    /* a bad pair does not reset the ISO-2022 shift state: only it becomes
     * U+FFFD (found by the search oracle) */
    {"iso-2022-jp bad pair keeps the shift state",
     HDR "Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$BF|K\\\x80" "F|\x1b(B end\n",
     "日本\xef\xbf\xbd日 end", MAIL_F_BAD_ENCODING, NULL, NULL},
    {"utf-8 with BOM", HDR "Content-Type: text/plain; charset=utf-8\n\n\xef\xbb\xbfhello\n",
     "hello", 0, NULL, NULL},
    {"format=flowed",
     HDR "Content-Type: text/plain; format=flowed\n\n"
	 "This is \nflowed.\n>quoted\n -- \n--\n",
     "This is flowed.\n>quoted\n-- \n--", 0, NULL, NULL},
    {"format=flowed delsp",
     HDR "Content-Type: text/plain; format=flowed; delsp=yes\n\n"
	 "abc \ndef\n",
     "abcdef", 0, NULL, NULL},
    {"quoted-printable",
     HDR "Content-Type: text/plain; charset=utf-8\n"
	 "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 soft=\nbreak\n",
     "café softbreak", 0, NULL, NULL},
    {"base64", HDR "Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n", "hello world", 0,
     NULL, NULL},
    {"CRLF and controls", HDR "\nline\r\nnext\x01word\tTAB\r\n", "line\nnext word\tTAB", 0, NULL,
     NULL},
    {"html",
     HDR "Content-Type: text/html; charset=utf-8\n\n"
	 "<html><head><title>T</title><style>x{}</style></head><body><p>A &amp; "
	 "B&nbsp;C</p><script>evil()</script><div>one<br>two</div><!-- c -->"
	 "<span>x</span> <b>y</b>\n  z<noscript>ns</noscript></body></html>\n",
     "A & B\xc2\xa0"
     "C\none\ntwo\nx y zns",
     0, NULL, NULL},
    {"html meta charset", HDR "Content-Type: text/html\n\n<meta charset=\"gbk\"><p>\xd6\xd0</p>\n",
     "中", 0, NULL, NULL},
    {"undeclared GBK", HDR "\n\xd6\xd0\xce\xc4\xb2\xe2\xca\xd4\n", "中文测试",
     MAIL_F_CHARSET_GUESSED, NULL, NULL},
    {"undeclared Big5", HDR "\n\xb3\x6f\xac\x4f\xa7\xda\xad\xcc\xaa\xba\n", "這是我們的",
     MAIL_F_CHARSET_GUESSED, NULL, NULL},
    {"unknown charset guessed", HDR "Content-Type: text/plain; charset=x-nonsense\n\nplain\n",
     "plain", 0, NULL, NULL},
    {"alternative: both",
     HDR "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	 "Content-Type: text/plain\n\nplain version\n--b\n"
	 "Content-Type: text/html\n\n<p>html version</p>\n--b--\n",
     "plain version\n\nhtml version", 0, NULL, NULL},
    {"attachments are not body",
     HDR "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	 "Content-Type: text/plain\n\nthe body\n--b\n"
	 "Content-Type: text/plain; name=a.txt\n\nfile text\n--b\n"
	 "Content-Type: text/plain\nContent-Disposition: attachment\n\n"
	 "also file\n--b--\n",
     "the body", 0, NULL, NULL},
    {"inline message",
     HDR "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	 "Content-Type: text/plain\n\nouter\n--b\nContent-Type: message/rfc822\n\n"
	 "Subject: inner\nFrom: X <x@y.z>\n\ninner body\n--b--\n",
     "outer\n\nSubject: inner\nFrom: X <x@y.z>\n\ninner body", 0, NULL, NULL},
    {"raw GBK header", HDR "Subject: \xd6\xd0\xce\xc4\xb2\xe2\xca\xd4\n\nx\n", "x",
     MAIL_F_8BIT_HEADERS, "中文测试", "gb18030"},
    {"raw Big5 header", HDR "Subject: \xb3\x6f\xac\x4f\xa7\xda\xad\xcc\xaa\xba\n\nx\n", "x",
     MAIL_F_8BIT_HEADERS, "這是我們的", "big5"},
    {"raw UTF-8 header", HDR "Subject: \xe4\xb8\xad\n\nx\n", "x", MAIL_F_8BIT_HEADERS, "中",
     "utf-8"},
    {"empty body", HDR "\n\n", NULL, 0, NULL, NULL},
    /* base64 label on 8-bit content: taken as it is (doc/search.md) */
    {"base64 label on raw GBK text",
     HDR "Content-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: base64\n\n"
	 "\xd6\xd0\xce\xc4 ABCD\n\xb2\xe2\xca\xd4\n",
     "中文 ABCD\n测试", MAIL_F_BAD_ENCODING, NULL, NULL},
    {"base64 label on raw UTF-8 text, valid base64 first",
     HDR "Content-Transfer-Encoding: base64\n\naGVsbG8=\n中文\n", "aGVsbG8=\n中文",
     MAIL_F_BAD_ENCODING, NULL, NULL},
    {"base64 with a stray character still decodes",
     HDR "Content-Transfer-Encoding: base64\n\naGVsbG8g*d29ybGQ=\n", "hello world",
     MAIL_F_BAD_ENCODING, NULL, NULL},
    {"base64 part in a multipart, 8-bit",
     HDR "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	 "Content-Type: text/plain; charset=gbk\nContent-Transfer-Encoding: base64\n\n"
	 "\xd6\xd0\xce\xc4\n--b\nContent-Type: text/plain\n"
	 "Content-Transfer-Encoding: base64\n\naGVsbG8=\n--b--\n",
     "中文\n\nhello", MAIL_F_BAD_ENCODING, NULL, NULL},
    /* a multipart without parts: its preamble is text/plain */
    {"multipart whose boundary never appears",
     HDR "Content-Type: multipart/mixed; boundary=\"nowhere\"\n\nlost text\nline 2\n",
     "lost text\nline 2", 0, NULL, NULL},
    {"childless multipart with a charset",
     HDR "Content-Type: multipart/alternative; boundary=x; charset=gb2312\n\n"
	 "\xd6\xd0\xce\xc4\xb2\xe2\xca\xd4\n",
     "中文测试", 0, NULL, NULL},
    {"childless multipart, undeclared charset",
     HDR "Content-Type: multipart/related; boundary=x\n\n\xd6\xd0\xce\xc4\xb2\xe2\xca\xd4\n",
     "中文测试", MAIL_F_CHARSET_GUESSED, NULL, NULL},
    {"childless multipart: only the closing delimiter",
     HDR "Content-Type: multipart/mixed; boundary=x\n\npreamble text\n--x--\nepilogue\n",
     "preamble text", 0, NULL, NULL},
    {"childless multipart with a transfer encoding",
     HDR "Content-Type: multipart/mixed; boundary=x\nContent-Transfer-Encoding: base64\n\n"
	 "aGVsbG8gd29ybGQ=\n",
     "hello world", 0, NULL, NULL},
    {"childless multipart inside a multipart",
     HDR "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
	 "Content-Type: multipart/alternative; boundary=i\n\ninner text\n--o\n"
	 "Content-Type: text/plain\n\nsecond\n--o--\n",
     "inner text\n\nsecond", 0, NULL, NULL},
    /* header sections that are not well formed */
    {"a line that is not a field, then more fields",
     HDR "Subject: s\nnot a field\nX-A: b\n\nthe body\n", "the body", MAIL_F_NOT_MIME, "s", NULL},
    {"no empty line before the body",
     HDR "Subject: s\nHello, the body starts here.\nSecond line: not a field? it is one.\n",
     "Hello, the body starts here.\nSecond line: not a field? it is one.", MAIL_F_NOT_MIME, "s",
     NULL},
    {"no empty line, CRLF",
     "From: a@example.com\r\nSubject: s\r\n\xe4\xb8\xad\xe6\x96\x87\r\nline 2\r\n", "中文\nline 2",
     MAIL_F_NOT_MIME, "s", NULL},
    {"folded fields and no body", HDR "Subject: s\n x\nX-A: b", NULL, 0, "s x", NULL},
    {"fields, then only the empty line", HDR "Subject: s\nX-A: b\n\n", NULL, 0, "s", NULL},
};

static void test_text_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		const struct text_case *t = &text_cases[i];
		struct mail_doc doc;
		parse(t->msg, &doc);
		if (!(t->body == NULL ? doc.body == NULL
				      : doc.body != NULL && strcmp(doc.body, t->body) == 0))
			fail_msg("%s: body \"%s\", want \"%s\"", t->name,
				 doc.body ? doc.body : "(null)", t->body ? t->body : "(null)");
		if ((doc.flags & t->flags) != t->flags)
			fail_msg("%s: flags 0x%x lack 0x%x", t->name, doc.flags, t->flags);
		if (t->subject != NULL && (doc.subject == NULL || strcmp(doc.subject, t->subject)))
			fail_msg("%s: subject \"%s\"", t->name,
				 doc.subject ? doc.subject : "(null)");
		if (t->header_charset != NULL &&
		    (doc.header_charset == NULL || strcmp(doc.header_charset, t->header_charset)))
			fail_msg("%s: header charset \"%s\"", t->name,
				 doc.header_charset ? doc.header_charset : "(null)");
		mail_doc_release(&doc);
	}
}

/* Header values full of "=?" that never make an encoded word, or of
 * broken words: custos's own scans (the run merging and the encoding
 * check) are linear (a quadratic scan took a minute on 400 KB), and runs
 * of broken words still decode. GMime's decoder itself is quadratic on
 * the first kind, so the whole parse is timed on a small value only. */
static void test_encoded_word_scans(void **state)
{
	(void)state;
	static const struct {
		const char *unit;
		const char *subject_start; /* NULL: not checked */
	} cases[] = {
	    {"=?a?B?x", "=?a?B?x=?a?B?x"},
	    {"=?utf-8?Q?a=ZZ?= ", "a=ZZa=ZZ"},
	    {"=?utf-8?B?5Lit?=\n =?utf-8?B?!?=\n ", "中中"},
	    {"=?x*=?utf-8?", NULL},
	};
	struct mail_limits lim = limits();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		struct error err = ERROR_INIT;
		struct mail_doc doc;
		buf_init(&b, BUF_UNLIMITED);
		while (b.len < 400 * 1000)
			buf_append_str(&b, cases[i].unit, &err);
		double t0 = now_s();
		char *fixed = mail_charset_fixup((const char *)b.data);
		mail_header_encoding_bad((const char *)b.data);
		double dt = now_s() - t0;
		free(fixed);
		if (dt > 2.0)
			fail_msg("case %zu: %.1f s", i, dt);
		buf_reset(&b);
		buf_append_str(&b, "From: a@b.c\nSubject: ", &err);
		while (b.len < 4000)
			buf_append_str(&b, cases[i].unit, &err);
		buf_append_str(&b, "\n\nbody\n", &err);
		parse_with((const char *)b.data, b.len, &lim, &doc);
		if (cases[i].subject_start != NULL &&
		    (doc.subject == NULL ||
		     strncmp(doc.subject, cases[i].subject_start, strlen(cases[i].subject_start))))
			fail_msg("case %zu: subject \"%.40s\"", i,
				 doc.subject ? doc.subject : "(null)");
		mail_doc_release(&doc);
		buf_release(&b);
	}
}

/* Base64 bodies larger than one decoding chunk (64 KiB): the 8-bit check
 * must see bytes far from the start, and run once. */
static void test_base64_8bit_late(void **state)
{
	(void)state;
	static const struct {
		const char *stray; /* put near the start */
		const char *late;  /* put after 100 KB of base64 */
		int identity;	   /* the content is taken as it is */
	} cases[] = {
	    {"", "\xd6\xd0\xce\xc4\n", 1},
	    {"*\n", "\xd6\xd0\xce\xc4\n", 1},
	    {"*\n", "*\n", 0},
	    {"", "", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		struct error err = ERROR_INIT;
		struct mail_doc doc;
		buf_init(&b, BUF_UNLIMITED);
		buf_append_str(&b, HDR "Content-Transfer-Encoding: base64\n\n", &err);
		buf_append_str(&b, cases[i].stray, &err);
		for (int k = 0; k < 1400; k++) /* "abc" x 57 per line */
			buf_append_str(
			    &b,
			    "YWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJjYWJj"
			    "YWJjYWJjYWJjYWJj\n",
			    &err);
		buf_append_str(&b, cases[i].late, &err);
		parse((const char *)b.data, &doc);
		assert_non_null(doc.body);
		if (cases[i].identity) {
			assert_true(doc.flags & MAIL_F_BAD_ENCODING);
			assert_non_null(strstr(doc.body, "YWJjYWJj"));
			assert_non_null(strstr(doc.body, "中文"));
			assert_non_null(strstr(doc.error, "8-bit content labelled base64"));
		} else {
			assert_null(strstr(doc.body, "YWJj"));
			assert_int_equal(strncmp(doc.body, "abcabc", 6), 0);
			assert_int_equal(strlen(doc.body), 1400 * 57);
			assert_true(doc.error == NULL || strstr(doc.error, "8-bit") == NULL);
		}
		mail_doc_release(&doc);
		buf_release(&b);
	}
}

/* --- attachments (issue 3) ---------------------------------------------- */

struct member {
	const char *name;
	const char *data;
	size_t len; /* 0: strlen(data) */
};

/* A ZIP archive in memory, with libarchive's writer. With utf8, names
 * are stored as UTF-8 with general purpose flag bit 11 set (as custos gen
 * writes them); else as the raw bytes given, without the flag. Caller
 * frees. */
static unsigned char *make_zip(const struct member *m, size_t n, int utf8, size_t *len_r)
{
	size_t cap = 1 << 20, used = 0;
	unsigned char *out = malloc(cap);
	struct archive *a = archive_write_new();
	assert_non_null(out);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	if (utf8)
		assert_int_equal(archive_write_set_options(a, "zip:hdrcharset=UTF-8"), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t len = m[i].len ? m[i].len : strlen(m[i].data);
		struct archive_entry *e = archive_entry_new();
		if (utf8)
			archive_entry_set_pathname_utf8(e, m[i].name);
		else
			archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, m[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	/* The first local header's flag bit 11 says whether names are UTF-8. */
	assert_true(used > 8 && memcmp(out, "PK\x03\x04", 4) == 0);
	assert_int_equal((out[7] & 0x08) != 0, utf8);
	*len_r = used;
	return out;
}

static void add_part(struct buf *b, const char *ctype, const char *fname, const void *data,
		     size_t n)
{
	struct error err = ERROR_INIT;
	gchar *b64 = g_base64_encode(data, n);
	buf_printf(b, &err,
		   "--B\nContent-Type: %s\nContent-Disposition: attachment; filename=\"%s\"\n"
		   "Content-Transfer-Encoding: base64\n\n",
		   ctype, fname);
	for (size_t i = 0, l = strlen(b64); i < l; i += 76) {
		buf_append(b, b64 + i, l - i < 76 ? l - i : 76, &err);
		buf_append_byte(b, '\n', &err);
	}
	g_free(b64);
}

static void add_zip(struct buf *b, const char *ctype, const char *fname, const struct member *m,
		    size_t n, int utf8)
{
	size_t len;
	unsigned char *z = make_zip(m, n, utf8, &len);
	add_part(b, ctype, fname, z, len);
	free(z);
}

#define PDF_HEAD                                                                                   \
	"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"                                   \
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"                                       \
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]/Contents 4 0 R"                    \
	"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"

/* Latin text in a standard font. */
static const char pdf_latin[] =
    PDF_HEAD "4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 10 100 Td (Pdf hello world) Tj ET\n"
	     "endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
	     "trailer<</Root 1 0 R>>\n%%EOF\n";
/* Chinese through a predefined CMap (UniGB-UCS2-H): needs poppler-data. */
static const char pdf_cjk[] =
    PDF_HEAD "4 0 obj<</Length 47>>stream\nBT /F1 12 Tf 10 100 Td <53D179684E2D6587> Tj ET\n"
	     "endstream endobj\n"
	     "5 0 obj<</Type/Font/Subtype/Type0/BaseFont/STSong-Light/Encoding/UniGB-UCS2-H"
	     "/DescendantFonts[6 0 R]>>endobj\n"
	     "6 0 obj<</Type/Font/Subtype/CIDFontType0/BaseFont/STSong-Light/CIDSystemInfo"
	     "<</Registry(Adobe)/Ordering(GB1)/Supplement 2>>/FontDescriptor 7 0 R>>endobj\n"
	     "7 0 obj<</Type/FontDescriptor/FontName/STSong-Light/Flags 6/FontBBox[0 0 1000 1000]"
	     "/ItalicAngle 0/Ascent 880/Descent -120/CapHeight 880/StemV 80>>endobj\n"
	     "trailer<</Root 1 0 R>>\n%%EOF\n";
/* Encrypted with a user password (the O and U entries need not be real:
 * without the password poppler cannot open it either way). */
static const char pdf_encrypted[] =
    PDF_HEAD "4 0 obj<</Length 10>>stream\n0123456789\nendstream endobj\n"
	     "5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
	     "8 0 obj<</Filter/Standard/V 1/R 2/P -4/O<0102030405060708090a0b0c0d0e0f10"
	     "1112131415161718191a1b1c1d1e1f20>/U<2122232425262728292a2b2c2d2e2f30"
	     "3132333435363738393a3b3c3d3e3f40>>>endobj\n"
	     "trailer<</Root 1 0 R/Encrypt 8 0 R/ID[<00112233445566778899aabbccddeeff>"
	     "<00112233445566778899aabbccddeeff>]>>\n%%EOF\n";

static const char rtf_doc[] =
    "{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}"
    "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator x;}{\\info{\\title hidden}}"
    "\\f0 Rtf \\'d6\\'d0\\'ce\\'c4 and \\u21457?\\u31080? end\\par next\\tab cell}";

struct att_want {
	const char *filename;
	const char *extract;
	const char *text;   /* substring of the text, or NULL: no text */
	const char *member; /* one of the members, or NULL: none */
};

static void build_attachment_message(struct buf *b)
{
	struct error err = ERROR_INIT;
	static const struct member docx[] = {
	    {"[Content_Types].xml", "<Types/>", 0},
	    {"word/document.xml",
	     "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Docx "
	     "hello</w:t></w:r><w:r><w:t xml:space=\"preserve\"> 发票</w:t></w:r></w:p><w:p><w:r>"
	     "<w:t>second</w:t><w:tab/><w:t>tabbed</w:t><w:instrText>HIDDEN</w:instrText></w:r>"
	     "</w:p></w:body></w:document>",
	     0},
	    {"docProps/core.xml", "<core>NOTTEXT</core>", 0},
	};
	static const struct member xlsx[] = {
	    {"[Content_Types].xml", "<Types/>", 0},
	    {"xl/sharedStrings.xml", "<sst><si><t>Shared one</t></si><si><t>基金</t></si></sst>",
	     0},
	    {"xl/worksheets/sheet1.xml",
	     "<worksheet><sheetData><row><c t=\"s\"><v>0</v></c><c><v>42.5</v></c>"
	     "<c t=\"inlineStr\"><is><t>inline</t></is></c></row></sheetData></worksheet>",
	     0},
	};
	static const struct member pptx[] = {
	    {"[Content_Types].xml", "<Types/>", 0},
	    {"ppt/slides/slide1.xml",
	     "<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>Slide "
	     "text</a:t></a:r></a:p></p:sld>",
	     0},
	};
	static const struct member odt[] = {
	    {"mimetype", "application/vnd.oasis.opendocument.text", 0},
	    {"content.xml",
	     "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\"><office:body>"
	     "<office:text><text:h>Title</text:h><text:p>Odt para<text:s/>with<text:tab/>tab"
	     "</text:p></office:text></office:body></office:document-content>",
	     0},
	};
	static const struct member plain[] = {
	    {"readme.txt", "zip member text", 0},
	    {"目录/说明.txt", "中文成员", 0},
	    {"img.png", "\x89PNG", 4},
	};
	static char zeros[3 << 20];
	const struct member bomb[] = {{"big.txt", zeros, sizeof(zeros)}};
	buf_append_str(
	    b,
	    "From: a@example.com\nSubject: attachments\nMessage-ID: <att@x>\n"
	    "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\n"
	    "body text\n",
	    &err);
	add_zip(b, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"a.docx", docx, 3, 0);
	add_zip(b, "application/octet-stream", "a.xlsx", xlsx, 3, 0);
	add_zip(b, "application/octet-stream", "a.pptx", pptx, 2, 0);
	add_zip(b, "application/octet-stream", "a.odt", odt, 2, 0);
	add_zip(b, "application/zip", "a.zip", plain, 3, 0);
	memset(zeros, '0', sizeof(zeros));
	add_zip(b, "application/zip", "bomb.zip", bomb, 1, 0);
	add_part(b, "application/pdf", "a.pdf", pdf_latin, sizeof(pdf_latin) - 1);
	add_part(b, "application/octet-stream", "cjk.pdf", pdf_cjk, sizeof(pdf_cjk) - 1);
	add_part(b, "application/pdf", "locked.pdf", pdf_encrypted, sizeof(pdf_encrypted) - 1);
	add_part(b, "application/rtf", "a.rtf", rtf_doc, sizeof(rtf_doc) - 1);
	add_part(b, "text/csv", "a.csv", "a,b\n1,2\n", 8);
	add_part(b, "application/octet-stream", "page.html", "<p>Html <b>file</b></p>", 23);
	add_part(b, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		 "bad.docx", "corrupt", 7);
	add_part(b, "image/png", "pic.png", "\x89PNG....", 8);
	add_part(b, "application/octet-stream", "blob.bin", "\x01\x02\x03", 3);
	/* non-ASCII member names: UTF-8 flagged, and raw GBK */
	const struct member utf8_names[] = {
	    {"TA确认数据20250130.csv", "基金代码,名称\n000001,华夏成长\n", 0},
	    {"说明.txt", "这是说明文件。", 0},
	    {"报告/年报.pdf", pdf_latin, sizeof(pdf_latin) - 1},
	};
	add_zip(b, "application/zip", "对账单_20250130.zip", utf8_names, 3, 1);
	static const struct member gbk_names[] = {
	    {"\xcb\xb5\xc3\xf7.txt", "\xd5\xe2\xca\xc7\xcb\xb5\xc3\xf7", 0}, /* 说明: 这是说明 */
	};
	add_zip(b, "application/x-zip-compressed", "gbk.zip", gbk_names, 1, 0);
	/* 8-bit text labelled base64: taken as it is */
	buf_append_str(b,
		       "--B\nContent-Type: text/plain; charset=gbk; name=raw.txt\n"
		       "Content-Transfer-Encoding: base64\n\n\xd6\xd0\xce\xc4 raw\n",
		       &err);
	buf_append_str(
	    b,
	    "--B\nContent-Type: message/rfc822\nContent-Disposition: attachment; "
	    "filename=fwd.eml\n\nSubject: inner subj\nFrom: Inner <in@x.y>\n"
	    "Content-Type: multipart/mixed; boundary=I\n\n--I\nContent-Type: text/plain\n\n"
	    "inner body\n--I\nContent-Type: text/plain; name=inner.txt\n\ninner file\n"
	    "--I--\n--B--\n",
	    &err);
}

static const struct att_want att_wants[] = {
    {"a.docx", "ok", "Docx hello 发票\nsecond\ttabbed", NULL},
    {"a.xlsx", "ok", "Shared one\n基金", NULL},
    {"a.pptx", "ok", "Slide text", NULL},
    {"a.odt", "ok", "Title\nOdt para with\ttab", NULL},
    {"a.zip", "ok", "zip member text", "目录/说明.txt"},
    {"bomb.zip", "bomb", NULL, "big.txt"},
    {"a.pdf", "ok", "Pdf hello world", NULL},
    {"cjk.pdf", "ok", "发票中文", NULL},
    {"locked.pdf", "encrypted", NULL, NULL},
    {"a.rtf", "ok", "Rtf 中文 and 发票 end\nnext\tcell", NULL},
    {"a.csv", "ok", "a,b\n1,2", NULL},
    {"page.html", "ok", "Html file", NULL},
    {"bad.docx", "corrupt", NULL, NULL},
    {"pic.png", "none", NULL, NULL},
    {"blob.bin", "none", NULL, NULL},
    {"对账单_20250130.zip", "ok", "基金代码,名称\n000001,华夏成长", "TA确认数据20250130.csv"},
    {"gbk.zip", "ok", "这是说明", "说明.txt"},
    {"raw.txt", "ok", "中文 raw", NULL},
    {"fwd.eml", "ok", "Subject: inner subj\nFrom: Inner <in@x.y>\n\ninner body", NULL},
    {"inner.txt", "ok", "inner file", NULL},
};

static void check_attachments(const struct mail_doc *doc, int skipped)
{
	size_t n = sizeof(att_wants) / sizeof(att_wants[0]);
	if (doc->n_att != n)
		fail_msg("%zu attachments, want %zu", doc->n_att, n);
	assert_non_null(doc->body);
	assert_string_equal(doc->body, "body text");
	for (size_t i = 0; i < n; i++) {
		const struct att_want *w = &att_wants[i];
		const struct mail_attachment *a = &doc->att[i];
		assert_string_equal(a->filename, w->filename);
		const char *want = skipped ? "skipped" : w->extract;
		if (a->extract == NULL || strcmp(a->extract, want) != 0)
			fail_msg("%s: extract %s, want %s", w->filename,
				 a->extract ? a->extract : "(null)", want);
		if (skipped) {
			assert_null(a->text);
			continue;
		}
		if (w->text == NULL ? a->text != NULL
				    : a->text == NULL || strstr(a->text, w->text) == NULL)
			fail_msg("%s: text \"%s\", want \"%s\"", w->filename,
				 a->text ? a->text : "(null)", w->text ? w->text : "(null)");
		int found = w->member == NULL;
		for (size_t k = 0; k < a->n_members; k++)
			found |= w->member != NULL && strcmp(a->members[k], w->member) == 0;
		if (!found || (w->member == NULL && a->n_members != 0))
			fail_msg("%s: %zu members, %s missing", w->filename, a->n_members,
				 w->member ? w->member : "-");
	}
	/* hidden text stays hidden */
	for (size_t i = 0; i < doc->n_att; i++)
		if (doc->att[i].text != NULL)
			assert_null(strstr(doc->att[i].text, "HIDDEN") != NULL	  ? "HIDDEN"
				    : strstr(doc->att[i].text, "NOTTEXT") != NULL ? "NOTTEXT"
				    : strstr(doc->att[i].text, "hidden") != NULL  ? "hidden"
										  : NULL);
}

static void test_attachments(void **state)
{
	(void)state;
	struct buf b;
	struct mail_doc doc;
	struct mail_limits lim = limits();
	buf_init(&b, BUF_UNLIMITED);
	build_attachment_message(&b);
	parse_with((const char *)b.data, b.len, &lim, &doc);
	check_attachments(&doc, 0);
	/* the round trip keeps it all */
	struct error err = ERROR_INIT;
	wire_trip(&doc);
	mail_doc_release(&doc);

	/* without extraction: every attachment skipped, the body kept */
	mail_doc_init(&doc);
	assert_int_equal(mail_parse_opts(b.data, b.len, &lim, MAIL_PARSE_NO_EXTRACT, &doc, &err),
			 0);
	check_attachments(&doc, 1);
	mail_doc_release(&doc);

	/* a small text budget: cut, visibly */
	lim.max_text_size = 64 * 1024;
	lim.max_attachment_text = 20;
	parse_with((const char *)b.data, b.len, &lim, &doc);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "not extracted in full"));
	assert_string_equal(doc.att[0].extract, "limits");
	assert_true(strlen(doc.att[0].text) <= 20);
	assert_true(strlen(doc.att[0].text) > 0); /* cut, not dropped */
	mail_doc_release(&doc);

	/* a UTF-8 text attachment over its budget keeps its beginning, cut at
	 * a character boundary (it was dropped whole; found by the oracle) */
	{
		struct mail_limits tl = limits();
		struct mail_extract tx = {&tl, 1 << 20, mail_now_ms() + 60000, 0, 0};
		struct mail_part_info tp = {"text/csv", "big.csv", "utf-8", 0, 0};
		static const char csv[] = "a,b\n\xe4\xb8\xad\xe6\x96\x87,c\nmore text here\n";
		struct buf t;
		buf_init(&t, 9); /* "a,b\n中" is 7 bytes, "文" would end at 10 */
		assert_int_equal(mail_extract_attachment(&tx, &tp, (const unsigned char *)csv,
							 sizeof(csv) - 1, &t, NULL, NULL),
				 MAIL_X_LIMITS);
		assert_string_equal(buf_cstr(&t), "a,b\n\xe4\xb8\xad");
		buf_release(&t);
	}

	/* no time left: an attachment after the budget times out */
	lim = limits();
	struct mail_extract x = {&lim, 1 << 20, mail_now_ms() - 1, 0, 0};
	struct mail_part_info pi = {"application/pdf", "a.pdf", NULL, 0, 0};
	struct buf out;
	buf_init(&out, 1 << 20);
	assert_int_equal(mail_extract_attachment(&x, &pi, (const unsigned char *)pdf_latin,
						 sizeof(pdf_latin) - 1, &out, NULL, NULL),
			 MAIL_X_TIMEOUT);
	buf_release(&out);
	buf_release(&b);
}

static void test_rtf_and_html_edges(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
		int html;
	} cases[] = {
	    {"{\\rtf1 plain {\\*\\skipped x} text\\line two}", "plain  text\ntwo", 0},
	    {"{\\rtf1\\uc2 a\\u8364\\'80\\'80b}", "a€b", 0},
	    {"{\\rtf1 \\uc0\\u-10179\\u-8704 x}", "\xf0\x9f\x98\x80x", 0},
	    {"{\\rtf1 {\\pict 0102abcd}pic\\bin3 {}}after}", "picafter", 0},
	    {"{\\rtf1\\ansicpg1252 caf\\'e9 \\{brace\\}}", "café {brace}", 0},
	    {"{\\rtf1 {{{{{{{{{{{{{{deep}}}}}}}}}}}}}}", "deep", 0},
	    {"<ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>",
	     "one\ntwo\na\nb", 1},
	    {"<p>a\n\n   b</p><template>no</template><title>no</title>c", "a b\nc", 1},
	    {"unclosed <b>bold <i>both", "unclosed bold both", 1},
	    {"&lt;tag&gt; &#x4e2d;&#25991; &unknown;", "<tag> 中文 &unknown;", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		buf_init(&out, 1 << 20);
		if (cases[i].html)
			assert_true(mail_html_to_text(cases[i].in, strlen(cases[i].in), &out) >= 0);
		else
			assert_int_equal(mail_rtf_to_text((const unsigned char *)cases[i].in,
							  strlen(cases[i].in), &out),
					 0);
		char *t = mail_text_clean_lines(out.data ? (const char *)out.data : "", out.len,
						1 << 20, NULL);
		if (strcmp(t, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, t, cases[i].want);
		free(t);
		buf_release(&out);
	}
}

static void test_worker_extract(void **state)
{
	(void)state;
	const char *exe = worker_exe();
	struct mail_limits lim = limits();
	struct mail_worker *w;
	struct error err = ERROR_INIT;
	struct mail_doc doc;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	build_attachment_message(&b);
	mail_doc_init(&doc);
	/* the sandboxed worker reads PDFs (CJK CMaps included), Office, RTF */
	w = start_worker(exe, &lim);
	assert_int_equal(mail_worker_parse(w, b.data, b.len, &doc, &err), 0);
	if (doc.flags & MAIL_F_PARSE_FAILED)
		fail_msg("parse failed: %s", doc.error);
	check_attachments(&doc, 0);
	mail_doc_release(&doc);
	mail_worker_stop(w);

	/* a worker that crashes on the message: parsed again without
	 * extraction in a fresh worker */
	struct fake_files ff;
	fake_files_init(&ff);
	fake_files_write(&ff, 0, exe, 1, "kill -SEGV $$", 1);
	w = start_worker(ff.script, &lim);
	submit_ok(w, b.data, b.len);
	collect_ok(w, &doc);
	assert_false(doc.flags & MAIL_F_PARSE_FAILED);
	assert_true(doc.flags & MAIL_F_LIMITS);
	assert_non_null(strstr(doc.error, "attachment text not extracted"));
	assert_non_null(strstr(doc.error, "killed by signal 11"));
	check_attachments(&doc, 1);
	mail_doc_release(&doc);
	mail_worker_stop(w);
	fake_files_clean(&ff, 1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_parse_details),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_other_limits),
	    cmocka_unit_test(test_100mb_message),
	    cmocka_unit_test(test_wire_round_trip),
	    cmocka_unit_test(test_wire_layout),
	    cmocka_unit_test(test_wire_truncated),
	    cmocka_unit_test(test_wire_reject),
	    cmocka_unit_test(test_wire_reject_big),
	    cmocka_unit_test(test_json_form),
	    cmocka_unit_test(test_addr_normalize),
	    cmocka_unit_test(test_append_cut),
	    cmocka_unit_test(test_limit_opts),
	    cmocka_unit_test(test_worker_real),
	    cmocka_unit_test(test_worker_fakes),
	    cmocka_unit_test(test_worker_async),
	    cmocka_unit_test(test_worker_async_fakes),
	    cmocka_unit_test(test_pool),
	    cmocka_unit_test(test_sandbox),
	    cmocka_unit_test(test_text_table),
	    cmocka_unit_test(test_base64_8bit_late),
	    cmocka_unit_test(test_encoded_word_scans),
	    cmocka_unit_test(test_attachments),
	    cmocka_unit_test(test_rtf_and_html_edges),
	    cmocka_unit_test(test_worker_extract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
