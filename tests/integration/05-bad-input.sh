#!/bin/bash
# 05-bad-input: hostile and broken input in one batch. Input that is not a
# message is refused with a clear reason; malformed mail is archived raw
# and flagged; the batch always continues; the archive verifies.
. "$TESTLIB"

A="$T/a"
"$CUSTOS" init "$A" >/dev/null
export CUSTOS_ARCHIVE="$A"
B="$T/bad"
mkdir -p "$B"
: >"$B/01-empty.eml"
python3 -c "import random,sys; r=random.Random(2); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(5000)))" >"$B/02-junk.bin"
printf '\x00\x01\x02\x03binary\x00\x00' >"$B/03-nul-junk.bin"
printf 'From: a@x.test\nSubject: nul\nMessage-ID: <nul@x>\n\nbody with \x00 NUL \x00 bytes\n' >"$B/04-nul-body.eml"
printf 'From: \xd5\xc5\xce\xb0 <z@x.test>\nSubject: \xbc\xfb\xc3\xe6 8bit GB\nMessage-ID: <8bit@x>\n\nraw\n' >"$B/05-8bit.eml"
printf 'From: a@x.test\nSubject: no id\n\nno message id\n' >"$B/06-no-msgid.eml"
printf 'From: a@x.test\nSubject: b64\nMessage-ID: <b64@x>\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!not base64@@@@\n====\n' >"$B/07-broken-b64.eml"
printf 'From a@x Mon Mar  2 09:00:00 2026\nFrom: a@x.test\nSubject: ok\nMessage-ID: <trunc1@x>\n\nfine\n\nFrom b@x Mon Mar  2 09:00:00 2026\nFrom: b@x.test\nSubject: cut\nMessage-ID: <trunc2@x>\n\nthis message is cut off in the mid' >"$B/08-truncated.mbox"
python3 - "$B" <<'PY'
import sys
d = sys.argv[1]
# 10,000 nested multiparts
n = 10000
with open(d + "/09-nested.eml", "w") as f:
    f.write("From: a@x.test\nSubject: nested\nMessage-ID: <nest@x>\nMIME-Version: 1.0\n")
    for i in range(n):
        f.write('Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
    f.write("Content-Type: text/plain\n\ndeep\n")
    for i in reversed(range(n)):
        f.write("--b%d--\n" % i)
# a 100 MB message (base64 attachment)
import base64, os
with open(d + "/10-huge.eml", "w") as f:
    f.write("From: a@x.test\nSubject: huge\nMessage-ID: <huge@x>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nsee attachment\n'
            '--B\nContent-Type: application/octet-stream; name="big.bin"\n'
            "Content-Transfer-Encoding: base64\n\n")
    chunk = base64.encodebytes(os.urandom(57 * 1000)).decode()
    while f.tell() < 100 * 1024 * 1024:
        f.write(chunk)
    f.write("--B--\n")
PY
printf 'From: a@x.test\nSubject: ok after the storm\nMessage-ID: <last@x>\n\nstill archived\n' >"$B/11-good.eml"

rc=0; "$CUSTOS" import --json "$B" >"$T/imp.json" || rc=$?
[ $rc -eq 3 ] || fail "import exit status $rc, want 3 (some inputs refused)"
python3 - "$T/imp.json" <<'PY' || fail "import summary: $(cat "$T/imp.json")"
import json, sys
d = json.load(open(sys.argv[1]))
fails = {f["origin"].rsplit("/", 1)[-1]: f["reason"] for f in d["failures"]}
assert set(fails) == {"01-empty.eml", "02-junk.bin", "03-nul-junk.bin"}, fails
for k, why in fails.items():
    assert len(why) > 10, (k, why)
assert d["new"] == 9, d["new"]  # 04..07, 2 from the mbox, 09, 10, 11
PY
for f in "$B"/01-empty.eml "$B"/02-junk.bin "$B"/03-nul-junk.bin; do
  grep -q "$(basename "$f")" "$T/imp.json" || fail "no reason given for $f"
done
ok "not-mail refused with reasons: $(json_get "$T/imp.json" '"; ".join(f["reason"] for f in d["failures"])')"

for ref in '<nul@x>' '<8bit@x>' '<b64@x>' '<trunc1@x>' '<trunc2@x>' '<nest@x>' '<last@x>'; do
  "$CUSTOS" cat "$ref" >/dev/null || fail "$ref not archived"
done
"$CUSTOS" cat '<nul@x>' | cmp -s - "$B/04-nul-body.eml" || fail "NUL bytes not kept exactly"
"$CUSTOS" cat '<8bit@x>' | cmp -s - "$B/05-8bit.eml" || fail "8-bit header bytes not kept exactly"
"$CUSTOS" cat '<huge@x>' | cmp -s - "$B/10-huge.eml" || fail "100 MB message not byte-exact"
"$CUSTOS" cat '<nest@x>' | cmp -s - "$B/09-nested.eml" || fail "nested message not byte-exact"
"$CUSTOS" cat '<trunc2@x>' | tail -c 20 | grep -q 'in the mid$' || fail "truncated mbox tail lost"
flags() { sqlite3 "$A/custos.db" "SELECT flags FROM messages WHERE message_id='$1'"; }
[ $(( $(flags nest@x) & 2 )) -ne 0 ] || fail "10,000-deep nesting not flagged LIMITS"
[ $(( $(flags nul@x) & 32 )) -ne 0 ] || fail "NUL bytes not flagged"
[ $(( $(flags 8bit@x) & 8 )) -ne 0 ] || fail "8-bit headers not flagged"
nomid=$(sqlite3 "$A/custos.db" "SELECT flags FROM messages WHERE subject='no id'")
[ $(( nomid & 4 )) -ne 0 ] || fail "missing Message-ID not flagged"
"$CUSTOS" verify --quiet || fail "verify"
ok "malformed mail archived byte-exact and flagged; 100 MB and 10,000-deep messages handled"
