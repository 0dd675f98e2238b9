#!/usr/bin/env bash
# Runs etcdsnap and the real tools on the same file in one run and prints
# the ratios. Warm page cache (a warm-up run precedes the timed runs).
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

# name | etcdsnap command | reference command
cases=(
  "check|$es check $file|$BBOLTCHECK $file"
  "status|$es snapshot status $file|$ETCD351_DIR/etcdutl snapshot status $file"
  "status --skip-hash-check|$es snapshot status --skip-hash-check $file|$ETCD351_DIR/etcdutl snapshot status $file"
  "status --skip-hash-check vs cat|$es snapshot status --skip-hash-check $file|cat $file"
  "hashkv vs status|$es hashkv $file|$es snapshot status --skip-hash-check $file"
)

printf '%s: %s bytes\n' "$file" "$(stat -c %s "$file")"
printf '| %-32s | %-12s | %-26s | %-8s |\n' "command" "etcdsnap (s)" "reference (s)" "ref ÷ ours"
printf '|%s|%s|%s|%s|\n' "----------------------------------" "--------------" "----------------------------" "----------"
for c in "${cases[@]}"; do
  IFS='|' read -r name ours theirs <<<"$c"
  j="$tmp/case.json"
  hyperfine -N --style none --warmup 2 --runs "$runs" -i --export-json "$j" \
    -n etcdsnap "$ours" -n reference "$theirs" >/dev/null 2>&1
  python3 - "$j" "$name" "$theirs" <<'PY'
import json, sys, os
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["mean"], r[1]["mean"]
words = [w for w in sys.argv[3].split() if "/" not in w and not w.startswith("--")]
ref = " ".join([os.path.basename(sys.argv[3].split()[0])] + words[:2])
print(f"| {sys.argv[2]:<32} | {a:>12.3f} | {b:>7.3f} {ref:<18} | {b/a:>7.2f}x |")
PY
done
sum1=$(sha256sum "$file" | cut -d' ' -f1)
[ "$sum0" = "$sum1" ] || { echo "input file changed!" >&2; exit 1; }
