#!/usr/bin/env python3
"""oracle.py - an independent implementation of what `custos search` must
find, used by tests/integration/10-search-oracle.sh (issue 3: "the oracle
is the spec").

It shares no code with custos: Python 3.11's standard library decodes each
exported message (custos export writes the archived bytes, so ids agree),
turns it into the fields of doc/search.md ("How messages become text"),
normalises them (NFKC, full case folding), cuts them into words and CJK runs
("How text becomes words") and evaluates each query ("Query language") by
plain substring search:

  - a CJK string matches a field whose text contains it as a substring
    (runs joined across a single line break);
  - Latin text matches a field whose word sequence contains the query's
    word sequence;
  - a query string mixing both: its inner words and runs must be whole
    words and whole runs of the field, its first run may end a run of the
    field, its last run may start one.

Each field is matched on its own: subject, from, to, cc, bcc (one line per
address: display name and addr-spec), body (the message's own text parts),
attachment (text extracted from attachments), filename (attachment file
names and archive member names).

Only PDF text needs a tool outside the standard library: pdftotext from
poppler-utils. Charsets are converted by glibc's iconv through ctypes, as
doc/search.md says ("a label iconv does not know"): Python's own codec
tables differ from glibc's (Big5 above all).

Where doc/search.md leaves a case to a library's recovery from broken
input, the oracle follows it explicitly and says so: libxml2's HTML tree
(HTMLText), and GMime's reading of address fields that are not RFC 5322,
which the comparison tolerates only for the messages whose answer hinges
on such a field (hinges_on_broken_address), printing each.

Usage:
  oracle.py compare --export DIR --queries FILE --custos BIN --archive DIR
      run every query with custos and the oracle, print a table, exit 1 on
      any difference (the differing messages are printed)
  oracle.py query --export DIR QUERY...   the oracle's result ids
  oracle.py show --export DIR ID...       the decoded fields of messages
"""

import argparse
import binascii
import codecs
import email
import email.errors
import email.message
import email.policy
import email.utils
import html.entities
import html.parser
import io
import json
import multiprocessing
import os
import quopri
import re
import subprocess
import sys
import time
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timezone

FIELDS = ("subject", "from", "to", "cc", "bcc", "body", "attachment", "filename")

# ---------------------------------------------------------------------------
# Charsets.

# Labels that real mail misuses are decoded with their superset (WHATWG
# Encoding Standard; doc/search.md). Charsets are named as iconv names them.
SUPERSETS = {
    "gb2312": "GB18030", "gbk": "GB18030", "x-gbk": "GB18030", "cp936": "GB18030",
    "ms936": "GB18030", "windows-936": "GB18030", "euc-cn": "GB18030",
    "x-euc-cn": "GB18030", "csgb2312": "GB18030", "gb_2312": "GB18030",
    "gb_2312-80": "GB18030", "iso-ir-58": "GB18030", "chinese": "GB18030",
    "euc-kr": "CP949", "ks_c_5601-1987": "CP949", "ks_c_5601-1989": "CP949",
    "ksc5601": "CP949", "ksc_5601": "CP949", "korean": "CP949", "windows-949": "CP949",
    "shift_jis": "CP932", "shift-jis": "CP932", "sjis": "CP932", "x-sjis": "CP932",
    "ms_kanji": "CP932", "windows-31j": "CP932",
    "iso-8859-1": "CP1252", "iso8859-1": "CP1252", "iso_8859-1": "CP1252",
    "latin1": "CP1252", "l1": "CP1252", "us-ascii": "CP1252", "ascii": "CP1252",
    "iso-8859-9": "CP1254", "latin5": "CP1254",
    "iso-8859-11": "CP874", "tis-620": "CP874", "iso-8859-8-i": "ISO-8859-8",
}
ALIASES = {"big-5": "BIG5", "big-five": "BIG5", "bigfive": "BIG5", "cn-big5": "BIG5",
           "csbig5": "BIG5", "x-big5": "BIG5", "windows-874": "CP874"}
ASCII_LABELS = {"us-ascii", "ascii", "ansi_x3.4-1968"}
UTF8_LABELS = {"utf-8", "utf8"}


# Conversion is glibc's iconv, as in custos (doc/search.md names iconv):
# Python's codec tables differ from glibc's on rare characters, and for
# Big5 on whole byte ranges (glibc's BIG5 converts the ETEN and
# user-defined rows that Python's big5 and cp950 reject), which would turn
# a charset guess (rule 4) the other way. ctypes is standard library;
# without glibc the oracle falls back to Python's codecs.

class _Iconv:
    E2BIG, EILSEQ, EINVAL = 7, 84, 22

    def __init__(self):
        import ctypes
        self.ct = ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        self.open = libc.iconv_open
        self.open.restype = ctypes.c_void_p
        self.open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        self.conv = libc.iconv
        self.conv.restype = ctypes.c_size_t
        pp, sz = ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)
        self.conv.argtypes = [ctypes.c_void_p, pp, sz, pp, sz]
        self.cds = {}
        if self.cd("GB18030") is None:
            raise OSError("no iconv")

    def cd(self, name):
        if name not in self.cds:
            cd = self.open(b"UTF-8", name.encode("ascii", "replace"))
            self.cds[name] = None if cd in (None, 2**64 - 1, 2**32 - 1, -1) else cd
        return self.cds[name]

    def decode(self, data, name, strict):
        """str, or None when strict and a byte is invalid (or the name
        unknown). Not strict: an invalid byte is U+FFFD, decoding resumes
        at the next byte (custos: iconv_append)."""
        ct = self.ct
        cd = self.cd(name)
        if cd is None:
            return None
        self.conv(cd, None, None, None, None)  # initial state
        buf = ct.create_string_buffer(bytes(data), len(data) + 1)
        inp, inleft = ct.c_void_p(ct.addressof(buf)), ct.c_size_t(len(data))
        cap = 4 * len(data) + 64
        out = ct.create_string_buffer(cap)
        res = []
        while inleft.value > 0:
            outp, outleft = ct.c_void_p(ct.addressof(out)), ct.c_size_t(cap)
            r = self.conv(cd, ct.byref(inp), ct.byref(inleft), ct.byref(outp),
                          ct.byref(outleft))
            res.append(out.raw[:cap - outleft.value])
            if r == ct.c_size_t(-1).value:
                e = ct.get_errno()
                if e == self.E2BIG:
                    continue
                if strict:
                    return None
                res.append("\ufffd".encode("utf-8"))
                inp.value += 1
                inleft.value -= 1
        return b"".join(res).decode("utf-8", "replace")


try:
    ICONV = _Iconv()
except (OSError, AttributeError):
    ICONV = None
PY_NAMES = {"BIG5": "cp950", "UTF-16": "utf-16", "ISO-2022-JP": "iso2022_jp"}


def _one_byte(e):
    # like iconv: an invalid byte becomes U+FFFD and decoding resumes at
    # the next byte
    return ("\ufffd", e.start + 1)


codecs.register_error("oracle-one", _one_byte)


def decode(data, cs, strict=False):
    """Bytes in charset cs (an iconv name) to str: invalid bytes are U+FFFD
    each; strict: None instead."""
    if cs.upper() in ("UTF-8", "UTF8") or ICONV is None:
        try:
            c = PY_NAMES.get(cs.upper(), cs)
            return data.decode(c, "strict" if strict else "oracle-one")
        except UnicodeDecodeError:
            return None
        except LookupError:
            return None if strict else data.decode("latin-1")
    r = ICONV.decode(data, cs, strict)
    return data.decode("latin-1") if r is None and not strict else r


def known(cs):
    if ICONV is not None and cs.upper() not in ("UTF-8", "UTF8"):
        return ICONV.cd(cs) is not None
    try:
        codecs.lookup(PY_NAMES.get(cs.upper(), cs))
        return True
    except LookupError:
        return False


def codec_for(label, header=False):
    """The charset (iconv name) for a MIME charset label, with the superset
    mapping, or None if iconv does not know it."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    name = SUPERSETS.get(label) if header or label not in ASCII_LABELS else None
    name = name or ALIASES.get(label, label)
    return name if known(name) else None


def converts(data, cs):
    return decode(data, cs, strict=True) is not None


def looks_big5(data):
    pairs = low = 0
    i, n = 0, len(data)
    while i + 1 < n:
        if data[i] < 0x81 or data[i] == 0xFF:
            i += 1
            continue
        pairs += 1
        if 0x40 <= data[i + 1] < 0xA1:
            low += 1
        i += 2
    return pairs > 0 and low * 5 >= pairs


def guess_charset(data, hint=None):
    """The charset of undeclared text (doc/search.md): UTF-8 when valid
    (ISO-2022-JP for 7-bit text with its escapes), else the hint, GB18030
    or Big5 (Big5 when its byte pairs say so), windows-1252, ISO-8859-1."""
    if data[:3] == b"\xef\xbb\xbf":
        return "UTF-8"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    if converts(data, "UTF-8"):
        if max(data, default=0) < 0x80 and (b"\x1b$B" in data or b"\x1b$@" in data):
            return "ISO-2022-JP"
        return "UTF-8"
    if hint and hint.lower() not in UTF8_LABELS | ASCII_LABELS:
        c = codec_for(hint)
        if c and converts(data, c):
            return c
    gb = converts(data, "GB18030")
    if (not gb or looks_big5(data)) and converts(data, "BIG5"):
        return "BIG5"
    if gb:
        return "GB18030"
    if converts(data, "CP1252"):
        return "CP1252"
    return "ISO-8859-1"


def text_to_str(data, label=None, hint=None):
    """Bytes of a text part to str: a UTF-8 BOM decides, else a known label
    (not ASCII or UTF-8), else the guess."""
    cs = None
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
        if converts(data, "UTF-8"):
            cs = "UTF-8"
    if cs is None and label and label.strip().lower() not in ASCII_LABELS | UTF8_LABELS:
        cs = codec_for(label)
    if cs is None:
        cs = guess_charset(data, hint)
    s = decode(data, cs)
    if s.startswith("\ufeff"):
        s = s[1:]
    return s


def clean_lines(s):
    """Text as custos keeps it: CR LF and lone CR are line ends, other
    control characters spaces, leading white space and trailing spaces and
    line ends trimmed."""
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = CTRL.sub(" ", s)
    s = LEAD.sub("", s)
    return s.rstrip(" \n\t")


CTRL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
LEAD = re.compile("^[\x00-\x20\x7f]+")
CTRL_ALL = re.compile("[\x00-\x1f\x7f]")


def clean(s):
    """A string field as custos keeps it: control characters spaces,
    trimmed."""
    return CTRL_ALL.sub(" ", s).strip(" ")


# ---------------------------------------------------------------------------
# Header fields (RFC 5322 unfolding, RFC 2047 encoded words, raw 8-bit text).

# An encoded word's text runs to the first "?=" and may hold spaces and
# "?" (not RFC 2047, but sent by Foxmail and decoded by GMime): PROPOSED
# for doc/search.md, which does not say.
EW = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?(.*?)\?=")


def b64decode(data):
    """Base64 as doc/search.md says (GMime's decoder): decoding ends at the
    first '=', characters outside the alphabet are skipped, a last
    incomplete group gives the whole bytes it holds."""
    t = B64_ALPHABET.sub(b"", data.split(b"=", 1)[0])
    t = t[: len(t) - len(t) % 4] if len(t) % 4 == 1 else t + b"=" * (-len(t) % 4)
    try:
        return binascii.a2b_base64(t)
    except binascii.Error:
        return b""


B64_ALPHABET = re.compile(rb"[^A-Za-z0-9+/]")


def ew_payload(enc, text):
    if enc in b"bB":
        return b64decode(text)
    return quopri.decodestring(text.replace(b"_", b" "), header=False)


class HeaderCtx:
    """How a message's raw 8-bit header text is decoded: UTF-8 when valid,
    else the charsets in order (the first that decodes without error, else
    the one with the fewest errors)."""

    def __init__(self, order):
        self.order = []
        for c in order:
            c = codec_for(c, header=True) if c else None
            if c and c not in self.order:
                self.order.append(c)

    def decode8(self, data):
        if max(data, default=0) < 0x80:
            return data.decode("ascii")
        best = None
        for c in self.order:
            s = decode(data, c, strict=True)
            if s is not None:
                return s
            bad = decode(data, c).count("\ufffd")
            if best is None or bad < best[0]:
                best = (bad, c)
        return decode(data, best[1]) if best else data.decode("latin-1")


def decode_header(raw, hc):
    """raw: bytes of one unfolded header value. Returns str."""
    out = []
    pos = 0
    pend_cs, pend = None, b""

    def flush():
        nonlocal pend_cs, pend
        if pend_cs is not None:
            c = codec_for(pend_cs, header=True)
            out.append(decode(pend, c) if c else hc.decode8(pend))
        pend_cs, pend = None, b""

    for m in EW.finditer(raw):
        between = raw[pos:m.start()]
        if pend_cs is not None and between.strip(b" \t\r\n") == b"":
            between = b""  # white space between encoded words is dropped
        if between:
            flush()
            out.append(hc.decode8(between))
        label = m.group(1).decode("ascii", "replace").lower()
        cs = codec_for(label, header=True) or label  # gb2312 and GBK are one
        payload = ew_payload(m.group(2), m.group(3))
        if pend_cs is not None and cs != pend_cs:
            flush()
        pend_cs = cs
        pend += payload
        pos = m.end()
    flush()
    if pos < len(raw):
        out.append(hc.decode8(raw[pos:]))
    return "".join(out)


def unfold(raw):
    return re.sub(rb"\r?\n(?=[ \t])", b"", raw).rstrip(b"\r\n")


def _raw(v):
    return v.encode("ascii", "surrogateescape") if isinstance(v, str) else str(v).encode()


def raw_header(msg, name):
    """The first raw value of a header field (the last for those of
    LastWins.LAST), as bytes, or None."""
    hs = reversed(msg._headers) if name in LastWins.LAST else msg._headers
    for k, v in hs:
        if k.lower() == name:
            return _raw(v)
    return None


def all_raw_headers(msg, name):
    return [_raw(v) for k, v in msg._headers if k.lower() == name]


def addresses(msg, name, hc):
    """(display name, addr-spec) of every mailbox of every such field."""
    return [x for raw in all_raw_headers(msg, name) for x in addresses_of(raw, hc)]


def header_date(msg):
    raw = raw_header(msg, "date")
    if raw is None:
        return None
    try:
        t = email.utils.parsedate_tz(unfold(raw).decode("latin-1"))
    except Exception:
        return None
    if t is None:
        return None
    try:
        return int(email.utils.mktime_tz(t))
    except (OverflowError, ValueError):
        return None


def declared_charset(msg):
    """The charset the message declares for its first text part (first
    children of multiparts), unless UTF-8 or ASCII."""
    o = msg
    for _ in range(8):
        if not o.is_multipart():
            break
        pl = o.get_payload()
        if not pl:
            return None
        o = pl[0]
    if o.is_multipart():
        return None
    cs = o.get_param("charset")
    if not isinstance(cs, str) or cs.lower() in UTF8_LABELS | {"us-ascii"}:
        return None
    return cs


def header_ctx(msg):
    cs = declared_charset(msg)
    raw8 = b"".join(_raw(v) + b"\n" for _, v in msg._headers if max(_raw(v), default=0) >= 0x80)
    guess = guess_charset(raw8, cs) if raw8 else None
    return HeaderCtx(["UTF-8", guess or cs, cs or "GB18030", "GB18030", "BIG5", "CP1252"])


# ---------------------------------------------------------------------------
# Text of parts.

class HTMLText(html.parser.HTMLParser):
    """HTML to text (doc/search.md): script, style, head, title and
    template dropped with their content, comments too; block elements
    start and end a line; other elements are transparent; runs of ASCII
    white space are one space; spaces next to a line end go.

    The tree is libxml2's (2.9, HTML 4 rules), whose recovery from broken
    markup html.parser does not share; the oracle follows it where real
    mail depends on it:
      - what the head holds: a <head> start tag counts only before the
        body has begun (libxml2: "misplaced <head> tag", ignored); script,
        style, meta, link, title or base first imply a head; while nothing
        is open inside the head, text that is not white space, or a start
        tag of HEAD_CLOSERS, ends the head and begins the body (libxml2
        implies a <p>); what is inside other elements opened in the head
        stays in the head;
      - a comment or a tag that is never closed runs to the end of the
        input (html.parser would give its text);
      - "<!" other than a comment or DOCTYPE is text; "</" not followed by
        a letter is dropped and what follows is text, and so is "<?" not
        followed by a name (a processing instruction runs to the next ">");
      - control characters that XML does not allow (U+0000-U+001F but
        TAB, LF, CR; FF too) are dropped before parsing;
      - a misplaced <html>, <body> or <head> start tag (html anywhere but
        first, body inside a body) is ignored, and so is the end tag that
        matches it;
      - references (libxml2_unescape): named ones only with their ";" and
        from HTML 4's list (else they stay as written), numeric ones with
        or without ";" as the code point (no windows-1252 remapping)."""

    DROP = {"script", "style", "title", "template"}
    BLOCK = set(
        "address article aside blockquote body br caption center dd details dialog dir div "
        "dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li "
        "main menu nav ol option p pre section summary table tbody td tfoot th thead tr "
        "ul".split())
    # libxml2 2.9: start tags that close a head (htmlStartClose), and
    # elements without content (a text after them is directly in the head)
    HEAD_CLOSERS = set(
        "a abbr acronym address b bdo big blockquote body br center cite code dd dfn dir div "
        "dl dt em fieldset font form frameset h1 h2 h3 h4 h5 h6 hr i iframe img kbd li "
        "listing map menu ol p pre q s samp small span strike strong sub sup table tt u ul "
        "var xmp".split())
    VOID = set("area base basefont br col frame hr img input isindex link meta param".split())
    HEAD_IMPLIERS = {"script", "style", "meta", "link", "title", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.drop = []  # open dropped elements
        self.line = self.space = False
        self.phase = "init"  # init, head, after_head, body
        self.head_open = []  # elements open inside the head
        self.closing = False
        self.seen = False  # an element or text seen: <html> is misplaced
        self.misplaced = 0  # ignored html/body/head start tags

    def close(self):
        self.closing = True
        super().close()

    def parse_comment(self, i, report=1):
        k = super().parse_comment(i, report)
        if k < 0 and self.closing:
            return len(self.rawdata)  # never closed: a comment to the end
        return k

    def parse_html_declaration(self, i):
        # libxml2 knows <!DOCTYPE and comments only: any other <! (<!Pam>,
        # IE's <![if !vml]>, <![CDATA[) is text
        if self.rawdata[i:i + 4] == "<!--" or self.rawdata[i + 2:i + 9].lower() == "doctype":
            return super().parse_html_declaration(i)
        self.handle_data("<!")
        return i + 2

    def parse_pi(self, i):
        c = self.rawdata[i + 2:i + 3]
        if c and not (c.isascii() and (c.isalpha() or c in "_:")):
            return i + 2  # libxml2: no target name, no PI: "<?" dropped, text
        k = super().parse_pi(i)
        return len(self.rawdata) if k < 0 and self.closing else k

    def parse_starttag(self, i):
        k = super().parse_starttag(i)
        return len(self.rawdata) if k < 0 and self.closing else k

    def parse_endtag(self, i):
        if not self.rawdata[i + 2:i + 3].isascii() or not self.rawdata[i + 2:i + 3].isalpha():
            return i + 2  # libxml2: "</" without a name is dropped, the rest is text
        k = super().parse_endtag(i)
        return len(self.rawdata) if k < 0 and self.closing else k

    def _misplaced(self, tag):
        """True for a start tag libxml2 ignores ("misplaced <html> tag")."""
        bad = (tag == "html" and self.seen) or (tag == "body" and self.phase == "body") or \
            (tag == "head" and self.phase in ("head", "body"))
        self.seen = True
        if bad:
            self.misplaced += 1
        return bad

    def _head_start(self, tag):
        """A start tag seen before the body; True if it is the head's."""
        if self.phase == "head":
            if tag in ("head", "html"):
                return True  # misplaced: ignored
            if not self.head_open and tag in self.HEAD_CLOSERS:
                self.phase = "body"
                return False
            if tag not in self.VOID:
                self.head_open.append(tag)
            return True
        if tag == "head":
            self.phase, self.head_open = "head", []
            return True
        if tag == "html":
            return True
        if tag in self.HEAD_IMPLIERS:
            if self.phase == "init":
                self.phase, self.head_open = "head", []
                return self._head_start(tag)
            return False
        self.phase = "body"
        return False

    def handle_starttag(self, tag, attrs):
        if self._misplaced(tag):
            return
        if self.phase != "body" and self._head_start(tag):
            return
        if self.drop:
            if tag in self.DROP:
                self.drop.append(tag)
            return
        if tag in self.DROP:
            self.drop.append(tag)
        elif tag in self.BLOCK:
            self.line, self.space = True, False

    def handle_startendtag(self, tag, attrs):
        if tag in ("html", "body", "head") and self._misplaced(tag):
            self.misplaced -= 1  # <body/>: start and end
            return
        self.seen = True
        if self.phase != "body":
            if self.phase == "head" and self.head_open:
                return
            if self._head_start(tag):
                if self.head_open and self.head_open[-1] == tag:
                    self.head_open.pop()
                return
        if not self.drop and tag in self.BLOCK:
            self.line, self.space = True, False

    def handle_endtag(self, tag):
        if self.misplaced and tag in ("html", "body", "head"):
            self.misplaced -= 1
            return
        if self.phase == "head":
            if tag == "head":
                self.phase = "after_head"
            elif tag in self.head_open:
                while self.head_open.pop() != tag:
                    pass
            return
        if self.drop:
            if tag in self.drop:
                while self.drop and self.drop.pop() != tag:
                    pass
            return
        if tag in self.BLOCK:
            self.line, self.space = True, False

    def handle_data(self, data):
        if self.phase != "body":
            if WS_ONLY.fullmatch(data) or (self.phase == "head" and self.head_open):
                return
            self.phase = "body"
        if not WS_ONLY.fullmatch(data):
            self.seen = True
        if self.drop:
            return
        for piece in WS_SPLIT.split(data):
            if piece == "":
                continue
            if WS_ONLY.fullmatch(piece):
                if not self.line:
                    self.space = True
                continue
            if self.out and (self.line or self.space):
                self.out.append("\n" if self.line else " ")
            self.line = self.space = False
            self.out.append(piece)


HTML4_ENTITIES = dict(html.entities.name2codepoint, apos=39)
CHARREF = re.compile(r"&(?:#([0-9]+);?|#[xX]([0-9a-fA-F]+);?|([A-Za-z][A-Za-z0-9]*);)")


def _charref(m):
    if m.group(3) is not None:
        c = HTML4_ENTITIES.get(m.group(3))
        return chr(c) if c is not None else m.group(0)
    try:
        c = int(m.group(1), 10) if m.group(1) is not None else int(m.group(2), 16)
    except ValueError:
        return ""
    if c in (9, 10, 13) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or \
            0x10000 <= c <= 0x10FFFF:
        return chr(c)
    return ""  # libxml2: "invalid xmlChar value", nothing


def libxml2_unescape(s):
    """Character references as libxml2 2.9's HTML parser decodes them."""
    return CHARREF.sub(_charref, s) if "&" in s else s


html.parser.unescape = libxml2_unescape  # html.parser decodes text with it

WS_SPLIT = re.compile("([ \t\r\n\f]+)")
WS_ONLY = re.compile("[ \t\r\n\f]+")


HTML_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def html_to_text(s):
    s = HTML_CTRL.sub("", s)
    p = HTMLText()
    try:
        p.feed(s)
        p.close()
    except Exception:
        pass
    return "".join(p.out)


def unflow(s, delsp):
    """RFC 3676: a line ending in a space (not "-- ") joins the next one;
    one leading space (stuffing) goes; DelSp=yes drops the soft space."""
    lines = s.split("\n")
    out = []
    for k, line in enumerate(lines):
        if line.startswith(" "):
            line = line[1:]
        last = k == len(lines) - 1
        soft = line != "-- " and line.endswith(" ") and not last
        if soft and delsp:
            line = line[:-1]
        out.append(line if soft or last else line + "\n")
    return "".join(out)


META_CS = re.compile(rb"(?i)charset=[\"' ]*([A-Za-z0-9_.:-]+)")


def text_part(data, ctype, charset, filename, flowed, delsp):
    """A text part's bytes to its text (doc/search.md)."""
    html_ = ctype == "text/html" if ctype and ctype.startswith("text/") else \
        (filename or "").lower().endswith((".html", ".htm"))
    if charset is None and html_:
        m = META_CS.search(data[:1024])
        if m and m.start() + 8 < min(len(data), 1024):
            charset = m.group(1).decode("ascii")
    s = text_to_str(data, charset)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if flowed and not html_:
        s = unflow(s, delsp)
    if html_:
        return html_to_text(s)
    return s


def part_bytes(part):
    """Decoded content of a leaf (Content-Transfer-Encoding undone).
    base64: content holding 8-bit bytes is not base64 at all (8-bit text
    mislabelled, common in Chinese spam) and is taken as it is; else
    b64decode()."""
    cte = (part.get("content-transfer-encoding") or "").strip().lower()
    if cte == "base64" and not part.is_multipart():
        p = part._payload  # as parsed: 8-bit bytes surrogate-escaped
        try:
            raw = p.encode("ascii", "surrogateescape") if isinstance(p, str) else b""
        except UnicodeError:
            raw = p.encode("raw-unicode-escape")
        if re.search(rb"[\x80-\xff]", raw):
            return raw  # 8-bit text with a wrong label: taken as it is
        return b64decode(raw)
    try:
        b = part.get_payload(decode=True)
    except Exception:
        b = None
    if b is None:
        p = part._payload  # as parsed: 8-bit bytes surrogate-escaped
        try:
            b = p.encode("ascii", "surrogateescape") if isinstance(p, str) else b""
        except UnicodeError:
            b = p.encode("raw-unicode-escape")
    return b


def part_params(part):
    def p(name):
        v = part.get_param(name)
        if isinstance(v, tuple):
            v = email.utils.collapse_rfc2231_value(v)
        return v
    cs = p("charset")
    if cs is not None and len(cs) >= 64:
        cs = None
    return (cs, (p("format") or "").lower() == "flowed", (p("delsp") or "").lower() == "yes")


def part_filename(part, hc):
    """The part's file name (Content-Disposition filename, else
    Content-Type name), decoded (RFC 2231, RFC 2047), or None."""
    for hdr, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = raw_header(part, hdr)
        if raw is None:
            continue
        v = unfold(raw).decode("latin-1")
        params = parse_params(v)
        if any(k.startswith(param + "*") for k in params):
            fn = rfc2231_value(params, param, hc)
        elif param in params:
            fn = decode_header(params[param].encode("latin-1"), hc)
        else:
            continue
        fn = clean(fn)
        if fn:
            return fn
    return None


def parse_params(v):
    params = {}
    for m in re.finditer(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', v):
        k, val = m.group(1).lower(), m.group(2).strip()
        if val.startswith('"'):
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        params.setdefault(k, val)
    return params


def rfc2231_value(params, name, hc):
    pieces = []
    charset = None
    if name + "*" in params:
        pieces.append((0, True, params[name + "*"]))
    for k, val in params.items():
        m = re.fullmatch(re.escape(name) + r"\*(\d+)(\*?)", k)
        if m:
            pieces.append((int(m.group(1)), m.group(2) == "*", val))
    pieces.sort(key=lambda x: x[0])
    data = b""
    for i, (n, enc, val) in enumerate(pieces):
        if enc:
            if i == 0 and val.count("'") >= 2:
                charset, _, val = val.split("'", 2)
            data += re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                           val.encode("latin-1"))
        else:
            data += val.encode("latin-1")
    c = codec_for(charset, header=True)
    return decode(data, c) if c else hc.decode8(data)


def disposition_attachment(part):
    cd = (part.get("content-disposition") or "").split(";")[0].strip().lower()
    return cd == "attachment"


# ---------------------------------------------------------------------------
# Attachment text.

def local(tag):
    return tag.rsplit("}", 1)[-1]


def xml_walk_text(data, text_in, line_end, tabs, breaks, xlsx_cells=False):
    out = []
    st = {"sep": None}

    def put(t):
        if not t or (text_in is not None and st["inside"] == 0):
            return
        if text_in is None and t.strip(" \t\r\n") == "":
            return  # white space between elements
        if st["sep"] and out:
            out.append(st["sep"])
        st["sep"] = None
        out.append(t)

    st["inside"] = 0

    def walk(el, shared):
        tag = local(el.tag)
        if xlsx_cells and tag == "c":
            shared = el.get("t") == "s"
        if tag in tabs:
            st["sep"] = "\t"
        elif tag in breaks:
            st["sep"] = "\n"
        counted = text_in is not None and tag in text_in and not (shared and tag == "v")
        if counted:
            st["inside"] += 1
        put(el.text)
        for ch in el:
            walk(ch, shared)
            put(ch.tail)
        if counted:
            st["inside"] -= 1
        if tag in line_end:
            st["sep"] = "\n"
        elif xlsx_cells and tag == "c" and st["sep"] is None:
            st["sep"] = "\t"

    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return ""
    walk(root, False)
    return "".join(out)


DOCX = ({"t"}, {"p"}, {"tab"}, {"br", "cr"})
PPTX = ({"t"}, {"p"}, set(), {"br", "cr"})
SST = ({"t"}, {"si"}, set(), set())
SHEET = ({"t", "v"}, {"row"}, set(), set())
ODF = (None, {"p", "h"}, {"s", "tab"}, {"line-break"})


def office_rules(name):
    if name in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml",
                "word/comments.xml") or (re.fullmatch(r"word/(header|footer)[^/]*\.xml", name)):
        return DOCX, False
    if name == "xl/sharedStrings.xml":
        return SST, False
    if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
        return SHEET, True
    if (name.startswith("ppt/slides/slide") or name.startswith("ppt/notesSlides/notesSlide")) \
            and name.endswith(".xml"):
        return PPTX, False
    if name == "content.xml":
        return ODF, False
    return None, False


def rtf_text(data):
    s = data.decode("latin-1")
    out = []
    i, n = 0, len(s)
    depth = 0
    skip_depth = None
    codepage = "CP1252"
    pending = b""
    ctl = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)", re.S)

    def flush():
        nonlocal pending
        if pending:
            out.append(decode(pending, codepage))
            pending = b""

    while i < n:
        c = s[i]
        if c == "{":
            depth += 1
            i += 1
        elif c == "}":
            if skip_depth is not None and depth <= skip_depth:
                skip_depth = None
            depth -= 1
            i += 1
        elif c == "\\":
            m = ctl.match(s, i)
            if not m:
                i += 1
                continue
            i = m.end()
            if skip_depth is not None:
                continue
            if m.group(3):
                pending += bytes([int(m.group(3), 16)])
                continue
            flush()
            if m.group(4):
                if m.group(4) == "*":
                    skip_depth = depth
                elif m.group(4) in "{}\\":
                    out.append(m.group(4))
                elif m.group(4) in "\n\r":
                    out.append("\n")
                continue
            word, arg = m.group(1), m.group(2)
            if word in ("fonttbl", "colortbl", "stylesheet", "info", "pict", "object",
                        "fldinst", "themedata", "header", "footer", "generator"):
                skip_depth = depth
            elif word in ("par", "line", "sect", "page", "row"):
                out.append("\n")
            elif word in ("tab", "cell"):
                out.append("\t")
            elif word == "ansicpg" and arg:
                codepage = codec_for("cp" + arg) or "CP1252"
            elif word == "u" and arg:
                v = int(arg)
                out.append(chr((v + 65536 if v < 0 else v) & 0xFFFF))
                if s[i:i + 2] == "\\'":
                    i += 4
                elif i < n and s[i] not in "\\{}":
                    i += 1
        elif c in "\r\n":
            i += 1
        else:
            if skip_depth is None:
                pending += c.encode("latin-1")
            i += 1
    flush()
    return "".join(out)


def pdf_text(data):
    try:
        r = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", "-", "-"], input=data,
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return r.stdout.decode("utf-8", "oracle-one").replace("\f", "\n")


ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
RTF_TYPES = {"application/rtf", "text/rtf", "text/richtext"}
OFFICE_EXT = (".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".pptx", ".pptm", ".ppsx", ".odt",
              ".ods", ".odp")
TEXT_EXT = (".txt", ".csv", ".tsv", ".htm", ".html", ".log", ".md", ".ics", ".vcf")


def kind_of(ctype, filename, data):
    """What an attachment is: by its bytes, then its type, then its name."""
    fn = (filename or "").lower()
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:5] == b"{\\rtf":
        return "rtf"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None
    if ctype in RTF_TYPES:
        return "rtf"
    if ctype == "application/pdf":
        return "pdf"
    if ctype in ZIP_TYPES or (ctype and ("officedocument" in ctype or "opendocument" in ctype)):
        return "zip"
    if ctype and ctype.startswith("text/"):
        return "text"
    if fn.endswith(".pdf"):
        return "pdf"
    if fn.endswith(".rtf"):
        return "rtf"
    if fn.endswith(".zip") or fn.endswith(OFFICE_EXT):
        return "zip"
    if fn.endswith(TEXT_EXT):
        return "text"
    return None


MAX_NEST = 3


def zip_text(data, members, nest):
    """Text of a ZIP, OOXML or ODF package; member names into members
    (when given; none for an office document)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except Exception:
        return ""
    out = []
    names = []
    office = False
    for i in infos:
        # the name's raw bytes (zipfile decoded them as UTF-8 when flag bit
        # 11 is set, else as CP437), UTF-8 when valid, else guessed
        raw = i.orig_filename.encode("utf-8" if i.flag_bits & 0x800 else "cp437")
        name = decode(raw, guess_charset(raw))
        if members is not None:
            nm = clean(name)
            if nm:
                names.append(nm)
        if i.is_dir():
            continue
        rules, sheet = office_rules(i.filename)
        marker = i.filename in ("[Content_Types].xml", "mimetype", "META-INF/manifest.xml")
        try:
            d = z.read(i)
        except Exception:
            continue
        if marker:
            if i.filename == "[Content_Types].xml" or (
                    i.filename == "mimetype" and d.startswith(b"application/vnd.oasis.opendocument")):
                office = True
            continue
        if rules is not None:
            out.append(xml_walk_text(d, *rules, xlsx_cells=sheet))
            continue
        if nest + 1 > MAX_NEST:
            continue
        out.append(attachment_text(None, i.filename, None, False, False, d, None, nest + 1))
    if members is not None and not office:
        members.extend(names)
    return "\n\n".join(t for t in out if t)


def attachment_text(ctype, filename, charset, flowed, delsp, data, members, nest=0):
    if not data:
        return ""
    kind = kind_of(ctype, filename, data)
    if kind == "text":
        return text_part(data, ctype, charset, filename, flowed, delsp)
    if kind == "rtf":
        return rtf_text(data)
    if kind == "pdf":
        return pdf_text(data)
    if kind == "zip":
        return zip_text(data, members, nest)
    return ""


# ---------------------------------------------------------------------------
# A message to its fields (doc/search.md, "How messages become text").

TEXT_MAX = 4 << 20      # text of a message (body, attachments, member names)
ATT_TEXT_MAX = 1 << 20  # text of one attachment


def cut_utf8(s, nbytes):
    b = s.encode("utf-8", "surrogatepass")
    if len(b) <= nbytes:
        return s
    return b[:nbytes].decode("utf-8", "ignore")


class Sink:
    def __init__(self, cap):
        self.parts = []
        self.len = 0
        self.cap = cap


def message_fields(msg):
    """Returns dict field -> text, plus 'n_att'."""
    hc = header_ctx(msg)
    f = {k: [] for k in FIELDS}
    subj = raw_header(msg, "subject")
    if subj is not None:
        f["subject"].append(clean(decode_header(unfold(subj), hc)))
    broken = {}
    for k in ("from", "to", "cc", "bcc"):
        f[k] = ["\n".join((nm + " " + a) if nm else a for nm, a in addresses(msg, k, hc))]
        raws = all_raw_headers(msg, k)
        if not all(address_list_ok(raw) for raw in raws):
            broken[k] = "\n".join(clean(decode_header(unfold(raw), hc)) for raw in raws)
    n_att = 0
    budget = [TEXT_MAX]
    body = Sink(TEXT_MAX)

    def sink_add(sink, text):
        if sink is None or not text:
            return
        sep = 2 if sink.len > 0 else 0
        room = min(sink.cap - sink.len, budget[0])
        t = cut_utf8(clean_lines(text), max(0, room - sep))
        n = len(t.encode("utf-8", "surrogatepass"))
        if n:
            sink.parts.append(t)
            sink.len += sep + n
            budget[0] -= sep + n

    def header_text(m, sink):
        lines = []
        mhc = hc
        for k, v in m._headers:
            k = k.lower()
            if k == "subject":
                lines.append("Subject: " + decode_header(unfold(_raw(v)), mhc))
            elif k in ("from", "to", "cc"):
                addrs = addresses_of(_raw(v), mhc)
                lines.append(k.capitalize() + ":" + ",".join(
                    f" {nm} <{a}>" if nm else f" {a}" for nm, a in addrs))
        sink_add(sink, "".join(x + "\n" for x in lines))

    def walk(part, sink, d):
        nonlocal n_att
        if d > 30:
            return
        ctype = part.get_content_type().lower()
        if part.is_multipart() and ctype != "message/rfc822":
            for p in part.get_payload():
                if isinstance(p, email.message.Message):
                    walk(p, sink, d + 1)
            return
        if ctype.startswith("multipart/"):
            # no child parts (boundary never seen, or only its closing
            # delimiter): the preamble is a text/plain part of the body
            # with the multipart's charset and transfer encoding
            if sink is not None:
                cs = part_params(part)[0]
                sink_add(sink, text_part(part_bytes(part), "text/plain", cs, None, False, False))
            return
        fn = part_filename(part, hc)
        is_att = fn is not None or disposition_attachment(part)
        if ctype == "message/rfc822" and isinstance(part.get_payload(), list):
            inner = part.get_payload()[0] if part.get_payload() else None
            target = sink
            if is_att:
                n_att += 1
                if fn:
                    f["filename"].append(fn)
                target = Sink(ATT_TEXT_MAX)
            if inner is not None and target is not None:
                header_text(inner, target)
                walk(inner, target, d + 1)
            if is_att:
                f["attachment"].append("\n\n".join(target.parts))
            return
        if is_att:
            n_att += 1
            if fn:
                f["filename"].append(fn)
            cs, flowed, delsp = part_params(part)
            members = []
            try:
                t = attachment_text(ctype, fn, cs, flowed, delsp, part_bytes(part), members)
            except Exception:
                t = ""
            room = min(ATT_TEXT_MAX, budget[0])
            t = cut_utf8(clean_lines(t), room)
            budget[0] -= len(t.encode("utf-8", "surrogatepass"))
            f["attachment"].append(t)
            for m in members:
                budget[0] -= min(len(m.encode("utf-8", "surrogatepass")), budget[0])
            f["filename"].extend(members)
            return
        if ctype.startswith("text/") and sink is not None:
            cs, flowed, delsp = part_params(part)
            sink_add(sink, text_part(part_bytes(part), ctype, cs, None, flowed, delsp))

    walk(msg, body, 0)
    f["body"] = body.parts
    r = {k: ("\n\n" if k in ("body", "attachment") else "\n").join(x for x in v if x)
         for k, v in f.items()}
    r["n_att"] = n_att
    r["broken"] = broken
    return r


BAD_ADDR = re.compile(r"[\s:;<>(),\[\]\\]")
ATOM_BAD = re.compile(r"[\x00-\x20\x7f\"(),:;<>@\[\]\\]")


def _addr_tokens(v):
    """RFC 5322 lexical tokens of an address list: ("w", atom or quoted
    string or domain literal) and the specials <>@,;: (comments and white
    space dropped), or None if the text is not made of them."""
    toks, i, n = [], 0, len(v)
    while i < n:
        c = v[i]
        if c in " \t\r\n":
            i += 1
        elif c == "(":
            depth = 0
            while i < n:
                if v[i] == "\\":
                    i += 1
                elif v[i] == "(":
                    depth += 1
                elif v[i] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if i >= n:
                return None
            i += 1
        elif c in '"[':
            end = '"' if c == '"' else "]"
            j = i + 1
            while j < n and v[j] != end:
                j += 2 if v[j] == "\\" else 1
            if j >= n:
                return None
            toks.append(("w", v[i:j + 1]))
            i = j + 1
        elif c in "<>@,;:":
            toks.append((c, c))
            i += 1
        else:
            m = ATOM_BAD.search(v, i)
            j = m.start() if m else n
            if j == i:
                return None  # a stray ) ] \ or control character
            toks.append(("w", v[i:j]))
            i = j
    return toks


def address_list_ok(raw):
    """True if an address field's value is an RFC 5322 address list (with
    the obsolete forms, RFC 6532's non-ASCII text, empty elements).
    custos reads other values with GMime's recovery, which doc/search.md
    does not describe: the oracle test tolerates the differences that hinge
    on such a field (hinges_on_broken_address), and only those."""
    toks = _addr_tokens(unfold(raw).decode("utf-8", "surrogateescape"))
    if toks is None:
        return False
    pos = 0

    def kind():
        return toks[pos][0] if pos < len(toks) else None

    def addr_spec():
        nonlocal pos
        if kind() != "w":
            return False
        pos += 1
        if kind() != "@":
            return False
        pos += 1
        if kind() != "w":
            return False
        pos += 1
        return True

    def mailbox():
        nonlocal pos
        words = 0
        while kind() == "w":
            pos += 1
            words += 1
        if kind() == "<":
            pos += 1
            while kind() == "@":  # obs-route "@a,@b:"
                pos += 1
                if kind() != "w":
                    return False
                pos += 1
                if kind() == ",":
                    pos += 1
                    continue
                if kind() == ":":
                    pos += 1
                break
            if not addr_spec() or kind() != ">":
                return False
            pos += 1
            return True
        if words == 1 and kind() == "@":
            pos -= 1
            return addr_spec()
        return False

    while pos < len(toks):
        if kind() == ",":
            pos += 1
            continue
        start = pos
        while kind() == "w":
            pos += 1
        if kind() == ":" and pos > start:  # a group
            pos += 1
            while kind() not in (";", None):
                if kind() == ",":
                    pos += 1
                elif not mailbox():
                    return False
            if kind() != ";":
                return False
            pos += 1
        else:
            pos = start
            if not mailbox():
                return False
        if kind() not in (",", None):
            return False
    return True


def addresses_of(raw, hc):
    v = unfold(raw).decode("latin-1")
    r = []
    for nm, addr in email.utils.getaddresses([v]):
        nm = clean(decode_header(nm.encode("latin-1"), hc))
        addr = clean(hc.decode8(addr.encode("latin-1")))
        local, at, domain = addr.rpartition("@")
        if at and not (local and domain):
            continue  # "@domain", "local@": not an addr-spec
        if addr and not BAD_ADDR.search(addr):  # not an addr-spec
            r.append((nm, addr))
    return r


# ---------------------------------------------------------------------------
# Normalisation and words (doc/search.md, "How text becomes words").

CJK_RANGES = (
    (0x1100, 0x11FF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B),
    (0x3040, 0x309F), (0x30A0, 0x30FF), (0x3100, 0x312F), (0x3130, 0x318F),
    (0x31A0, 0x31BF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF), (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF),
    (0x2CEB0, 0x2EBEF), (0x2F800, 0x2FA1F), (0x30000, 0x3134F), (0x31350, 0x323AF),
)


def is_cjk(ch):
    """Han, kana, Bopomofo, Hangul: the ranges of doc/search.md, assigned
    or not."""
    o = ord(ch)
    if o < 0x1100:
        return False
    for lo, hi in CJK_RANGES:
        if lo <= o <= hi:
            return True
    return False


def is_word_char(ch):
    c = unicodedata.category(ch)
    return c[0] in "LMN"


def normalise(s):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())


SEP = "\x01"
TOKEN_MAX = 128
def segments(s):
    """Normalised text to its segments: ("w", word) and ("c", cjk run)."""
    s = normalise(s)
    segs = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if is_cjk(ch):
            j = i
            run = []
            while j < n:
                if is_cjk(s[j]):
                    run.append(s[j])
                    j += 1
                elif s[j] == "\n" and run and j + 1 < n and is_cjk(s[j + 1]):
                    j += 1
                elif (s[j] == "\r" and s[j + 1:j + 2] == "\n" and run and j + 2 < n
                      and is_cjk(s[j + 2])):
                    j += 2
                else:
                    break
            segs.append(("c", "".join(run)))
            i = j
        elif is_word_char(ch):
            j = i
            while j < n and is_word_char(s[j]) and not is_cjk(s[j]):
                j += 1
            w = s[i:j]
            if len(w.encode("utf-8")) <= TOKEN_MAX:
                segs.append(("w", w))
            i = j
        else:
            i += 1
    return segs


def canon(s):
    """A field's text as SEP-separated segments: substring search on it
    is the matching rule."""
    if not s:
        return ""
    return SEP + SEP.join(t for _, t in segments(s)) + SEP


def pattern(segs):
    if not segs:
        return None
    body = SEP.join(t for _, t in segs)
    if len(segs) == 1 and segs[0][0] == "c":
        return body
    pre = "" if segs[0][0] == "c" else SEP
    post = "" if segs[-1][0] == "c" else SEP
    return pre + body + post


# ---------------------------------------------------------------------------
# Reading the export (in 2 processes).

FIELD_LINE = re.compile(rb"([!-9;-~]+)[ \t]*:")
LINE = re.compile(rb"[^\n]*\n|[^\n]+")
LONE_CR = re.compile(rb"\r(?!\n$)")


def header_fixed(data):
    """The message as Python's parser should see it (doc/search.md): the
    header section ends at the first empty line; a line in it that is
    neither a field nor a continuation is skipped. When no empty line ends
    it, the body starts at the first such line. Field names lose the
    spaces before their colon (Python would end the header section at
    "Name :")."""
    keep = []
    pos = 0
    lines = LINE.findall(data)
    empty = any(ln in (b"\n", b"\r\n") for ln in lines)
    for ln in lines:
        pos += len(ln)
        if ln in (b"\n", b"\r\n"):
            break
        if ln[:1] in (b" ", b"\t"):
            keep.append(LONE_CR.sub(b" ", ln))
            continue
        m = FIELD_LINE.match(ln)
        if m:
            # a lone CR is no line end in a header section (Python's parser
            # would end the section there)
            keep.append(m.group(1) + b":" + LONE_CR.sub(b" ", ln[m.end():]))
        elif not empty:
            pos -= len(ln)  # the body starts here
            break
    if not keep or not keep[-1].endswith(b"\n"):
        keep.append(b"\n")
    return b"".join(keep) + b"\n" + data[pos:]


class LastWins(email.message.Message):
    """A field that describes content, given twice, counts as the last one
    (GMime); Python's Message.get() gives the first. PROPOSED for
    doc/search.md, which does not say (Subject and Date: the first; address
    fields: all of them)."""

    LAST = ("content-type", "content-transfer-encoding", "content-disposition")

    def get(self, name, failobj=None):
        name = name.lower()
        if name in self.LAST:
            for k, v in reversed(self._headers):
                if k.lower() == name:
                    return self.policy.header_fetch_parse(k, v)
            return failobj
        return super().get(name, failobj)


def parse_message(data):
    msg = email.message_from_bytes(header_fixed(data), _class=LastWins,
                                   policy=email.policy.compat32)
    fix_part_headers(msg, 0)
    return msg


def fix_part_headers(msg, depth):
    """The header section rule of header_fixed() for the parts of a
    multipart too: where Python's parser ended a part's header section at
    a line that is no field, the part is read again."""
    if depth > 30 or not msg.is_multipart():
        return
    for part in msg.get_payload():
        if not isinstance(part, email.message.Message):
            continue
        if not part.is_multipart() and isinstance(part._payload, str) and any(
                isinstance(d, email.errors.MissingHeaderBodySeparatorDefect)
                for d in part.defects):
            raw = b"".join(_raw(k) + b": " + _raw(v) + b"\n" for k, v in part._headers)
            sub = email.message_from_bytes(
                header_fixed(raw + part._payload.encode("ascii", "surrogateescape")),
                _class=LastWins, policy=email.policy.compat32)
            part._headers, part._payload = sub._headers, sub._payload
            if sub.is_multipart():
                part.set_default_type(sub.get_default_type())
        fix_part_headers(part, depth + 1)


def load_one(item):
    mid, path = item
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        msg = parse_message(data)
        f = message_fields(msg)
        date = header_date(msg)
        err = None
    except Exception as e:  # the oracle must not die on one message
        f = {k: "" for k in FIELDS}
        f["n_att"] = 0
        f["broken"] = {}
        date = None
        err = repr(e)
    rec = {k: canon(f[k]) for k in FIELDS}
    rec["date"] = date
    rec["n_att"] = f["n_att"]
    rec["broken"] = {k: canon(v) for k, v in f["broken"].items()}
    rec["error"] = err
    return mid, rec


def load_export(export, jobs=2, ids=None):
    man = json.load(open(os.path.join(export, "manifest.json")))
    items = [(m["id"], os.path.join(export, m["file"])) for m in man["messages"]
             if ids is None or m["id"] in ids]
    paths = dict(items)
    if jobs > 1 and len(items) > 50:
        with multiprocessing.Pool(jobs) as pool:
            recs = dict(pool.imap_unordered(load_one, items, chunksize=64))
    else:
        recs = dict(map(load_one, items))
    return recs, paths


# ---------------------------------------------------------------------------
# Queries (doc/search.md, "Query language").

class QueryError(Exception):
    pass


FIELD_NAMES = {"subject", "from", "to", "cc", "bcc", "body", "attachment", "filename",
               "participant"}
PARTICIPANT = ("from", "to", "cc", "bcc")


def lex(q):
    toks = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            toks.append((c, None, None, False))
            i += 1
            continue
        if c == "|":
            toks.append(("OR", None, None, False))
            i += 1
            continue
        neg = False
        if c == "-" and i + 1 < n and not q[i + 1].isspace():
            if q[i + 1] == "(":
                toks.append(("NOT", None, None, False))
                i += 1
                continue
            neg = True
            i += 1
        m = re.compile(r"([A-Za-z]+):").match(q, i)
        field = None
        if m and m.group(1).lower() in FIELD_NAMES | {"has", "after", "before", "on"}:
            field = m.group(1).lower()
            i = m.end()
        if i < n and q[i] == '"':
            j = q.find('"', i + 1)
            if j < 0:
                raise QueryError("unclosed quote")
            val, i = q[i + 1:j], j + 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in "()":
                j += 1
            val, i = q[i:j], j
        quoted = i > 0 and q[i - 1] == '"'
        if field is None and not neg and not quoted and val in ("OR", "AND", "NOT"):
            if val != "AND":
                toks.append((val, None, None, False))
        else:
            toks.append(("term", field, val, neg))
    return toks


def day_start(s):
    try:
        d = datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise QueryError("bad date " + s)
    return int(d.timestamp())


class Evaluator:
    def __init__(self, recs):
        self.recs = recs
        self.all = set(recs)
        self.why = {}

    def term(self, field, val):
        if field == "has":
            if val != "attachment":
                raise QueryError("has:" + val)
            return {i for i, r in self.recs.items() if r["n_att"] > 0}
        if field in ("after", "before", "on"):
            t = day_start(val)
            if field == "after":
                return {i for i, r in self.recs.items() if r["date"] is not None and r["date"] >= t}
            if field == "before":
                return {i for i, r in self.recs.items() if r["date"] is not None and r["date"] < t}
            return {i for i, r in self.recs.items()
                    if r["date"] is not None and t <= r["date"] < t + 86400}
        pat = pattern(segments(val))
        if pat is None:
            return set()
        fields = (FIELDS if field is None else PARTICIPANT if field == "participant"
                  else (field,))
        hit = set()
        for i, r in self.recs.items():
            for f in fields:
                k = r[f].find(pat)
                if k >= 0:
                    hit.add(i)
                    if i not in self.why:
                        snip = r[f][max(0, k - 30):k + len(pat) + 30].replace(SEP, " ").strip()
                        self.why[i] = f"{f}: …{snip}…"
                    break
        return hit

    def run(self, q):
        self.toks = lex(q)
        self.pos = 0
        r = self.or_expr()
        if self.pos != len(self.toks):
            raise QueryError("unexpected " + str(self.toks[self.pos][0]))
        return r

    def peek(self):
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def or_expr(self):
        r = self.and_expr()
        while self.peek() is not None and self.peek()[0] == "OR":
            self.pos += 1
            r = r | self.and_expr()
        return r

    def and_expr(self):
        r = None
        while self.peek() is not None and self.peek()[0] in ("term", "(", "NOT"):
            t = self.unary()
            r = t if r is None else r & t
        if r is None:
            raise QueryError("empty expression")
        return r

    def unary(self):
        t = self.peek()
        self.pos += 1
        if t[0] == "NOT":
            if self.peek() is None:
                raise QueryError("NOT at the end")
            return self.all - self.unary()
        if t[0] == "(":
            r = self.or_expr()
            if self.peek() is None or self.peek()[0] != ")":
                raise QueryError("missing )")
            self.pos += 1
            return r
        _, field, val, neg = t
        s = self.term(field, val)
        return self.all - s if neg else s


# ---------------------------------------------------------------------------
# custos.

def hinges_on_broken_address(q, rec, custos_has):
    """True if custos's answer for this message is what the oracle answers
    when one of its broken address fields (address_list_ok) is read as
    nothing, or as all of its decoded text: the difference comes from how
    that field is recovered, which doc/search.md leaves to GMime."""
    if not rec["broken"]:
        return False
    variants = [{}, {k: "" for k in rec["broken"]}, dict(rec["broken"])]
    for k, v in rec["broken"].items():
        variants += [{k: ""}, {k: v}]
    for change in variants[1:]:
        r = dict(rec, **change)
        if (0 in Evaluator({0: r}).run(q)) == custos_has:
            return True
    return False


def raw_header_text(path, name):
    msg = parse_message(open(path, "rb").read())
    return " | ".join(unfold(v).decode("utf-8", "replace")[:120]
                      for v in all_raw_headers(msg, name))


def custos_ids(custos, archive, q):
    ids, total, cursor = [], None, None
    while True:
        cmd = [custos, "-d", archive, "search", "--json", "--limit", "10000"]
        if cursor:
            cmd += ["--cursor", cursor]
        cmd += ["--", q]
        r = subprocess.run(cmd, capture_output=True)
        if r.returncode != 0:
            return None, None, r.stderr.decode("utf-8", "replace").strip()
        d = json.loads(r.stdout)
        if total is None:
            total = d["total"]
        ids.extend(x["id"] for x in d["results"])
        cursor = d.get("next")
        if not cursor:
            break
    return ids, total, None


def read_queries(path):
    qs = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        qs.append(line.strip())
    return qs


def cmd_compare(a):
    t0 = time.time()
    recs, paths = load_export(a.export, a.jobs)
    bad = [i for i, r in recs.items() if r["error"]]
    print(f"oracle: {len(recs)} messages decoded in {time.time() - t0:.1f} s"
          + (f", {len(bad)} failed (e.g. id {bad[0]}: {recs[bad[0]]['error']})" if bad else ""))
    qs = read_queries(a.queries)
    fails = tolerated = 0
    rows = []
    for q in qs:
        ev = Evaluator(recs)
        try:
            want = ev.run(q)
        except QueryError as e:
            print(f"FAIL {q!r}: the oracle cannot parse it: {e}")
            fails += 1
            continue
        got, total, err = custos_ids(a.custos, a.archive, q)
        if got is None:
            print(f"FAIL {q!r}: custos search failed: {err}")
            rows.append((q, len(want), "error", 0))
            fails += 1
            continue
        gs = set(got)
        problems = []
        if len(gs) != len(got):
            problems.append(f"custos returned {len(got) - len(gs)} duplicate ids")
        if total != len(got):
            problems.append(f"custos total {total} != {len(got)} results")
        missing, extra = sorted(want - gs), sorted(gs - want)
        tol = [i for i in missing + extra if hinges_on_broken_address(q, recs[i], i in gs)]
        rows.append((q, len(want), len(gs), len(tol)))
        for i in tol:
            tolerated += 1
            print(f"tolerated {q!r}: {'extra' if i in gs else 'missed'} {i} {paths[i]}: "
                  f"hinges on an address field that is not RFC 5322: "
                  + "; ".join(f"{k}: {raw_header_text(paths[i], k)}" for k in recs[i]["broken"]))
        missing = [i for i in missing if i not in tol]
        extra = [i for i in extra if i not in tol]
        if missing or extra or problems:
            fails += 1
            print(f"FAIL {q!r}: oracle {len(want)}, custos {len(gs)}; "
                  f"{len(missing)} missed, {len(extra)} extra; " + "; ".join(problems))
            for i in missing[:10]:
                print(f"  missed {i} {paths[i]}  ({ev.why.get(i, '?')})")
            for i in extra[:10]:
                print(f"  extra  {i} {paths[i]}  (oracle finds no match)")
    print()
    w = max(len(q) for q, _, _, _ in rows) if rows else 5
    print(f"{'query':<{w}}  {'oracle':>7}  {'custos':>7}")
    for q, o, c, t in rows:
        mark = f"  ({t} tolerated)" if t else "" if o == c else "  <--"
        print(f"{q:<{w}}  {o:>7}  {c:>7}{mark}")
    print(f"\n{len(qs)} queries, {fails} with differences, {tolerated} tolerated message "
          f"differences (address fields that are not RFC 5322), {time.time() - t0:.1f} s")
    # Agreement on nothing proves nothing: an empty export, or queries that
    # match no message on either side, must not pass as a comparison.
    if not recs or not any(isinstance(o, int) and o > 0 for _, o, _, _ in rows):
        print(f"FAIL: {len(recs)} messages, no query found anything: nothing was compared")
        fails += 1
    return 1 if fails else 0


def cmd_query(a):
    recs, paths = load_export(a.export, a.jobs)
    for q in a.query:
        ev = Evaluator(recs)
        r = ev.run(q)
        print(f"{q!r}: {len(r)}")
        for i in sorted(r)[: a.show]:
            print(f"  {i} {paths[i]}  ({ev.why.get(i, '')})")


def cmd_show(a):
    man = json.load(open(os.path.join(a.export, "manifest.json")))
    files = {m["id"]: os.path.join(a.export, m["file"]) for m in man["messages"]}
    for i in a.ids:
        msg = parse_message(open(files[i], "rb").read())
        f = message_fields(msg)
        print(f"== {i} {files[i]} date={header_date(msg)} n_att={f['n_att']}")
        for k in FIELDS:
            if f[k]:
                print(f"-- {k}:\n{f[k][:a.chars]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--export", required=True)
    c.add_argument("--queries", required=True)
    c.add_argument("--custos", required=True)
    c.add_argument("--archive", required=True)
    c.add_argument("--jobs", type=int, default=2)
    q = sub.add_parser("query")
    q.add_argument("--export", required=True)
    q.add_argument("--jobs", type=int, default=2)
    q.add_argument("--show", type=int, default=5)
    q.add_argument("query", nargs="+")
    s = sub.add_parser("show")
    s.add_argument("--export", required=True)
    s.add_argument("--chars", type=int, default=3000)
    s.add_argument("ids", type=int, nargs="+")
    a = ap.parse_args()
    return {"compare": cmd_compare, "query": cmd_query, "show": cmd_show}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
