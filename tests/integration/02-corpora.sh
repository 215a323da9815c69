#!/bin/bash
# 02-corpora: byte-exact round trip of every message of every mail corpus in
# ../shared/corpora and of a generated corpus: import, then check that the
# set of archived message hashes is exactly the set an independent oracle
# derives from the files, that `custos export` writes every message back
# byte for byte, and that the archive verifies.
. "$TESTLIB"
[ -d "$CORPORA" ] || skip "../shared/corpora is absent"

# The oracle: sha256 of each message as the files define it. A file that
# does not start with "From " is one message, its bytes as they are. A file
# that does is an mbox; it is split at strict From_ lines (ctime date), each
# message losing the blank line before the next From_ line (or the end) and
# one '>' of ^>+From lines (mboxrd) -- the documented rule of
# src/intake/mbox.c restricted to well-formed files, which these are.
cat >"$T/oracle.py" <<'PY'
import hashlib, os, re, sys
from_line = re.compile(rb"^From \S+ +(?:\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}|\w{3}, \d{1,2} \w{3} \d{4} .*)")
quoted = re.compile(rb"^>+From ")
def messages(path):
    data = open(path, "rb").read()
    if data.startswith(b"\xef\xbb\xbfFrom "):
        data = data[3:]  # a BOM before the first From_ line is mbox framing
    if not data.startswith(b"From "):
        yield data
        return
    lines = data.splitlines(keepends=True)
    cur = None
    def done(msg):
        if msg.endswith(b"\r\n\r\n"): msg = msg[:-2]
        elif msg.endswith(b"\n\n"): msg = msg[:-1]
        return msg
    for i, ln in enumerate(lines):
        if ln.startswith(b"From ") and (i == 0 or from_line.match(ln)):
            if cur is not None:
                yield done(b"".join(cur))
            cur = []
            continue
        if quoted.match(ln):
            ln = ln[1:]
        cur.append(ln)
    if cur is not None:
        yield done(b"".join(cur))
root, out = sys.argv[1], sys.argv[2]
eml_only = os.environ.get("ORACLE_EML_ONLY") == "1"
with open(out, "w") as o:
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if f.startswith(".") or os.path.islink(p):
                continue
            if eml_only:
                with open(p, "rb") as fh:
                    if fh.read(8).lstrip(b"\xef\xbb\xbf").startswith(b"From "):
                        continue
            for m in messages(p):
                o.write(hashlib.sha256(m).hexdigest() + "\t" + p + "\n")
PY

# check_corpus NAME DIR ALLOW: ALLOW is a regex of file names that may be
# refused as not being mail (empty: none may); with ALLOW empty the archive
# must also hold nothing the oracle does not know.
check_corpus() {
  local name=$1 dir=$2 strict=$3 a="$T/arch-$1"
  "$CUSTOS" init "$a" >/dev/null
  local rc=0
  "$CUSTOS" -d "$a" import --json "$dir" >"$T/$name.json" 2>"$T/$name.err" || rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$name: import exit $rc: $(tail -3 "$T/$name.err")"
  ORACLE_EML_ONLY=${EML_ONLY:-0} python3 "$T/oracle.py" "$dir" "$T/$name.oracle"
  sqlite3 "$a/custos.db" "SELECT substr(hash, 8) FROM messages" | sort -u >"$T/$name.got"
  python3 - "$T/$name.json" "$T/$name.oracle" "$T/$name.got" "$strict" "$name" <<'PY' || fail "$name: oracle mismatch"
import json, sys
summary = json.load(open(sys.argv[1]))
refused = {f["origin"].split("@")[0] for f in summary["failures"]}
for f in summary["failures"]:
    assert len(f["reason"]) > 8, f
import os, re
allow = sys.argv[4]
strict = allow == ""
for f in summary["failures"]:
    base = os.path.basename(f["origin"].split("@")[0])
    assert allow and re.search(allow, base), ("refused", f)
want = set()
for line in open(sys.argv[2]):
    h, path = line.rstrip("\n").split("\t", 1)
    if path in refused:
        continue
    want.add(h)
got = {l.strip() for l in open(sys.argv[3]) if l.strip()}
missing = want - got
extra = got - want
if missing:
    print(f"{len(missing)} messages missing, e.g. " + ", ".join(sorted(missing)[:3]))
if strict and extra:
    print(f"{len(extra)} archived messages the oracle does not know")
assert not missing and (not strict or not extra)
print(f"{sys.argv[5]}: {len(got)} distinct messages archived byte-exact, "
      f"{summary['duplicate']} duplicates, {summary['failed']} refused, "
      f"{summary['flagged']} flagged")
PY
  # export everything and compare bytes with the manifest's hashes
  "$CUSTOS" -d "$a" export --quiet --out "$T/$name.export" >/dev/null || fail "$name: export"
  (cd "$T/$name.export/messages" && ls | xargs sha256sum) | cut -d' ' -f1 | sort -u >"$T/$name.exported"
  cmp -s "$T/$name.exported" "$T/$name.got" || fail "$name: exported bytes differ from the archive's hashes"
  "$CUSTOS" -d "$a" verify --quiet || fail "$name: verify"
  rm -rf "$T/$name.export" "$a"
}

"$CUSTOS" gen --seed 7 --count 1500 --format eml --out "$T/gen" >/dev/null || fail "gen"
check_corpus generated "$T/gen" ""
check_corpus trec06c "$(need_corpus chinese-trec06c-subset)" "^index$"
check_corpus charset "$(need_corpus chinese-charset-real-mime)" "^index$"
check_corpus spamassassin "$(need_corpus english-spamassassin-public-corpus)" ""
check_corpus apache "$(need_corpus english-apache-mailing-lists-mbox)" "\\.md$"
# mixed fixtures (mbox edge cases are covered by the splitter's unit tests)
EML_ONLY=1 check_corpus mime-edge "$(need_corpus mime-edge-cases)" "."
check_corpus trec06p "$(need_corpus english-trec06p)" "^index$"
ok "every corpus round-trips byte for byte"
