#!/bin/bash
# 08-full-disk: the archive's file system fills up in the middle of an
# import. The import stops with a clear error; what was committed stays and
# verifies; once there is space again, re-running the import completes it
# with every message exactly once.
. "$TESTLIB"

FS="$T/fs"
mkdir -p "$FS"
mount -t tmpfs -o size=6m tmpfs "$FS" 2>/dev/null || skip "cannot mount a small tmpfs (needs root)"
trap 'umount "$FS" 2>/dev/null; rm -rf "$T"' EXIT

"$CUSTOS" gen --seed 8 --count 1500 --format maildir --out "$T/mail" >/dev/null || fail "gen"
A="$FS/a"
"$CUSTOS" init "$A" >/dev/null || fail "init"
printf '[import]\nbatch_messages = 50\n' >"$T/c.conf"

rc=0
"$CUSTOS" -c "$T/c.conf" -d "$A" import --quiet "$T/mail" >"$T/out" 2>"$T/err" || rc=$?
[ $rc -eq 1 ] || fail "import on a full disk exited $rc, want 1: $(cat "$T/err")"
grep -qi "no space left\|database or disk is full\|SQLITE_FULL" "$T/err" \
  || fail "full-disk error is unclear: $(cat "$T/err")"
ok "import stopped on a full disk: $(head -1 "$T/err")"

# verify needs no space; the committed part is intact
"$CUSTOS" -d "$A" verify --quiet >"$T/v" 2>&1 || fail "verify after ENOSPC: $(cat "$T/v")"
n1=$(sqlite3 "$A/custos.db" "SELECT COUNT(*) FROM messages")
[ "$n1" -gt 0 ] || fail "nothing was committed before the disk filled"
sqlite3 "$A/custos.db" "SELECT hash FROM messages ORDER BY hash" >"$T/before"
ok "$n1 committed messages verify"

mount -o remount,size=64m "$FS" || fail "remount"
"$CUSTOS" -c "$T/c.conf" -d "$A" import --quiet "$T/mail" >/dev/null 2>"$T/err" \
  || fail "import after freeing space: $(cat "$T/err")"
want=$(find "$T/mail" -type f \( -path '*/cur/*' -o -path '*/new/*' \) -print0 | xargs -0 sha256sum | cut -d' ' -f1 | sort -u | wc -l)
got=$(sqlite3 "$A/custos.db" "SELECT COUNT(*) FROM messages")
[ "$got" = "$want" ] || fail "archive holds $got messages, want $want"
sqlite3 "$A/custos.db" "SELECT hash FROM messages ORDER BY hash" >"$T/after"
comm -23 "$T/before" "$T/after" | grep -q . && fail "messages committed before the full disk disappeared"
"$CUSTOS" -d "$A" verify --quiet >/dev/null || fail "final verify"
ok "after freeing space every one of $want messages is archived once"
