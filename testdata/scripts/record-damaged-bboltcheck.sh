#!/usr/bin/env bash
# Records Go bbolt 1.3.6's tx.Check() (bboltcheck) on every damaged variant
# of every fixture, as etcdsnap_testsupport::damaged_fixtures::all makes them
# (the bbolt generator's variants of bolt/*.db, the etcd generator's of
# etcd/*.db and of the member's db; big-freelist.db is left out), into
#
#   testdata/expected/damaged.bboltcheck.tsv
#
# one row per variant: fixture, variant, the first 16 hex digits of the
# variant's SHA-256 (so a change in a generator shows), bboltcheck's exit status, its
# meaning (clean 0, errors 1, open-failed 2, panic 3, hang 4), then its
# stdout lines, one per column (Go's error strings, then the open:/panic:/
# timeout: line bboltcheck adds), with hex numbers of 6+ digits (fault
# addresses) written 0x?. Each run gets BBOLTCHECK_TIMEOUT (default 10) s
# and a BBOLTCHECK_MEM_MB (default 1024) MiB cap from bboltcheck itself,
# and is killed by timeout(1) 20 s later if it still runs (recorded as a
# hang, status 124 or 137). A run that printed more than 201 lines (Go
# following a cycle) keeps its first 200, a `... N more lines` column, and
# its last line (the panic: or timeout: line).
#
# Usage: record-damaged-bboltcheck.sh   (after install-oracles.sh; needs cargo)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TD="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$TD/.." && pwd)"
OUT="$TD/expected/damaged.bboltcheck.tsv"
BBOLTCHECK="${ETCDSNAP_BBOLTCHECK:-${BBOLTCHECK:-/opt/etcdsnap-oracles/bin/bboltcheck}}"
[ -x "$BBOLTCHECK" ] || { echo "bboltcheck not found: $BBOLTCHECK (run install-oracles.sh)" >&2; exit 2; }
export BBOLTCHECK_TIMEOUT="${BBOLTCHECK_TIMEOUT:-10}"
export BBOLTCHECK_MEM_MB="${BBOLTCHECK_MEM_MB:-1024}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
( cd "$ROOT" && cargo run -q -p etcdsnap-testsupport --example write_damaged -- "$work/v" ) >"$work/list"

{
    printf '# Go bbolt 1.3.6 tx.Check() (testdata/go/bboltcheck) on every damaged variant; made by testdata/scripts/record-damaged-bboltcheck.sh\n'
    printf '# fixture\tvariant\tsha256\tstatus\toutcome\tstdout lines...\n'
    while IFS=$'\t' read -r fixture variant path; do
        rc=0
        timeout -k 5 $((BBOLTCHECK_TIMEOUT + 20)) "$BBOLTCHECK" "$path" </dev/null >"$work/stdout" 2>/dev/null || rc=$?
        case "$rc" in
            0) outcome=clean ;; 1) outcome=errors ;; 2) outcome=open-failed ;;
            3) outcome=panic ;; 4 | 124 | 137) outcome=hang ;;
            *) echo "$fixture/$variant: unexpected bboltcheck status $rc" >&2; exit 1 ;;
        esac
        n=$(wc -l <"$work/stdout")
        if [ "$n" -gt 201 ]; then
            { head -n 200 "$work/stdout"; echo "... $((n - 201)) more lines"; tail -n 1 "$work/stdout"; } >"$work/kept"
        else
            cp "$work/stdout" "$work/kept"
        fi
        sum=$(sha256sum "$path" | cut -c1-16)
        printf '%s\t%s\t%s\t%s\t%s' "$fixture" "$variant" "$sum" "$rc" "$outcome"
        sed -E 's/0x[0-9a-fA-F]{6,}/0x?/g; s/\t/ /g' "$work/kept" | while IFS= read -r line; do
            printf '\t%s' "$line"
        done
        printf '\n'
        echo "$fixture/$variant: $outcome" >&2
    done <"$work/list"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$(grep -vc '^#' "$OUT") variants recorded in $OUT" >&2
