# lib.sh - helpers for integration tests (sourced, bash).
set -euo pipefail

: "${CUSTOS:?CUSTOS must point at the custos binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/custos-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export CUSTOS_ARCHIVE=
unset CUSTOS_CONFIG || true

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
ok()   { echo "ok: $*"; }

# need_corpus NAME: unpacks ../shared/corpora/NAME.tar.zst into
# $T/corpora/NAME (once per test) and prints the single top-level folder it
# holds; skips the test when the corpora are absent.
need_corpus() {
  local name=$1 arc="$CORPORA/$1.tar.zst"
  [ -f "$arc" ] || skip "corpus $name not found at $arc (../shared/corpora is absent)"
  if [ ! -d "$T/corpora/$name" ]; then
    mkdir -p "$T/corpora/$name"
    zstd -dc --long=27 "$arc" | tar -xf - -C "$T/corpora/$name"
  fi
  local top
  top=$(find "$T/corpora/$name" -mindepth 1 -maxdepth 1 -type d | head -1)
  echo "${top:-$T/corpora/$name}"
}

# json_get FILE EXPR: reads a value out of a JSON document with python3.
json_get() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"
}
