#!/usr/bin/env bash
# Writes the Go-bbolt fixtures into testdata/bolt/ with bboltgen (Go bbolt
# 1.3.6). big-freelist.db (about 297 MB, nearly all zeros) is committed only
# as big-freelist.db.gz (gzip -9n).
#
# Usage: make-bolt-fixtures.sh   (after install-oracles.sh)
set -euo pipefail

ORACLES_DIR="${ORACLES_DIR:-/opt/etcdsnap-oracles}"
# shellcheck disable=SC1091
. "$ORACLES_DIR/env.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$(cd "$HERE/.." && pwd)/bolt"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$OUT"
"$BBOLTGEN" "$work" | tee "$OUT/bboltgen-summary.txt"

for f in empty.db nested-4096.db pagesize-8192.db pagesize-16384.db writeto.db \
         nofreelistsync.db keys-and-fill.db; do
    cp "$work/$f" "$OUT/$f"
done
gzip -9n -c "$work/big-freelist.db" >"$OUT/big-freelist.db.gz"
rm -f "$OUT/big-freelist.db"

# Sanity: every fixture must pass bbolt's own check, 1.3.6's and 1.4.3's.
for f in "$work"/*.db; do
    for check in "$BBOLTCHECK" "$BBOLTCHECK14"; do
        if ! "$check" "$f" >/dev/null; then
            echo "$(basename "$check") reports problems in $(basename "$f")" >&2
            exit 1
        fi
    done
done
ls -l "$OUT"
