/*
 * pdf.c - the text of a PDF, with poppler-glib (inside the parse worker).
 *
 * The document is opened from memory (no file, no password); an encrypted
 * one is reported as such. Text comes page by page (poppler_page_get_text,
 * reading order as poppler's text output device sees it), pages separated
 * by a line end; the message's deadline and the output bound are checked
 * between pages. CJK text without ToUnicode maps needs poppler-data's
 * CMaps under /usr/share/poppler, which the sandbox leaves readable.
 *
 * Poppler runs in this thread only (it starts none for text); its error
 * messages are routed to a silent GLib log handler.
 */
#include "mail/mail_internal.h"

#include <glib.h>
#include <poppler.h>
#include <string.h>

static void silent(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

static void quiet_once(void)
{
	static int done;
	if (!done) {
		g_log_set_handler("Poppler",
				  G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
				  silent, NULL);
		done = 1;
	}
}

enum mail_outcome mail_pdf_to_text(struct mail_extract *x, const unsigned char *p, size_t n,
				   struct buf *out)
{
	GError *gerr = NULL;
	quiet_once();
	GBytes *bytes = g_bytes_new_static(p, n);
	PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
	if (doc == NULL) {
		enum mail_outcome r =
		    gerr != NULL && g_error_matches(gerr, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED)
			? MAIL_X_ENCRYPTED
			: MAIL_X_CORRUPT;
		g_clear_error(&gerr);
		g_bytes_unref(bytes);
		return r;
	}
	enum mail_outcome res = MAIL_X_OK;
	int pages = poppler_document_get_n_pages(doc);
	for (int i = 0; i < pages; i++) {
		if (mail_now_ms() > x->deadline_ms) {
			res = MAIL_X_TIMEOUT;
			break;
		}
		PopplerPage *page = poppler_document_get_page(doc, i);
		if (page == NULL)
			continue;
		char *t = poppler_page_get_text(page);
		g_object_unref(page);
		if (t == NULL)
			continue;
		size_t len = strlen(t);
		int full = len > 0 && out->len > 0 && mail_append_cut(out, "\n", 1);
		full = full || mail_append_cut(out, t, len);
		g_free(t);
		if (full) {
			res = MAIL_X_LIMITS;
			break;
		}
	}
	g_object_unref(doc);
	g_bytes_unref(bytes);
	return res;
}

/* A one-page PDF with one line of text: opened and read once so that
 * poppler sets up its global state (data directories) before the
 * sandbox. */
static const char warm_pdf[] =
    "%PDF-1.4\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R"
    "/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    "4 0 obj<</Length 36>>stream\nBT /F1 12 Tf 10 100 Td (warm) Tj ET\nendstream endobj\n"
    "5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    "trailer<</Root 1 0 R>>\n%%EOF\n";

void mail_pdf_warm_up(void)
{
	struct buf out;
	struct mail_limits lim;
	memset(&lim, 0, sizeof(lim));
	struct mail_extract x = {&lim, 1 << 20, mail_now_ms() + 10000, 0, 0};
	buf_init(&out, 1 << 20);
	mail_pdf_to_text(&x, (const unsigned char *)warm_pdf, sizeof(warm_pdf) - 1, &out);
	buf_release(&out);
}
