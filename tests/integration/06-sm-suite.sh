#!/bin/bash
# 06-sm-suite: an archive of the SM suite (SM3, SM4-CTR + HMAC-SM3, SM2;
# GB/T 39786): init --crypto=sm, import, cat byte-exact (also by sm3:HASH),
# every stored object names SM algorithms, store.cipher is ignored, verify,
# proof + verify-proof with the SM2 public key (and the checkpoint signature
# and message hash checked independently with the openssl command line),
# a proof is refused under a key of the other algorithm, a flipped segment
# byte is detected and located, and `custos info` shows the suite.
. "$TESTLIB"

command -v openssl >/dev/null || skip "openssl command line not installed"
q() { sqlite3 "$1/custos.db" "$2"; }
sm3() { openssl dgst -sm3 -r "$1" | cut -d' ' -f1; }

if "$CUSTOS" init --crypto=rsa "$T/bad" 2>"$T/bad.err"; then fail "init accepted suite rsa"; fi
grep -q "unknown crypto suite 'rsa'" "$T/bad.err" || fail "bad suite message: $(cat "$T/bad.err")"

A="$T/a"
"$CUSTOS" init --crypto=sm "$A" >"$T/init.out" || fail "init --crypto=sm"
grep -Eq '^crypto suite: +sm ' "$T/init.out" || fail "init output: $(cat "$T/init.out")"
grep -Eq '^fingerprint: +SM3:[0-9a-f]{64}$' "$T/init.out" || fail "fingerprint not SM3"
grep -Eq '^custos-ledger-key sm2 [A-Za-z0-9+/=]{88}$' "$A/keys/ledger.pub" || fail "public key file"
grep -q '^custos-ledger-secret sm2 ' "$A/keys/ledger.key" || fail "secret key file"
[ "$(q "$A" "SELECT group_concat(key || '=' || value, ' ') FROM (SELECT * FROM meta
      WHERE key IN ('suite','hash_alg','sig_alg','cipher','key_wrap') ORDER BY key)")" = \
  "cipher=sm4ctr-hmacsm3 hash_alg=sm3 key_wrap=sm4ctr-hmacsm3 sig_alg=sm2 suite=sm" ] \
  || fail "meta table: $(q "$A" "SELECT * FROM meta")"
ok "init --crypto=sm: SM2 keys, SM3 fingerprint, suite recorded"

export CUSTOS_ARCHIVE="$A"
mkdir -p "$T/in"
printf 'From: Alice <alice@fund.test>\nTo: bob@fund.test\nSubject: hello\nMessage-ID: <s1@fund.test>\nDate: Mon, 02 Mar 2026 09:00:00 +0800\n\nbody one\n' >"$T/in/1.eml"
printf 'From: =?GB2312?B?1cXOsA==?= <zhang.wei@fund.test>\r\nTo: li@fund.test\r\nSubject: =?GB2312?B?vPvD5g==?=\r\nMessage-ID: <s2@fund.test>\r\nDate: Tue, 03 Mar 2026 10:00:00 +0800\r\n\r\nbody two\r\n' >"$T/in/2.eml"
{ printf 'From: ops@fund.test\nTo: desk@fund.test\nSubject: big\nMessage-ID: <s3@fund.test>\n\n'
  head -c 300000 /dev/urandom | base64; } >"$T/in/3.eml"
cp "$T/in/1.eml" "$T/in/1-copy.eml"
"$CUSTOS" import --json "$T/in" >"$T/imp.json" || fail "import"
[ "$(json_get "$T/imp.json" 'd["new"]')" = 3 ] || fail "expected 3 new: $(cat "$T/imp.json")"
[ "$(json_get "$T/imp.json" 'd["duplicate"]')" = 1 ] || fail "expected 1 duplicate"

for i in 1 2 3; do
  "$CUSTOS" cat "<s$i@fund.test>" | cmp -s - "$T/in/$i.eml" || fail "cat s$i differs"
  "$CUSTOS" cat "sm3:$(sm3 "$T/in/$i.eml")" | cmp -s - "$T/in/$i.eml" || fail "cat by sm3 hash differs"
done
h=$(sm3 "$T/in/2.eml")
"$CUSTOS" cat "SM3:$(echo "$h" | tr a-f A-F)" | cmp -s - "$T/in/2.eml" || fail "cat by upper-case sm3 hash"
if "$CUSTOS" cat "sha256:$(sha256sum <"$T/in/1.eml" | cut -d' ' -f1)" 2>/dev/null; then
  fail "an sm archive resolved a sha256 address"
fi
[ "$(q "$A" "SELECT hash FROM messages WHERE message_id='s2@fund.test'")" = "sm3:$h" ] \
  || fail "messages.hash is not sm3:HEX"
ok "import, dedup, cat byte-exact by Message-ID and sm3:HASH"

# every object names the SM algorithms: records (AEAD 3, hash 2), wrapped
# keys (version 2, 81 bytes), ledger leaves (hash 2), checkpoints (SM2)
[ "$(q "$A" "SELECT DISTINCT aead_alg || ',' || hash_alg || ',' || hex(substr(wrapped_key,1,1))
             || ',' || length(wrapped_key) FROM blobs")" = "3,2,02,81" ] \
  || fail "blob rows: $(q "$A" "SELECT id, aead_alg, hash_alg, hex(wrapped_key) FROM blobs")"
[ "$(q "$A" "SELECT DISTINCT hash_alg FROM ledger")" = 2 ] || fail "ledger hash_alg"
[ "$(q "$A" "SELECT DISTINCT sig_alg FROM checkpoints")" = 2 ] || fail "checkpoint sig_alg"
python3 - "$A" <<'PY' || fail "a record header does not name SM3 / SM4-CTR+HMAC-SM3"
import sqlite3, sys
d = sys.argv[1]
db = sqlite3.connect(d + "/custos.db")
for seg, off in db.execute("SELECT segment, offset FROM blobs"):
    with open("%s/segments/%012d.seg" % (d, seg), "rb") as f:
        f.seek(off); h = f.read(64)
    assert h[:4] == b"CBLB" and h[8] == 2 and h[9] == 3, h[:16].hex()
PY
ok "records, wrapped keys, ledger and checkpoints all name SM algorithms"

# store.cipher chooses among the default suite's AEADs only: ignored here
printf '[store]\ncipher = aes256gcm\n' >"$T/custos.conf"
printf 'From: x@fund.test\nSubject: four\nMessage-ID: <s4@fund.test>\n\nfour\n' >"$T/4.eml"
"$CUSTOS" -c "$T/custos.conf" import --quiet "$T/4.eml" || fail "import with store.cipher set"
[ "$(q "$A" "SELECT aead_alg FROM blobs b JOIN messages m ON m.blob=b.id
             WHERE m.message_id='s4@fund.test'")" = 3 ] || fail "store.cipher was not ignored"
ok "store.cipher is ignored in an sm archive"

"$CUSTOS" verify >"$T/v.out" || fail "verify: $(cat "$T/v.out")"
grep -q '^OK: 4 messages' "$T/v.out" || fail "verify summary: $(cat "$T/v.out")"
"$CUSTOS" info >"$T/info.out" || fail "info"
grep -Eq '^crypto +sm \(sm3, sm4ctr-hmacsm3, sm2\)$' "$T/info.out" || fail "info: $(cat "$T/info.out")"
"$CUSTOS" info --json >"$T/info.json" || fail "info --json"
[ "$(json_get "$T/info.json" 'd["crypto"]["suite"] + "/" + d["crypto"]["signature"]')" = sm/sm2 ] \
  || fail "info --json crypto: $(cat "$T/info.json")"
ok "verify OK; info shows the suite"

"$CUSTOS" proof '<s2@fund.test>' -o "$T/p.json" || fail "proof"
[ "$(json_get "$T/p.json" 'd["hash_alg"] + "/" + d["checkpoint"]["sig_alg"]')" = sm3/sm2 ] \
  || fail "proof algorithms: $(head -c 600 "$T/p.json")"
[ "$(json_get "$T/p.json" 'd["message"]["hash"]')" = "sm3:$h" ] || fail "proof message hash"
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --message "$T/in/2.eml" "$T/p.json" \
  >"$T/vp.out" || fail "verify-proof: $(cat "$T/vp.out")"
grep -q '^VALID' "$T/vp.out" || fail "verify-proof output"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --message "$T/in/1.eml" "$T/p.json" 2>/dev/null; then
  fail "verify-proof accepted the wrong message"
fi
"$CUSTOS" init --crypto=sm "$T/other" >/dev/null
if "$CUSTOS" verify-proof --pubkey "$T/other/keys/ledger.pub" "$T/p.json" 2>/dev/null; then
  fail "verify-proof accepted another archive's SM2 key"
fi
"$CUSTOS" init "$T/ed" >/dev/null
if "$CUSTOS" verify-proof --pubkey "$T/ed/keys/ledger.pub" "$T/p.json" 2>"$T/vp.err"; then
  fail "verify-proof accepted an Ed25519 key for an SM2 proof"
fi
grep -q 'signed with sm2 but the public key is ed25519' "$T/vp.err" || fail "mismatch message: $(cat "$T/vp.err")"
sed 's/"sig_alg": "sm2"/"sig_alg": "ed25519"/' "$T/p.json" >"$T/p2.json"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/p2.json" 2>/dev/null; then
  fail "verify-proof accepted a relabelled sig_alg"
fi
ok "proof verifies offline with the SM2 key; wrong message, other keys, relabelled algorithm rejected"

# Independently of custos: the checkpoint signature with openssl (SM2, SM3,
# ID 1234567812345678) and the entry subject is the message's SM3.
python3 - "$T/p.json" "$A/keys/ledger.pub" "$T" <<'PY' || fail "extracting checkpoint"
import base64, json, sys
p = json.load(open(sys.argv[1])); t = sys.argv[3]
open(t + "/cp.txt", "w").write(p["checkpoint"]["text"])
open(t + "/cp.sig", "wb").write(base64.b64decode(p["checkpoint"]["signature"]))
open(t + "/subject", "w").write(p["entry"]["subject"])
point = base64.b64decode(open(sys.argv[2]).read().split()[2])
assert len(point) == 65 and point[0] == 4
der = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + point
open(t + "/pub.pem", "w").write("-----BEGIN PUBLIC KEY-----\n" +
    base64.encodebytes(der).decode() + "-----END PUBLIC KEY-----\n")
PY
openssl dgst -sm3 -verify "$T/pub.pem" -sigopt distid:1234567812345678 -signature "$T/cp.sig" \
  "$T/cp.txt" >"$T/ossl.out" 2>&1 || fail "openssl does not verify the SM2 checkpoint signature: $(cat "$T/ossl.out")"
[ "$(cat "$T/subject")" = "$h" ] || fail "entry subject is not the SM3 of the message"
printf 'x' >>"$T/cp.txt"
if openssl dgst -sm3 -verify "$T/pub.pem" -sigopt distid:1234567812345678 -signature "$T/cp.sig" \
  "$T/cp.txt" >/dev/null 2>&1; then fail "openssl verified an altered checkpoint"; fi
ok "openssl verifies the SM2 checkpoint signature independently"

# export + manifest under the SM2 key
"$CUSTOS" export --quiet --out "$T/x" >/dev/null || fail "export"
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/x/manifest.json" >/dev/null \
  || fail "sm export manifest does not verify"
ok "export manifest verifies with the SM2 key"

# a flipped byte inside a record is detected and located (on a copy)
C="$T/c"
cp -a "$A" "$C"
chmod -R u+w "$C"
read seg off len < <(q "$C" "SELECT b.segment, b.offset, b.stored FROM blobs b JOIN messages m
                             ON m.blob=b.id WHERE m.message_id='s3@fund.test'" | tr '|' ' ')
segf=$(printf '%s/segments/%012d.seg' "$C" "$seg")
python3 - "$segf" $((off + len / 2)) <<'PY'
import sys
p, o = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 1]))
PY
if "$CUSTOS" -d "$C" verify --json >"$T/vc.json" 2>/dev/null; then fail "flipped byte not detected"; fi
python3 - "$T/vc.json" "$off" <<'PY' || fail "flip not located: $(head -c 1500 "$T/vc.json")"
import json, re, sys
faults = json.load(open(sys.argv[1]))["fault_list"]
assert any(re.search(r"offset %s blob \d+" % sys.argv[2], f["where"]) and
           "authentication failed" in f["what"] for f in faults), faults
PY
if "$CUSTOS" -d "$C" cat '<s3@fund.test>' >/dev/null 2>&1; then fail "cat of a damaged blob succeeded"; fi
"$CUSTOS" -d "$C" cat '<s2@fund.test>' | cmp -s - "$T/in/2.eml" || fail "undamaged blob unreadable"
# the master key of another archive opens nothing
cp "$T/other/keys/master.key" "$C/keys/master.key"
if "$CUSTOS" -d "$C" cat '<s2@fund.test>' >/dev/null 2>&1; then fail "another master key opened a blob"; fi
ok "flipped segment byte detected and located; wrong master key opens nothing"

"$CUSTOS" verify --quiet || fail "original archive no longer verifies"
ok "sm suite"
