#!/usr/bin/env bash
# Runs the real tools on every fixture and records their outputs in
# testdata/expected/. Each tool runs on a private temporary copy of the file,
# so a tool that writes to the file it opens cannot change a fixture.
#
# For every fixture NAME (bolt/*.db, bolt/*.db.gz recorded under the name
# without .gz, etcd/*.db, and etcd-3.5.1-member.tar.gz's member/snap/db
# recorded as etcd-3.5.1-member.db):
#   NAME.bboltcheck.txt / .rc              bboltcheck (Go bbolt 1.3.6 Tx.Check)
#   NAME.etcdutl351.status.FMT.txt         etcdutl 3.5.1 snapshot status -w FMT
#   NAME.etcdctl3423.status.FMT.txt        ETCDCTL_API=3 etcdctl 3.4.23 snapshot status -w FMT
#   NAME.bboltcli.stats.txt / .pages.txt   bboltcli (Go bbolt 1.3.6 Bucket.Stats and Tx.Page,
#                                          in the bbolt command's stats/pages format)
#   NAME.bbolt.CMD.txt                     bbolt CLI info/stats/buckets/pages (when built)
# FMT is simple, json, table and fields. Only stdout goes into .txt; a
# non-empty stderr is kept as <same name>.stderr.txt and a non-zero exit
# status (other than for bboltcheck, whose .rc is always written) as
# <same name>.rc.
#
# Usage: record-outputs.sh   (after install-oracles.sh)
set -euo pipefail

ORACLES_DIR="${ORACLES_DIR:-/opt/etcdsnap-oracles}"
# shellcheck disable=SC1091
. "$ORACLES_DIR/env.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TD="$(cd "$HERE/.." && pwd)"
OUT="$TD/expected"
ETCDUTL351="$ETCD351_DIR/etcdutl"
ETCDCTL34="$ETCD34_BIN_DIR/etcdctl"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT" "$work/src" "$work/run"

# Gather the fixtures as plain files under $work/src/NAME.
for f in "$TD"/bolt/*.db "$TD"/etcd/*.db; do
    [ -e "$f" ] && cp "$f" "$work/src/$(basename "$f")"
done
for f in "$TD"/bolt/*.db.gz; do
    [ -e "$f" ] || continue
    n="$(basename "$f" .gz)"
    gzip -dc "$f" >"$work/src/$n"
done
if [ -e "$TD/etcd/etcd-3.5.1-member.tar.gz" ]; then
    mkdir -p "$work/member"
    tar -C "$work/member" -xzf "$TD/etcd/etcd-3.5.1-member.tar.gz" member/snap/db
    cp "$work/member/member/snap/db" "$work/src/etcd-3.5.1-member.db"
fi

# fresh_copy NAME: prints the path of a new private copy of fixture NAME.
fresh_copy() {
    rm -rf "$work/run"
    mkdir -p "$work/run"
    cp "$work/src/$1" "$work/run/$1"
    chmod 0644 "$work/run/$1"
    printf '%s\n' "$work/run/$1"
}

# record BASE CMD...: stdout to BASE.txt, stderr to BASE.stderr.txt when not
# empty, exit status to BASE.rc when not zero.
record() {
    local base="$1" rc=0
    shift
    rm -f "$base.txt" "$base.stderr.txt" "$base.rc"
    "$@" >"$base.txt" 2>"$base.stderr.txt" || rc=$?
    [ -s "$base.stderr.txt" ] || rm -f "$base.stderr.txt"
    [ "$rc" -eq 0 ] || echo "$rc" >"$base.rc"
    return 0
}

for path in "$work"/src/*; do
    name="$(basename "$path")"
    echo "recording $name" >&2

    # bboltcheck: stdout and the exit status, always.
    copy="$(fresh_copy "$name")"
    rc=0
    "$BBOLTCHECK" "$copy" >"$OUT/$name.bboltcheck.txt" 2>"$work/err" || rc=$?
    echo "$rc" >"$OUT/$name.bboltcheck.rc"
    if [ -s "$work/err" ]; then cp "$work/err" "$OUT/$name.bboltcheck.stderr.txt"; else rm -f "$OUT/$name.bboltcheck.stderr.txt"; fi

    # snapshot status, both etcd versions, all output formats.
    for fmt in simple json table fields; do
        copy="$(fresh_copy "$name")"
        record "$OUT/$name.etcdutl351.status.$fmt" "$ETCDUTL351" snapshot status -w "$fmt" "$copy"
        copy="$(fresh_copy "$name")"
        record "$OUT/$name.etcdctl3423.status.$fmt" env ETCDCTL_API=3 "$ETCDCTL34" snapshot status -w "$fmt" "$copy"
    done

    # bboltcli: stats and pages from the real library (read-only open).
    for cmd in stats pages; do
        copy="$(fresh_copy "$name")"
        record "$OUT/$name.bboltcli.$cmd" "$BBOLTCLI" "$cmd" "$copy"
    done

    # bbolt CLI (only when it could be built); it may write to the file.
    if [ -n "${BBOLT:-}" ] && [ -x "$BBOLT" ]; then
        for cmd in info stats buckets pages; do
            copy="$(fresh_copy "$name")"
            record "$OUT/$name.bbolt.$cmd" "$BBOLT" "$cmd" "$copy"
        done
    fi
done

# Temporary paths in outputs would make them machine-specific.
if grep -rl "$work" "$OUT" >/dev/null 2>&1; then
    grep -rl "$work" "$OUT" | while read -r f; do
        sed -i "s|$work/run/||g" "$f"
    done
fi
# Large outputs (the page list of big-freelist.db) are kept gzipped.
find "$OUT" -name '*.txt' -size +100k | while read -r f; do gzip -9nf "$f"; done
ls -l "$OUT" | head -n 5
echo "$(ls "$OUT" | wc -l) files in $OUT"
