#!/bin/bash
# 07-tsa: RFC 3161 time-stamps on checkpoints against a real local TSA
# (`openssl ts -reply` behind a tiny HTTP endpoint on 127.0.0.1, with a
# throwaway CA and TSA certificate): checkpoints get tokens, the tokens
# verify independently with `openssl ts -verify`, `custos verify` checks
# them and detects a damaged or swapped token, proofs carry them and
# verify-proof --tsa-ca checks them, a dead TSA or an untrusted TSA
# certificate does not stop import (logged, retried at the next
# checkpoint), and an sm archive gets SM3 imprints.
. "$TESTLIB"

command -v openssl >/dev/null || skip "openssl command line not installed"
command -v python3 >/dev/null || skip "python3 not installed"
q() { sqlite3 "$1/custos.db" "$2"; }

# ---- a throwaway PKI: root CA, TSA certificate (critical timeStamping) ----
mkcert() { # NAME: a CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=custos test $1" -keyout "$T/$1.key" -out "$T/$1.pem" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    >/dev/null 2>&1 || fail "openssl: CA $1"
}
mkcert ca
mkcert otherca
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=custos test tsa" -keyout "$T/tsa.key" -out "$T/tsa.csr" >/dev/null 2>&1 || fail "tsa csr"
printf 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' >"$T/tsa.ext"
openssl x509 -req -in "$T/tsa.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/tsa.ext" -out "$T/tsa.pem" >/dev/null 2>&1 || fail "tsa certificate"
echo 01 >"$T/tsaserial"
cat >"$T/ts.cnf" <<EOF
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = $T/tsaserial
crypto_device = builtin
signer_cert = $T/tsa.pem
certs = $T/ca.pem
signer_key = $T/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512, sm3
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF

# ---- the TSA: POST application/timestamp-query -> openssl ts -reply ----
cat >"$T/tsa.py" <<'PY'
import http.server, os, subprocess, sys, tempfile
cfg, portfile, countfile = sys.argv[1:4]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        data = None
        if self.headers.get("Content-Type") == "application/timestamp-query":
            with tempfile.TemporaryDirectory() as d:
                q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
                open(q, "wb").write(body)
                p = subprocess.run(["openssl", "ts", "-reply", "-config", cfg,
                                    "-queryfile", q, "-out", r], capture_output=True)
                if p.returncode == 0:
                    data = open(r, "rb").read()
        if data is None:
            self.send_response(400); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with open(countfile, "a") as f: f.write("x\n")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
SRV=
start_tsa() {
  rm -f "$T/port"
  python3 "$T/tsa.py" "$T/ts.cnf" "$T/port" "$T/served" 2>"$T/tsa.err" &
  SRV=$!
  for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
  [ -s "$T/port" ] || fail "TSA did not start: $(cat "$T/tsa.err")"
  PORT=$(cat "$T/port")
}
stop_tsa() { [ -z "$SRV" ] || { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null || true; SRV=; }; }
trap 'stop_tsa; rm -rf "$T"' EXIT
start_tsa

conf() { # FILE CAFILE: configuration using the running TSA
  printf '[ledger]\ncheckpoint_entries = 4\ntsa_url = http://127.0.0.1:%s/tsa\ntsa_ca_file = %s\ntsa_timeout = 5s\n' \
    "$PORT" "$2" >"$1"
}
conf "$T/c.conf" "$T/ca.pem"
N=0
msgs() { # COUNT: writes COUNT new messages into a fresh $T/in
  rm -rf "$T/in"; mkdir -p "$T/in"
  for _ in $(seq 1 "$1"); do
    N=$((N + 1))
    printf 'From: u%d@fund.test\nTo: desk@fund.test\nSubject: trade %d\nMessage-ID: <ts%d@fund.test>\n\nbody %d\n' \
      $N $N $N $N >"$T/in/$N.eml"
  done
}
newest_has_token() { [ "$(q "$1" "SELECT tsa_token IS NOT NULL FROM checkpoints ORDER BY tree_size DESC LIMIT 1")" = 1 ]; }

A="$T/a"
"$CUSTOS" init "$A" >/dev/null
export CUSTOS_ARCHIVE="$A"
msgs 6
"$CUSTOS" -c "$T/c.conf" import --quiet "$T/in" 2>"$T/imp.err" || fail "import: $(cat "$T/imp.err")"
newest_has_token "$A" || fail "newest checkpoint has no token: $(cat "$T/imp.err")"
msgs 5
"$CUSTOS" -c "$T/c.conf" import --quiet "$T/in" 2>"$T/imp.err" || fail "second import"
newest_has_token "$A" || fail "second import: no token"
[ "$(q "$A" "SELECT COUNT(*) FROM checkpoints WHERE tsa_token IS NOT NULL")" -ge 2 ] || fail "expected 2 tokens"
ok "checkpoints get RFC 3161 tokens ($(wc -l <"$T/served") request(s) served)"

# the newest token verifies with openssl alone, over the checkpoint text
q "$A" "SELECT writefile('$T/tok.der', tsa_token), writefile('$T/cp.txt', text) FROM checkpoints
        WHERE tsa_token IS NOT NULL ORDER BY tree_size DESC LIMIT 1" >/dev/null
openssl ts -verify -token_in -in "$T/tok.der" -data "$T/cp.txt" -CAfile "$T/ca.pem" >"$T/ov.out" 2>&1 \
  || fail "openssl ts -verify: $(cat "$T/ov.out")"
openssl ts -reply -token_in -in "$T/tok.der" -token_out -text 2>/dev/null | grep -q 'Hash Algorithm: sha256' \
  || fail "imprint is not SHA-256"
if openssl ts -verify -token_in -in "$T/tok.der" -data "$T/cp.txt" -CAfile "$T/otherca.pem" >/dev/null 2>&1; then
  fail "openssl accepted the token under another CA"
fi
ok "tokens verify independently (openssl ts -verify over the checkpoint text)"

"$CUSTOS" -c "$T/c.conf" verify >"$T/v.out" 2>&1 || fail "verify with TSA CA: $(cat "$T/v.out")"
"$CUSTOS" verify --quiet || fail "verify without a CA file"
conf "$T/other.conf" "$T/otherca.pem"
if "$CUSTOS" -c "$T/other.conf" verify --quiet >/dev/null 2>&1; then
  fail "verify accepted tokens under an untrusted CA"
fi
ok "verify checks the tokens (and refuses an untrusted TSA)"

# damaged tokens, on copies
C="$T/c"
fresh() { rm -rf "$C"; cp -a "$A" "$C"; chmod -R u+w "$C"; }
expect_tsa_fault() { # NAME
  if "$CUSTOS" -c "$T/c.conf" -d "$C" verify --json >"$T/vc.json" 2>/dev/null; then fail "$1: not detected"; fi
  python3 - "$T/vc.json" <<'PY' || fail "$1: no RFC 3161 fault: $(head -c 1500 "$T/vc.json")"
import json, sys
assert any("RFC 3161" in f["what"] for f in json.load(open(sys.argv[1]))["fault_list"])
PY
  ok "$1 detected"
}
fresh
q "$C" "UPDATE checkpoints SET tsa_token = substr(tsa_token, 1, length(tsa_token) - 20)
        || CASE WHEN substr(tsa_token, length(tsa_token) - 19, 1) = x'00' THEN x'01' ELSE x'00' END
        || substr(tsa_token, length(tsa_token) - 18)
        WHERE tree_size = (SELECT MAX(tree_size) FROM checkpoints)"
expect_tsa_fault "a flipped byte in a token"
fresh
q "$C" "UPDATE checkpoints SET tsa_token = (SELECT tsa_token FROM checkpoints WHERE tsa_token IS NOT NULL
        ORDER BY tree_size LIMIT 1) WHERE tree_size = (SELECT MAX(tree_size) FROM checkpoints)"
expect_tsa_fault "a token moved to another checkpoint"
fresh
q "$C" "UPDATE checkpoints SET tsa_token = x'3003020100' WHERE tree_size = (SELECT MAX(tree_size) FROM checkpoints)"
expect_tsa_fault "a token that is not CMS"

# proofs carry the token; verify-proof checks it with --tsa-ca
"$CUSTOS" -c "$T/c.conf" proof '<ts3@fund.test>' -o "$T/p.json" || fail "proof"
json_get "$T/p.json" 'd["checkpoint"]["tsa_token"]' >/dev/null || fail "proof has no tsa_token"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --tsa-ca "$T/ca.pem" --message "$T/in/$N.eml" \
  "$T/p.json" >/dev/null 2>&1; then fail "wrong message accepted"; fi
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --tsa-ca "$T/ca.pem" "$T/p.json" >"$T/vp.out" \
  || fail "verify-proof --tsa-ca"
grep -q 'time-stamped .* by a TSA trusted by' "$T/vp.out" || fail "verify-proof output: $(cat "$T/vp.out")"
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/p.json" >"$T/vp.out" || fail "verify-proof without --tsa-ca"
grep -q 'TSA signature not checked' "$T/vp.out" || fail "verify-proof output: $(cat "$T/vp.out")"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --tsa-ca "$T/otherca.pem" "$T/p.json" 2>/dev/null; then
  fail "verify-proof accepted a token under an untrusted CA"
fi
old=$(q "$A" "SELECT hex(tsa_token) FROM checkpoints WHERE tsa_token IS NOT NULL ORDER BY tree_size LIMIT 1" \
  | python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.stdin.read().strip())).decode())')
python3 - "$T/p.json" "$T/p2.json" "$old" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["checkpoint"]["tsa_token"] = sys.argv[3]
json.dump(p, open(sys.argv[2], "w"))
PY
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/p2.json" 2>/dev/null; then
  fail "verify-proof accepted another checkpoint's token"
fi
python3 - "$T/p.json" "$T/p3.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); del p["checkpoint"]["tsa_token"]
json.dump(p, open(sys.argv[2], "w"))
PY
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/p3.json" >/dev/null || fail "token is optional"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --tsa-ca "$T/ca.pem" "$T/p3.json" 2>/dev/null; then
  fail "--tsa-ca accepted a proof without a token"
fi
ok "proofs carry the token; verify-proof --tsa-ca checks it"

# a dead TSA does not stop import; the next checkpoint tries again
stop_tsa
msgs 5
"$CUSTOS" -c "$T/c.conf" import --quiet "$T/in" 2>"$T/imp.err" || fail "import with a dead TSA failed"
grep -q 'no RFC 3161 time-stamp' "$T/imp.err" || fail "TSA failure not logged: $(cat "$T/imp.err")"
if newest_has_token "$A"; then fail "a checkpoint got a token from a dead TSA"; fi
"$CUSTOS" cat "<ts$N@fund.test>" | cmp -s - "$T/in/$N.eml" || fail "message imported during the outage"
"$CUSTOS" -c "$T/c.conf" verify --quiet || fail "a checkpoint without token is not a fault"
start_tsa
conf "$T/c.conf" "$T/ca.pem"
msgs 2
"$CUSTOS" -c "$T/c.conf" import --quiet "$T/in" 2>"$T/imp.err" || fail "import after the outage"
newest_has_token "$A" || fail "no token after the TSA came back: $(cat "$T/imp.err")"
ok "dead TSA: import goes on, failure logged, next checkpoint time-stamped"

# a TSA whose certificate is not trusted: tokens refused when fetched
conf "$T/other.conf" "$T/otherca.pem"
msgs 2
"$CUSTOS" -c "$T/other.conf" import --quiet "$T/in" 2>"$T/imp.err" || fail "import with an untrusted TSA failed"
grep -q 'no RFC 3161 time-stamp' "$T/imp.err" || fail "untrusted TSA not logged: $(cat "$T/imp.err")"
if newest_has_token "$A"; then fail "stored a token from an untrusted TSA"; fi
ok "untrusted TSA: token refused, import goes on"
"$CUSTOS" -c "$T/c.conf" verify --quiet || fail "final verify"

# an sm archive asks for SM3 imprints
S="$T/s"
"$CUSTOS" init --crypto=sm "$S" >/dev/null
msgs 3
"$CUSTOS" -c "$T/c.conf" -d "$S" import --quiet "$T/in" 2>"$T/imp.err" || fail "sm import: $(cat "$T/imp.err")"
newest_has_token "$S" || fail "sm: no token: $(cat "$T/imp.err")"
q "$S" "SELECT writefile('$T/stok.der', tsa_token), writefile('$T/scp.txt', text) FROM checkpoints
        WHERE tsa_token IS NOT NULL ORDER BY tree_size DESC LIMIT 1" >/dev/null
openssl ts -reply -token_in -in "$T/stok.der" -token_out -text 2>/dev/null | grep -q 'Hash Algorithm: sm3' \
  || fail "sm archive imprint is not SM3"
openssl ts -verify -token_in -in "$T/stok.der" -data "$T/scp.txt" -sm3 -CAfile "$T/ca.pem" >/dev/null 2>&1 \
  || openssl ts -verify -token_in -in "$T/stok.der" -digest "$(openssl dgst -sm3 -r "$T/scp.txt" | cut -d' ' -f1)" \
       -CAfile "$T/ca.pem" >/dev/null 2>&1 || fail "openssl does not verify the SM3 token"
"$CUSTOS" -c "$T/c.conf" -d "$S" verify --quiet || fail "sm verify with tokens"
ok "sm archive: SM3 imprints, verified"
