#!/bin/bash
# 00-cli: the binary's surface: --help for every command, the man page
# lists every command, usage errors exit 2, archive discovery order.
. "$TESTLIB"

"$CUSTOS" --help >"$T/help" || fail "custos --help"
cmds=$(awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}' "$T/help")
[ -n "$cmds" ] || fail "no commands listed by --help"
for c in $cmds; do
  "$CUSTOS" "$c" --help >/dev/null || fail "custos $c --help exits non-zero"
  grep -q "^\.BI\? \"\?$c\b" "$SRCDIR/doc/custos.8" || grep -q "^\.B $c\b" "$SRCDIR/doc/custos.8" \
    || fail "doc/custos.8 does not document '$c'"
done
ok "every command has --help and a man page entry: $(echo $cmds | wc -w) commands"

set +e
"$CUSTOS" no-such-command 2>/dev/null; [ $? -eq 2 ] || fail "unknown command must exit 2"
"$CUSTOS" info 2>"$T/err"; rc=$?
set -e
[ $rc -ne 0 ] || fail "info without an archive must fail"
grep -q "no archive given" "$T/err" || fail "missing-archive error is unclear: $(cat "$T/err")"

"$CUSTOS" init "$T/a" >"$T/init.out" || fail "init"
grep -q "fingerprint: *SHA256:[0-9a-f]\{64\}" "$T/init.out" || fail "init prints no fingerprint"
[ "$(stat -c %a "$T/a/keys/master.key")" = 600 ] || fail "master key is not 0600"
[ "$(stat -c %a "$T/a/keys/ledger.key")" = 600 ] || fail "ledger key is not 0600"
if "$CUSTOS" init "$T/a" 2>"$T/err"; then fail "init overwrote an existing archive"; fi
grep -q "already holds an archive" "$T/err" || fail "unclear refusal: $(cat "$T/err")"

# discovery: -d, then CUSTOS_ARCHIVE, then archive.dir in the config file
"$CUSTOS" -d "$T/a" info >/dev/null || fail "-d"
CUSTOS_ARCHIVE="$T/a" "$CUSTOS" info >/dev/null || fail "CUSTOS_ARCHIVE"
printf '[archive]\ndir = %s\n' "$T/a" >"$T/c.conf"
"$CUSTOS" -c "$T/c.conf" info >/dev/null || fail "archive.dir from -c"
CUSTOS_CONFIG="$T/c.conf" "$CUSTOS" info >/dev/null || fail "archive.dir from CUSTOS_CONFIG"
printf '[archive]\ndirr = x\n' >"$T/bad.conf"
if "$CUSTOS" -c "$T/bad.conf" info 2>"$T/err"; then fail "bad config accepted"; fi
grep -q "bad.conf:2: unknown option 'archive.dirr'" "$T/err" || fail "config error unclear: $(cat "$T/err")"
# an archive whose master key became world-readable is refused
chmod 644 "$T/a/keys/master.key"
if "$CUSTOS" -d "$T/a" info 2>"$T/err"; then fail "world-readable master key accepted"; fi
chmod 600 "$T/a/keys/master.key"
"$CUSTOS" config --doc | cmp -s - "$SRCDIR/doc/config.md" || fail "doc/config.md is stale"
ok "archive discovery, key modes, config errors"
