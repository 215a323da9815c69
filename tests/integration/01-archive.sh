#!/bin/bash
# 01-archive: init, import (eml, mbox, Maildir++), cat byte-exact, dedup,
# labels, verify, proof and offline verify-proof, export (eml and mbox)
# with an offline-verifiable manifest, mbox export re-imports to the same
# bytes.
. "$TESTLIB"

A="$T/a"
"$CUSTOS" init "$A" >/dev/null
export CUSTOS_ARCHIVE="$A"

mkdir -p "$T/in"
printf 'From: Alice <alice@bank.test>\nTo: bob@bank.test\nSubject: hello\nMessage-ID: <m1@bank.test>\nDate: Mon, 02 Mar 2026 09:00:00 +0800\n\nbody one\n' >"$T/in/1.eml"
printf 'From: =?GB2312?B?1cXOsA==?= <zhang.wei@bank.test>\r\nTo: li@bank.test\r\nSubject: =?GB2312?B?vPvD5g==?=\r\nMessage-ID: <m2@bank.test>\r\nDate: Tue, 03 Mar 2026 10:00:00 +0800\r\n\r\nbody two\r\n' >"$T/in/2.eml"
cp "$T/in/1.eml" "$T/in/1-copy.eml"

"$CUSTOS" import --json "$T/in" >"$T/imp.json" || fail "import"
[ "$(json_get "$T/imp.json" 'd["new"]')" = 2 ] || fail "expected 2 new: $(cat "$T/imp.json")"
[ "$(json_get "$T/imp.json" 'd["duplicate"]')" = 1 ] || fail "expected 1 duplicate"

id=$("$CUSTOS" cat '<m2@bank.test>' | sha256sum)
[ "$id" = "$(sha256sum <"$T/in/2.eml")" ] || fail "cat by Message-ID is not byte-exact"
"$CUSTOS" cat m1@bank.test | cmp -s - "$T/in/1.eml" || fail "cat m1 differs"
h=$(sha256sum <"$T/in/1.eml" | cut -d' ' -f1)
"$CUSTOS" cat "sha256:$h" | cmp -s - "$T/in/1.eml" || fail "cat by hash differs"
if "$CUSTOS" cat '<nope@x>' 2>/dev/null; then fail "cat of a missing message succeeded"; fi
ok "eml import, dedup, cat byte-exact by id / Message-ID / hash"

# mbox with mboxrd quoting and a Maildir++ with folders
printf 'From alice@bank.test Mon Mar  2 09:00:00 2026\nFrom: a@x.test\nSubject: q\nMessage-ID: <q@x>\n\n>From the start\nline\n\nFrom bob@bank.test Mon Mar  2 09:01:00 2026\nFrom: b@x.test\nSubject: r\n\nsecond\n' >"$T/box.mbox"
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp" "$T/md/.Sent/cur" "$T/md/.Sent/new" "$T/md/.Sent/tmp"
printf 'From: c@x.test\nSubject: inbox\nMessage-ID: <c1@x>\n\nin\n' >"$T/md/cur/1.host:2,S"
printf 'From: c@x.test\nSubject: sent\nMessage-ID: <c2@x>\n\nout\n' >"$T/md/.Sent/cur/2.host:2,S"
"$CUSTOS" import --quiet "$T/box.mbox" "$T/md" || fail "mbox/maildir import"
"$CUSTOS" cat '<q@x>' | grep -q '^From the start$' || fail "mboxrd >From not unquoted"
[ "$(sqlite3 "$A/custos.db" "SELECT label FROM labels l JOIN messages m ON m.id=l.message WHERE m.message_id='c2@x'")" = Sent ] \
  || fail "Maildir++ folder not kept as label"
[ "$(sqlite3 "$A/custos.db" "SELECT label FROM labels l JOIN messages m ON m.id=l.message WHERE m.message_id='c1@x'")" = INBOX ] \
  || fail "Maildir INBOX label missing"
# the mbox From_ sender is the envelope sender: recorded as a delivery
[ "$(sqlite3 "$A/custos.db" "SELECT d.env_from FROM deliveries d JOIN messages m ON m.id=d.message WHERE m.message_id='q@x'")" = alice@bank.test ] \
  || fail "mbox envelope sender not recorded as a delivery"
[ "$(sqlite3 "$A/custos.db" "SELECT COUNT(*) FROM ledger WHERE kind=2")" = 2 ] || fail "deliveries not in the ledger"
ok "mbox (mboxrd) and Maildir++ labels; envelope senders recorded"

"$CUSTOS" verify >"$T/v.out" || fail "verify: $(cat "$T/v.out")"
grep -q '^OK: 6 messages' "$T/v.out" || fail "verify summary: $(cat "$T/v.out")"

"$CUSTOS" proof '<m2@bank.test>' -o "$T/p.json" || fail "proof"
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --message "$T/in/2.eml" "$T/p.json" \
  >"$T/vp.out" || fail "verify-proof"
grep -q '^VALID' "$T/vp.out" || fail "verify-proof output"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" --message "$T/in/1.eml" "$T/p.json" 2>/dev/null; then
  fail "verify-proof accepted the wrong message"
fi
"$CUSTOS" init "$T/other" >/dev/null
if "$CUSTOS" verify-proof --pubkey "$T/other/keys/ledger.pub" "$T/p.json" 2>/dev/null; then
  fail "verify-proof accepted another archive's key"
fi
sed 's/"time_us": \([0-9]*\)/"time_us": 1\1/' "$T/p.json" >"$T/p2.json"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/p2.json" 2>/dev/null; then
  fail "verify-proof accepted an altered entry"
fi
ok "proof verifies offline; wrong message, wrong key, altered entry rejected"

"$CUSTOS" export --quiet --out "$T/x" >/dev/null || fail "export eml"
[ "$(ls "$T/x/messages" | wc -l)" = 6 ] || fail "export wrote $(ls "$T/x/messages" | wc -l) files"
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/x/manifest.json" >/dev/null \
  || fail "export manifest does not verify"
f=$(ls "$T/x/messages" | head -1)
printf 'X' >>"$T/x/messages/$f"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/x/manifest.json" 2>/dev/null; then
  fail "altered exported message passed verification"
fi
"$CUSTOS" export --quiet --format mbox --out "$T/xm" >/dev/null || fail "export mbox"
"$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/xm/manifest.json" >/dev/null \
  || fail "mbox export does not verify"
cp -r "$T/xm" "$T/xm2"
sed 's/^body one$/body 1/' "$T/xm/messages.mbox" >"$T/xm2/messages.mbox"
if "$CUSTOS" verify-proof --pubkey "$A/keys/ledger.pub" "$T/xm2/manifest.json" 2>"$T/err"; then
  fail "altered mbox export passed verification"
fi
grep -q "not the proven one" "$T/err" || fail "altered mbox message not named: $(cat "$T/err")"
"$CUSTOS" export --quiet --from alice@bank.test --out "$T/xf" >/dev/null || fail "export --from"
[ "$(json_get "$T/xf/manifest.json" 'd["count"]')" = 1 ] || fail "--from filter"
"$CUSTOS" export --quiet --after 2026-03-03 --out "$T/xd" >/dev/null || fail "export --after"
[ "$(json_get "$T/xd/manifest.json" 'd["count"]')" = 1 ] || fail "--after filter"
# the mbox export re-imports into a new archive as the very same bytes
"$CUSTOS" init "$T/b" >/dev/null
"$CUSTOS" -d "$T/b" import --quiet "$T/xm/messages.mbox" || fail "re-import of mbox export"
diff <(sqlite3 "$A/custos.db" "SELECT hash FROM messages ORDER BY hash") \
     <(sqlite3 "$T/b/custos.db" "SELECT hash FROM messages ORDER BY hash") >/dev/null \
  || fail "mbox export round trip changed bytes"
ok "export eml/mbox + manifest verify offline; filters; mbox round trip byte-exact"

# re-importing everything adds nothing
"$CUSTOS" import --json "$T/in" "$T/box.mbox" "$T/md" >"$T/imp2.json" || fail "re-import"
[ "$(json_get "$T/imp2.json" 'd["new"]')" = 0 ] || fail "re-import added messages"
"$CUSTOS" verify --quiet || fail "verify after re-import"
[ "$(sqlite3 "$A/custos.db" "SELECT COUNT(*) FROM deliveries")" = 2 ] || fail "re-import added deliveries"
# an edited envelope is detected
cp -a "$A" "$T/t" && sqlite3 "$T/t/custos.db" "UPDATE deliveries SET env_from='mallory@evil.test'"
if "$CUSTOS" -d "$T/t" verify --json >"$T/v.out" 2>&1; then fail "edited envelope not detected"; fi
grep -q "envelope differs" "$T/v.out" || fail "edited envelope fault unclear: $(cat "$T/v.out")"
ok "re-import adds nothing; an edited envelope is detected"
