#!/bin/bash
# 04-crash: kill -9 during import at 24 random instants. After each kill
# the archive verifies, nothing committed before is missing, and in the end
# re-running the import archives every message exactly once.
. "$TESTLIB"

A="$T/a"
"$CUSTOS" init "$A" >/dev/null
"$CUSTOS" gen --seed 4 --count 1500 --format maildir --out "$T/mail" >/dev/null || fail "gen"
# a small batch size makes many commit points to land between
printf '[import]\nbatch_messages = 40\n[ledger]\ncheckpoint_entries = 25\n' >"$T/c.conf"

RANDOM=20261124
prev=0
for round in $(seq 1 24); do
  "$CUSTOS" -c "$T/c.conf" -d "$A" import --quiet "$T/mail" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 900 + 20)))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  "$CUSTOS" -d "$A" verify --quiet >"$T/v.out" 2>&1 || fail "round $round: verify after kill -9: $(cat "$T/v.out")"
  sqlite3 "$A/custos.db" "SELECT hash FROM messages ORDER BY hash" >"$T/now"
  n=$(wc -l <"$T/now")
  if [ -f "$T/before" ]; then
    comm -23 "$T/before" "$T/now" | grep -q . && fail "round $round: committed messages disappeared"
  fi
  [ "$n" -ge "$prev" ] || fail "round $round: message count went down ($prev -> $n)"
  prev=$n
  mv "$T/now" "$T/before"
done
ok "24 kills: every intermediate state verifies, nothing committed was lost ($prev archived so far)"

"$CUSTOS" -d "$A" import --json "$T/mail" >"$T/final.json" || [ $? -eq 3 ] || fail "final import"
want=$(find "$T/mail" -type f -path '*/cur/*' -o -type f -path '*/new/*' | xargs -d '\n' sha256sum | cut -d' ' -f1 | sort -u | wc -l)
got=$(sqlite3 "$A/custos.db" "SELECT COUNT(*) FROM messages")
[ "$got" = "$want" ] || fail "archive holds $got distinct messages, the Maildir $want"
dups=$(sqlite3 "$A/custos.db" "SELECT COUNT(*) - COUNT(DISTINCT hash) FROM messages")
[ "$dups" = 0 ] || fail "$dups messages stored twice"
"$CUSTOS" -d "$A" verify --quiet || fail "final verify"
ok "after the crashes every one of $want distinct messages is archived exactly once"

# verify while an import is writing: each run sees one consistent snapshot
"$CUSTOS" init "$T/b" >/dev/null
"$CUSTOS" -c "$T/c.conf" -d "$T/b" import --quiet "$T/mail" >/dev/null 2>&1 &
pid=$!
runs=0
while kill -0 $pid 2>/dev/null; do
  "$CUSTOS" -d "$T/b" verify --quiet >"$T/vc.out" 2>&1 || { kill $pid; fail "verify during import: $(head -5 "$T/vc.out")"; }
  runs=$((runs + 1))
done
wait $pid || [ $? -eq 3 ] || fail "import beside verify"
"$CUSTOS" -d "$T/b" verify --quiet >/dev/null || fail "verify after the concurrent import"
ok "$runs verify runs during an import all passed"
