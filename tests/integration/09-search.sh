#!/bin/bash
# 09-search: custos search and reindex end to end on a small hand-made
# archive: Chinese in legacy charsets (one character, two, four; a CJK word
# wrapped across a line break), HTML without its script, fields, dates,
# exclusion, OR, cursor paging with exact counts, query errors with their
# column, the index checked by verify, rebuilt by reindex to the same
# answers, and an incomplete index refused rather than trusted.
# (The exhaustive comparison against an independent oracle is 10-search-oracle.)
. "$TESTLIB"

A="$T/a"
"$CUSTOS" init "$A" >/dev/null
export CUSTOS_ARCHIVE="$A"
mkdir -p "$T/in"

# msg FILE FROM TO DATE SUBJECT BODY [CHARSET [CTE [TYPE]]]: body bytes as given
msg() {
  local f=$1 from=$2 to=$3 date=$4 subj=$5 body=$6 cs=${7:-utf-8} type=${9:-text/plain}
  {
    printf 'From: %s\nTo: %s\nDate: %s\nSubject: %s\nMessage-ID: <%s@test>\n' \
      "$from" "$to" "$date" "$subj" "$(basename "$f" .eml)"
    printf 'MIME-Version: 1.0\nContent-Type: %s; charset=%s\nContent-Transfer-Encoding: 8bit\n\n' "$type" "$cs"
    printf '%s\n' "$body"
  } >"$T/in/$f"
}
gbk() { printf '%s' "$1" | iconv -f UTF-8 -t GBK; }
big5() { printf '%s' "$1" | iconv -f UTF-8 -t BIG5; }

msg 1.eml 'Alice Wang <alice.wang@hengxin-fund.example>' 'bob@client.example' \
  'Mon, 02 Mar 2026 09:00:00 +0000' 'Quarterly fund report' \
  "$(gbk '恒信基金有限公司季度报告，请查收。')" gb2312
msg 2.eml 'bob@client.example' 'alice.wang@hengxin-fund.example' \
  'Tue, 03 Mar 2026 10:00:00 +0000' 'Re: Quarterly fund report' \
  "$(big5 '收到，謝謝。基金淨值已確認。')" big5
msg 3.eml 'carol@hengxin-fund.example' 'dave@hengxin-fund.example' \
  'Wed, 04 Feb 2026 08:00:00 +0000' 'lunch' \
  "$(printf '今天中午一起吃饭吗？有限公\n司的会议改到下午。')"
msg 4.eml 'eve@phish.example' 'alice.wang@hengxin-fund.example' \
  'Thu, 05 Mar 2026 23:00:00 +0000' 'Verify your mailbox' \
  '<html><head><style>.x{color:red}</style><script>var secretword=1;</script></head><body><p>Please <b>verify</b> your account</p></body></html>' \
  utf-8 8bit text/html
for i in $(seq 10 39); do
  msg "$i.eml" "robot@hengxin-fund.example" "ops@hengxin-fund.example" \
    "Sun, 01 Mar 2026 $(printf %02d $((i % 24))):00:00 +0000" "daily report $i" "nightly batch finished ok"
done
"$CUSTOS" import --quiet "$T/in" || fail "import"

count() { "$CUSTOS" search --count "$@"; }
expect() { # expect N QUERY...
  local want=$1; shift
  local got
  got=$(count "$@") || fail "search $* failed"
  [ "$got" = "$want" ] || fail "search '$*': $got messages, expected $want"
}

expect 1 基金有限公司
expect 2 基金                 # GBK in 1, Big5 (traditional 基金) in 2
expect 1 淨值
expect 0 净值                 # traditional and simplified are different strings
expect 2 有限公司             # 1, and 3 where "有限公\n司" is joined across the line break
expect 1 季度报告
expect 2 司                   # one character: 1 (公司), 3 (司的)
ok "Chinese: GBK, Big5, 2/3/4-character words, single character, line-wrapped word"

expect 1 verify your account
expect 0 secretword
expect 0 color
expect 1 '"verify your account"'
expect 0 '"your verify"'
ok "HTML text without script/style; phrases"

expect 2 subject:quarterly
expect 1 from:alice.wang@hengxin-fund.example
expect 1 'from:"alice wang"'
expect 3 to:alice.wang@hengxin-fund.example OR to:bob@client.example
expect 30 from:robot@hengxin-fund.example
expect 1 quarterly -re
expect 2 '(基金 OR lunch) -淨值'
expect 2 after:2026-03-02 before:2026-03-04 -from:robot@hengxin-fund.example
expect 1 on:2026-02-04
ok "fields, OR, exclusion, parentheses, dates"

# cursor paging: 30 robot messages in pages of 7, nothing missed or repeated
q='from:robot@hengxin-fund.example'
: >"$T/ids"
cursor=
for page in $(seq 1 10); do
  if [ -z "$cursor" ]; then
    "$CUSTOS" search --json --limit 7 "$q" >"$T/p.json"
  else
    "$CUSTOS" search --json --limit 7 --cursor "$cursor" "$q" >"$T/p.json"
  fi
  [ "$(json_get "$T/p.json" 'd["total"]')" = 30 ] || fail "page $page: total is not 30"
  json_get "$T/p.json" '"\n".join(str(r["id"]) for r in d["results"])' >>"$T/ids"
  cursor=$(json_get "$T/p.json" 'd["next"] or ""')
  [ -n "$cursor" ] || break
done
[ "$(grep -c . "$T/ids")" = 30 ] || fail "paging returned $(grep -c . "$T/ids") ids, expected 30"
[ "$(sort -u "$T/ids" | grep -c .)" = 30 ] || fail "paging repeated an id"
"$CUSTOS" search --json --limit 50 "$q" >"$T/all.json"
json_get "$T/all.json" '"\n".join(str(r["id"]) for r in d["results"])' | cmp -s - "$T/ids" \
  || fail "paged order differs from the single page"
if "$CUSTOS" search --cursor 'garbage!' "$q" 2>"$T/err"; then fail "bad cursor accepted"; fi
grep -q 'bad cursor' "$T/err" || fail "bad cursor refused without saying so: $(cat "$T/err")"
ok "cursor paging: 30 of 30, no repeats, same order as one page; bad cursor refused"

# query errors say where
for bad in '(基金' 'frm:alice' 'after:2026-13-45' 'size>12Q'; do
  if "$CUSTOS" search "$bad" 2>"$T/err"; then fail "query '$bad' accepted"; fi
  grep -q 'column' "$T/err" || fail "error for '$bad' names no column: $(cat "$T/err")"
done
ok "query errors name the column: $(cat "$T/err")"

# verify checks the index; reindex rebuilds it to the same answers
"$CUSTOS" verify --quiet >/dev/null || fail "verify of a fresh archive failed"
for q in 基金 有限公司 司 verify subject:quarterly; do count "$q" || fail "search $q"; done >"$T/before"
sqlite3 "$A/custos.db" "DELETE FROM fts_docsize WHERE id=(SELECT MIN(id) FROM messages)"
if "$CUSTOS" verify >"$T/v" 2>&1; then fail "verify missed a message missing from the index"; fi
grep -q 'missing from the full-text index' "$T/v" || fail "verify fault not named: $(cat "$T/v")"
"$CUSTOS" reindex --quiet || fail "reindex"
"$CUSTOS" verify --quiet >/dev/null || fail "verify after reindex failed"
for q in 基金 有限公司 司 verify subject:quarterly; do count "$q" || fail "search $q"; done >"$T/after"
cmp -s "$T/before" "$T/after" || fail "reindex changed answers: $(paste "$T/before" "$T/after")"
ok "verify finds a hole in the index; reindex rebuilds the same answers"

# an interrupted rebuild is refused, not trusted
sqlite3 "$A/custos.db" "UPDATE meta SET value='0' WHERE key='fts_version'"
if count 基金 2>"$T/err"; then fail "search trusted an incomplete index"; fi
grep -q reindex "$T/err" || fail "refusal does not say what to do: $(cat "$T/err")"
"$CUSTOS" reindex --quiet && [ "$(count 基金)" = 2 ] || fail "reindex did not recover"
ok "incomplete index refused with advice; reindex recovers"
