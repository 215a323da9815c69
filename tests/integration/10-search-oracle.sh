#!/bin/bash
# 10-search-oracle: issue 3's "the oracle is the spec". An archive of real
# Chinese mail (trec06c subset: GB2312/GBK; charset-real-mime: GB2312, Big5,
# GBK), real English mail (SpamAssassin public corpus) and generated mail
# (custos gen: zh-CN/zh-TW/en/ja in UTF-8, GB2312, GBK, GB18030, Big5,
# ISO-2022-JP, PDF/DOCX/XLSX/ZIP/CSV attachments) is exported (every third
# trec06c file only, so that the test fits CI under ASan); the
# independent oracle (tests/oracle/oracle.py, Python's standard library)
# decodes the exported files and answers every query of
# tests/oracle/queries.txt by substring search; `custos search` must return
# exactly the same messages for each (and a total equal to what it lists).
# Any difference fails the test, after all queries ran, with the differing
# messages printed.
. "$TESTLIB"
[ -d "$CORPORA" ] || skip "../shared/corpora is absent"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v pdftotext >/dev/null || skip "pdftotext (poppler-utils) is not installed"
ORACLE="$SRCDIR/tests/oracle"

A="$T/a"
"$CUSTOS" init "$A" >/dev/null || fail "init"
import_dir() { # import_dir NAME DIR: refusals (non-mail files) are fine
  local rc=0
  "$CUSTOS" -d "$A" import --quiet "$2" >"$T/$1.out" 2>"$T/$1.err" || rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$1: import exit $rc: $(tail -3 "$T/$1.err")"
}
SECONDS=0
TREC=$(need_corpus chinese-trec06c-subset)
# every third file, in a fixed order (the others are deleted from the copy)
find "$TREC" -type f | LC_ALL=C sort | awk 'NR % 3 != 1' | xargs -r rm -f
import_dir trec06c "$TREC"
import_dir charset "$(need_corpus chinese-charset-real-mime)"
import_dir spamassassin "$(need_corpus english-spamassassin-public-corpus)"
rm -rf "$T/corpora"
"$CUSTOS" gen --seed 11 --count 3000 --format eml --out "$T/gen" >/dev/null || fail "gen"
import_dir generated "$T/gen"
rm -rf "$T/gen"
echo "imported in ${SECONDS}s"

SECONDS=0
"$CUSTOS" -d "$A" export --quiet --out "$T/export" >/dev/null || fail "export"
echo "exported in ${SECONDS}s"

python3 "$ORACLE/oracle.py" compare --export "$T/export" --queries "$ORACLE/queries.txt" \
  --custos "$CUSTOS" --archive "$A" || fail "custos search and the oracle disagree (see above)"
ok "custos search finds exactly what the oracle finds"
