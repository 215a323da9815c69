/*
 * html.c - the text of an HTML part, with libxml2's HTML parser.
 *
 * The rules are exact, because an independent oracle (tests/oracle/)
 * re-implements them with Python's html.parser; doc/search.md ("How
 * messages become text") is their contract:
 *
 *  - The input is UTF-8 (the caller decoded the part's charset); the
 *    parser is told so and ignores <meta charset> (HTML_PARSE_IGNORE_ENC).
 *    No network, no error output, recovery on.
 *  - Dropped with everything inside: script, style, head, title, template;
 *    comments and processing instructions.
 *  - Block elements (list below) start and end a line.
 *  - Every other element is transparent: its text is kept in place.
 *  - In text, entities and character references are decoded (libxml2),
 *    and every run of ASCII white space (space, tab, CR, LF, FF) becomes
 *    one space.
 *  - Finally spaces next to a line end are removed, runs of line ends
 *    become one, and the whole is trimmed.
 *
 * Bounded: output stops at out's maximum (cut at a character boundary,
 * return 1); libxml2 keeps its own limits on depth, names and text sizes
 * (HTML_PARSE_HUGE is never set); the walk is iterative.
 */
#include "mail/mail_internal.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const char *const dropped[] = {"head", "script", "style", "template", "title", NULL};

static const char *const blocks[] = {
    "address",	  "article", "aside",  "blockquote", "body",  "br",	 "caption", "center",
    "dd",	  "details", "dialog", "dir",	     "div",   "dl",	 "dt",	    "fieldset",
    "figcaption", "figure",  "footer", "form",	     "h1",    "h2",	 "h3",	    "h4",
    "h5",	  "h6",	     "header", "hr",	     "html",  "li",	 "main",    "menu",
    "nav",	  "ol",	     "option", "p",	     "pre",   "section", "summary", "table",
    "tbody",	  "td",	     "tfoot",  "th",	     "thead", "tr",	 "ul",	    NULL};

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* libxml2's HTML parser gives element names in lower case; the lists are
 * sorted. */
static int in_list(const char *const *list, const xmlChar *name)
{
	size_t n = 0;
	while (list[n] != NULL)
		n++;
	return bsearch(name, list, n, sizeof(*list), cmp_name) != NULL;
}

struct hout {
	struct buf *out;
	int full;
	int space; /* a space is pending */
	int line;  /* a line end is pending */
};

static void emit(struct hout *h, const char *p, size_t n)
{
	if (h->full || n == 0)
		return;
	if (h->out->len > 0 && (h->line || h->space) &&
	    mail_append_cut(h->out, h->line ? "\n" : " ", 1)) {
		h->full = 1;
		return;
	}
	h->line = h->space = 0;
	h->full = mail_append_cut(h->out, p, n);
}

static void text(struct hout *h, const char *s)
{
	size_t i = 0, n = strlen(s);
	while (i < n) {
		if (strchr(" \t\r\n\f", s[i]) != NULL) {
			if (!h->line)
				h->space = 1;
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && strchr(" \t\r\n\f", s[j]) == NULL)
			j++;
		emit(h, s + i, j - i);
		i = j;
	}
}

/* The text under top, walked without recursion (libxml2 bounds the depth,
 * but the walk need not trust that). */
static void walk(struct hout *h, xmlNode *top)
{
	xmlNode *n = top->children;
	while (n != NULL && !h->full) {
		int descend = 0;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content != NULL)
				text(h, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE && n->name != NULL &&
			   !in_list(dropped, n->name)) {
			if (in_list(blocks, n->name)) {
				h->line = 1; /* a block starts a line */
				h->space = 0;
			}
			descend = n->children != NULL;
		}
		if (descend) {
			n = n->children;
			continue;
		}
		/* Up until a next sibling; a block element ends a line. */
		while (n->next == NULL) {
			n = n->parent;
			if (n == NULL || n == top)
				return;
			if (n->type == XML_ELEMENT_NODE && in_list(blocks, n->name)) {
				h->line = 1;
				h->space = 0;
			}
		}
		n = n->next;
	}
}

int mail_html_to_text(const char *p, size_t n, struct buf *out)
{
	if (n == 0)
		return 0;
	if (n > INT32_MAX)
		n = INT32_MAX;
	htmlDocPtr d =
	    htmlReadMemory(p, (int)n, NULL, "UTF-8",
			   HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
			       HTML_PARSE_RECOVER | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
	if (d == NULL)
		return -1;
	struct hout h = {out, 0, 0, 0};
	walk(&h, (xmlNode *)d);
	xmlFreeDoc(d);
	return h.full ? 1 : 0;
}
