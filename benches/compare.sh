#!/usr/bin/env bash
# Runs etcdsnap and the real tools on the same file in one run and prints
# the ratios (medians). Warm page cache (a warm-up run precedes the timed
# runs). With K8S_SNAPSHOT set (a file from benches/gen-k8s-snapshot.sh),
# `k8s get -A -o json` is timed against Go's decoders on it as well.
# Usage: benches/compare.sh FILE [RUNS=5]
# Needs: hyperfine (apt-get install hyperfine), the oracles
# (testdata/scripts/install-oracles.sh), and a release build.
set -euo pipefail
file=${1:?usage: compare.sh FILE [RUNS]}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1091
source "${ORACLES_DIR:-/opt/etcdsnap-oracles}/env.sh"
cargo build --release -q -p etcdsnap-cli --manifest-path "$root/Cargo.toml"
es=$root/target/release/etcdsnap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sum0=$(sha256sum "$file" | cut -d' ' -f1)

# A data dir for the defrag case: etcdutl's restore of the file (its db is
# the file's pages as they are, free pages included).
$ETCD351_DIR/etcdutl snapshot restore "$file" --data-dir "$tmp/base" >/dev/null 2>&1
base_db=$tmp/base/member/snap/db
fresh_restore="rm -rf $tmp/r"
fresh_defrag="rm -rf $tmp/dd; mkdir -p $tmp/dd/member/snap; cp $base_db $tmp/dd/member/snap/db"

# name | command run before each timed run (not timed) | etcdsnap command | reference command
cases=(
  "check||$es check $file|$BBOLTCHECK $file"
  "status||$es snapshot status $file|$ETCD351_DIR/etcdutl snapshot status $file"
  "status --skip-hash-check||$es snapshot status --skip-hash-check $file|$ETCD351_DIR/etcdutl snapshot status $file"
  "status vs etcdutl 3.5.30||$es snapshot status $file|$ETCD3530_DIR/etcdutl snapshot status $file"
  "status --skip-hash-check vs 3.5.30||$es snapshot status --skip-hash-check $file|$ETCD3530_DIR/etcdutl snapshot status $file"
  "status --skip-hash-check vs cat||$es snapshot status --skip-hash-check $file|cat $file"
  "hashkv vs status||$es hashkv $file|$es snapshot status --skip-hash-check $file"
  "snapshot restore|$fresh_restore|$es snapshot restore $file --data-dir $tmp/r/d|$ETCD351_DIR/etcdutl snapshot restore $file --data-dir $tmp/r/d"
  "defrag|$fresh_defrag|$es defrag --data-dir $tmp/dd|$ETCD351_DIR/etcdutl defrag --data-dir $tmp/dd"
  "snapshot restore vs cp + sync|$fresh_restore; mkdir -p $tmp/r|$es snapshot restore $file --data-dir $tmp/r/d|cp $file $tmp/r/copy && sync $tmp/r/copy"
  "defrag vs cp + sync|$fresh_defrag; rm -f $tmp/copy|$es defrag --data-dir $tmp/dd|cp $base_db $tmp/copy && sync $tmp/copy"
)
if [ -n "${BBOLTCHECK14:-}" ] && [ -x "${BBOLTCHECK14:-}" ]; then
  cases+=("check vs Go bbolt 1.4.3||$es check $file|$BBOLTCHECK14 $file")
fi
if [ -n "${K8S_SNAPSHOT:-}" ]; then
  cases+=("k8s get -A -o json|true|$es k8s get $K8S_SNAPSHOT -A -o json >/dev/null|$K8SDECODE $K8S_SNAPSHOT >/dev/null")
fi

printf '%s: %s bytes; %s; commit %s; %s\n' "$file" "$(stat -c %s "$file")" \
  "$(date -u +%Y-%m-%d)" "$(git -C "$root" rev-parse --short HEAD)" \
  "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) ($(nproc) cores)"
printf '| %-32s | %-12s | %-26s | %-8s |\n' "command" "etcdsnap (s)" "reference (s)" "ref ÷ ours"
printf '|%s|%s|%s|%s|\n' "----------------------------------" "--------------" "----------------------------" "----------"
for c in "${cases[@]}"; do
  IFS='|' read -r name prep ours theirs <<<"$c"
  j="$tmp/case.json"
  if [ -n "$prep" ]; then
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$j" --prepare "$prep" \
      -n etcdsnap "$ours" -n reference "$theirs" >/dev/null 2>&1
  else
    hyperfine -N --style none --warmup 2 --runs "$runs" -i --export-json "$j" \
      -n etcdsnap "$ours" -n reference "$theirs" >/dev/null 2>&1
  fi
  python3 - "$j" "$name" "$theirs" <<'PY'
import json, sys, os
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["median"], r[1]["median"]
words = [w for w in sys.argv[3].split() if "/" not in w and not w.startswith("--")]
ref = " ".join([os.path.basename(sys.argv[3].split()[0])] + words[:2])
print(f"| {sys.argv[2]:<32} | {a:>12.3f} | {b:>7.3f} {ref:<18} | {b/a:>7.2f}x |")
PY
done
sum1=$(sha256sum "$file" | cut -d' ' -f1)
[ "$sum0" = "$sum1" ] || { echo "input file changed!" >&2; exit 1; }
