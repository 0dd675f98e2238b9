#!/usr/bin/env bash
# Records Go bbolt's tx.Check() on every damaged variant of every fixture,
# as etcdsnap_testsupport::damaged_fixtures::all makes them (the bbolt
# generator's variants of bolt/*.db, the etcd generator's of etcd/*.db and
# of the member's db; big-freelist.db is left out), once per Go bbolt:
#
#   testdata/expected/damaged.bboltcheck.tsv     bbolt 1.3.6 (bboltcheck)
#   testdata/expected/damaged.bboltcheck14.tsv   bbolt 1.4.3 (bboltcheck14)
#
# Both checkers are testdata/go/bboltcheck/main.go, built against the two
# bbolt sources by install-oracles.sh. One row per variant: fixture,
# variant, the first 16 hex digits of the variant's SHA-256 (so a change in
# a generator shows), bboltcheck's exit status, its meaning (clean 0, errors 1, open-failed 2, panic 3, hang 4), then its
# stdout lines, one per column (Go's error strings, then the open:/panic:/
# timeout: line bboltcheck adds), with hex numbers of 6+ digits (fault
# addresses) written 0x?. Each run gets BBOLTCHECK_TIMEOUT (default 10) s
# and a BBOLTCHECK_MEM_MB (default 1024; for bboltcheck14
# BBOLTCHECK14_MEM_MB, default 512 more) MiB cap from bboltcheck itself,
# and is killed by timeout(1) 20 s later if it still runs (recorded as a
# hang, status 124 or 137). A run that printed more than 201 lines (Go
# following a cycle) keeps its first 200, a `... N more lines` column, and
# its last line (the panic: or timeout: line).
#
# Usage: record-damaged-bboltcheck.sh [1.3|1.4]   (after install-oracles.sh;
# needs cargo). Without an argument both are recorded.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TD="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$TD/.." && pwd)"
export BBOLTCHECK_TIMEOUT="${BBOLTCHECK_TIMEOUT:-10}"
# The cap covers the Go runtime's own address-space reservations too, and
# Go 1.27's (bboltcheck14) are about 500 MiB larger than Go 1.19's
# (bboltcheck: a clean check of a small file needs about 700 MiB there and
# 1200 MiB here), so bboltcheck14 gets 512 MiB more for the same headroom.
MEM13="${BBOLTCHECK_MEM_MB:-1024}"
MEM14="${BBOLTCHECK14_MEM_MB:-$((MEM13 + 512))}"

case "${1:-both}" in
    1.3) which=(1.3) ;; 1.4) which=(1.4) ;; both) which=(1.3 1.4) ;;
    *) echo "usage: $0 [1.3|1.4]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
( cd "$ROOT" && cargo run -q -p etcdsnap-testsupport --example write_damaged -- "$work/v" ) >"$work/list"

# record CHECKER OUT VERSION MEM_MB
record() {
    local checker="$1" out="$2" version="$3" fixture variant path rc outcome n sum line
    [ -x "$checker" ] || { echo "bboltcheck not found: $checker (run install-oracles.sh)" >&2; exit 2; }
    {
        printf '# Go bbolt %s tx.Check() (testdata/go/bboltcheck) on every damaged variant; made by testdata/scripts/record-damaged-bboltcheck.sh\n' "$version"
        printf '# fixture\tvariant\tsha256\tstatus\toutcome\tstdout lines...\n'
        while IFS=$'\t' read -r fixture variant path; do
            rc=0
            BBOLTCHECK_MEM_MB="$4" timeout -k 5 $((BBOLTCHECK_TIMEOUT + 20)) "$checker" "$path" </dev/null >"$work/stdout" 2>/dev/null || rc=$?
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
            echo "$version $fixture/$variant: $outcome" >&2
        done <"$work/list"
    } >"$out.tmp"
    mv "$out.tmp" "$out"
    echo "$(grep -vc '^#' "$out") variants recorded in $out" >&2
}

for v in "${which[@]}"; do
    case "$v" in
        1.3) record "${ETCDSNAP_BBOLTCHECK:-${BBOLTCHECK:-/opt/etcdsnap-oracles/bin/bboltcheck}}" \
            "$TD/expected/damaged.bboltcheck.tsv" 1.3.6 "$MEM13" ;;
        1.4) record "${ETCDSNAP_BBOLTCHECK14:-${BBOLTCHECK14:-/opt/etcdsnap-oracles/bin/bboltcheck14}}" \
            "$TD/expected/damaged.bboltcheck14.tsv" 1.4.3 "$MEM14" ;;
    esac
done
