#!/bin/bash
# 03-tamper: every kind of tampering is detected by `custos verify` and
# located (segment file, offset, blob, ledger entry, message).
. "$TESTLIB"

A="$T/a"
"$CUSTOS" init "$A" >/dev/null
mkdir -p "$T/in"
for i in $(seq 1 60); do
  { printf 'From: user%d@bank.test\nTo: desk@bank.test\nSubject: report %d\n' $i $i
    printf 'Message-ID: <t%d@bank.test>\nDate: Mon, 02 Mar 2026 09:%02d:00 +0000\n\n' $i $((i % 60))
    head -c $((2000 + i * 37)) /dev/urandom | base64; } >"$T/in/$i.eml"
done
"$CUSTOS" -d "$A" import --quiet "$T/in" || fail "import"
"$CUSTOS" -d "$A" verify --quiet || fail "clean archive does not verify"

# expect_fault NAME PATTERN: verify must fail and its output must match.
expect_fault() {
  local name=$1 pattern=$2
  if "$CUSTOS" -d "$C" verify --json >"$T/v.json" 2>/dev/null; then
    fail "$name: not detected"
  fi
  python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["fault_list"]: print(f["where"] + ": " + f["what"])' "$T/v.json" >"$T/v.txt"
  grep -Eq "$pattern" "$T/v.txt" || fail "$name: fault not located as /$pattern/: $(head -c 2000 "$T/v.txt")"
  ok "$name detected: $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["fault_list"][0]; print(f["where"], "-", f["what"])' "$T/v.json")"
}
fresh() { rm -rf "$T/c"; cp -a "$A" "$T/c"; C="$T/c"; chmod -R u+w "$C"; }
q() { sqlite3 "$C/custos.db" "$1"; }

# 1. one byte of a segment flipped inside blob 17's record
fresh
read seg off len < <(q "SELECT segment, offset, stored FROM blobs WHERE id=17" | tr '|' ' ')
segf=$(printf '%s/segments/%012d.seg' "$C" "$seg")
python3 - "$segf" $((off + len / 2)) <<'PY'
import sys
p, o = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 1]))
PY
expect_fault "segment bit flip" "offset $off blob 17 .*authentication failed"

# 2. two records swapped in the file (same lengths so the chain stays walkable)
fresh
python3 - "$C" <<'PY'
import sqlite3, sys
d = sys.argv[1]
db = sqlite3.connect(d + "/custos.db")
rows = db.execute("SELECT id, segment, offset, stored FROM blobs ORDER BY id").fetchall()
a, b = rows[3], rows[4]                   # adjacent records of one segment
path = "%s/segments/%012d.seg" % (d, a[1])
with open(path, "r+b") as f:
    f.seek(a[2]); ra = f.read(a[3]); rb = f.read(b[3])
    f.seek(a[2]); f.write(rb + ra)        # swap their order in place
PY
expect_fault "two blobs swapped" "holds blob .* index expects|no record starts there|not in the index"

# 3. segment truncated
fresh
segf=$(ls "$C"/segments/*.seg | tail -1)
truncate -s -100 "$segf"
expect_fault "segment truncated" "segment truncated|runs past the committed end"

# 4. a ledger entry altered (metadata), deleted, reordered
fresh
q "UPDATE ledger SET time=time+1 WHERE seq=(SELECT ledger_seq FROM messages WHERE message_id='t5@bank.test')"
expect_fault "ledger entry time altered" "ledger entry [0-9]+.*do not hash to its stored"
fresh
q "UPDATE ledger SET meta=replace(meta, 'created', 'deleted') WHERE seq=1"
expect_fault "ledger metadata altered" "ledger entry 1: metadata does not match"
fresh
q "UPDATE ledger SET meta_hash=(SELECT meta_hash FROM ledger WHERE seq=3) WHERE seq=4"
expect_fault "ledger metadata hash swapped" "ledger entry 4.*do not hash|index altered"
fresh
q "PRAGMA foreign_keys=OFF; DELETE FROM ledger WHERE seq=20"
expect_fault "ledger entry deleted" "ledger entry 20 is missing"
fresh
q "UPDATE ledger SET seq=-1 WHERE seq=30; UPDATE ledger SET seq=30 WHERE seq=31; UPDATE ledger SET seq=31 WHERE seq=-1"
expect_fault "ledger entries reordered" "does not chain|altered"
fresh
q "DELETE FROM ledger WHERE seq=(SELECT MAX(seq) FROM ledger)"
expect_fault "last ledger entry deleted" "holds only|missing from the index|does not exist"

# 5. index edited: a subject changed, a recipient removed
fresh
q "UPDATE messages SET subject='nothing to see' WHERE message_id='t9@bank.test'"
expect_fault "index subject altered" "message [0-9]+ .*index altered"
fresh
q "DELETE FROM addresses WHERE message=(SELECT id FROM messages WHERE message_id='t10@bank.test') AND role=2"
expect_fault "index recipient removed" "index altered"

# 6. checkpoints: signature, deletion, database rolled back behind the log
fresh
q "UPDATE checkpoints SET signature=zeroblob(64) WHERE tree_size=(SELECT MAX(tree_size) FROM checkpoints)"
expect_fault "checkpoint signature" "signature does not verify"
fresh
q "DELETE FROM checkpoints WHERE tree_size=(SELECT MAX(tree_size) FROM checkpoints)"
expect_fault "checkpoint deleted" "not in the database"

# 7. a blob's wrapped key replaced by another's
fresh
q "UPDATE blobs SET wrapped_key=(SELECT wrapped_key FROM blobs WHERE id=1) WHERE id=2"
expect_fault "wrapped key swapped" "blob 2 .*data key does not unwrap"
