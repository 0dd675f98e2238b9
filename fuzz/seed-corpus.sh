#!/usr/bin/env bash
# Builds the fuzz corpora from the real fixtures in testdata/ (not committed:
# regenerated on every run). Usage: fuzz/seed-corpus.sh
set -euo pipefail
cd "$(dirname "$0")"
td=../testdata
mkdir -p corpus/meta corpus/page corpus/walk_check corpus/compact corpus/wal corpus/request_snap corpus/etcd corpus/replay corpus/k8s_value
for f in "$td"/bolt/*.db "$td"/etcd/*.db; do
  n=$(basename "$f")
  ps=$(od -An -tu4 -j24 -N4 "$f" | tr -d ' ')
  # meta: the first two pages' worth of bytes.
  head -c $((ps * 2)) "$f" > "corpus/meta/$n"
  # page: a handful of single pages.
  pages=$(( $(stat -c %s "$f") / ps ))
  for i in 0 2 3 4 5 $((pages / 2)) $((pages - 1)); do
    [ "$i" -ge 0 ] && [ "$i" -lt "$pages" ] || continue
    dd if="$f" of="corpus/page/$n.$i" bs="$ps" skip="$i" count=1 status=none
  done
  # walk_check: whole small files only (libFuzzer's default max_len is small anyway).
  if [ "$(stat -c %s "$f")" -le 1100000 ]; then cp "$f" "corpus/walk_check/$n"; cp "$f" "corpus/compact/$n"; fi
done
# wal: the member fixture's WAL segment, cut after its records; its .snap
# and a few of its entries' payloads for request_snap.
tmpd=$(mktemp -d)
tar xzf "$td/etcd/etcd-3.5.1-member.tar.gz" -C "$tmpd"
for w in "$tmpd"/*/member/wal/*.wal "$tmpd"/member/wal/*.wal; do
  [ -f "$w" ] && head -c 65536 "$w" > "corpus/wal/$(basename "$w")" && cp "corpus/wal/$(basename "$w")" corpus/replay/
done
for s in "$tmpd"/*/member/snap/*.snap "$tmpd"/member/snap/*.snap; do
  [ -f "$s" ] && cp "$s" "corpus/request_snap/$(basename "$s")"
done
rm -rf "$tmpd"
# etcd: the etcd snapshots and the member's db.
for f in "$td"/etcd/*.db; do cp "$f" "corpus/etcd/$(basename "$f")"; done
for t in meta page walk_check compact wal request_snap etcd replay k8s_value; do cp regressions/$t/* corpus/$t/ 2>/dev/null || true; done
echo "corpora: $(ls corpus/meta | wc -l) meta, $(ls corpus/page | wc -l) page, $(ls corpus/walk_check | wc -l) walk_check, $(ls corpus/compact | wc -l) compact, $(ls corpus/wal | wc -l) wal, $(ls corpus/request_snap | wc -l) request_snap, $(ls corpus/etcd | wc -l) etcd, $(ls corpus/replay | wc -l) replay, $(ls corpus/k8s_value | wc -l) k8s_value"
