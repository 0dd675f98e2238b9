#!/usr/bin/env bash
# Writes the etcd fixtures into testdata/etcd/ using real etcd servers:
#   etcd-3.5.1.snapshot.db        etcd 3.5.1, full data set, 1,100,000-byte value
#   etcd-3.4.23.snapshot.db       etcd 3.4.23, same data set, 200,000-byte value
#   etcd-3.5.1-member.tar.gz      data dir of a cleanly stopped etcd 3.5.1 member
#                                 (same data set without the large value,
#                                 --snapshot-count 50 so a .snap file exists)
#   etcd-3.5.1.small.snapshot.db  fresh etcd 3.5.1 with five keys
#
# Every server listens on 127.0.0.1 only, on ports 23790-23803, with a data
# dir under a temporary directory; all are stopped (SIGTERM, SIGKILL after
# 20 s) when the script exits, whatever happens.
#
# Usage: make-etcd-fixtures.sh   (after install-oracles.sh)
set -euo pipefail

ORACLES_DIR="${ORACLES_DIR:-/opt/etcdsnap-oracles}"
# shellcheck disable=SC1091
. "$ORACLES_DIR/env.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$(cd "$HERE/.." && pwd)/etcd"
export ETCDCTL_API=3

work="$(mktemp -d)"
ETCD_PID=""

stop_etcd() {
    [ -n "$ETCD_PID" ] || return 0
    if kill -0 "$ETCD_PID" 2>/dev/null; then
        kill -TERM "$ETCD_PID" 2>/dev/null || true
        for _ in $(seq 1 200); do
            kill -0 "$ETCD_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$ETCD_PID" 2>/dev/null; then
            echo "etcd (pid $ETCD_PID) ignored SIGTERM; killing" >&2
            kill -KILL "$ETCD_PID" 2>/dev/null || true
        fi
    fi
    wait "$ETCD_PID" 2>/dev/null || true
    ETCD_PID=""
}
cleanup() {
    stop_etcd
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_etcd ETCD_BIN NAME DATA_DIR CLIENT_PORT PEER_PORT [extra flags...]
start_etcd() {
    local bin="$1" name="$2" dir="$3" cport="$4" pport="$5"
    shift 5
    "$bin" --name "$name" --data-dir "$dir" \
        --listen-client-urls "http://127.0.0.1:$cport" \
        --advertise-client-urls "http://127.0.0.1:$cport" \
        --listen-peer-urls "http://127.0.0.1:$pport" \
        --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "$name=http://127.0.0.1:$pport" \
        --initial-cluster-token etcdsnap-fixtures \
        --initial-cluster-state new \
        "$@" >"$work/$name.log" 2>&1 &
    ETCD_PID=$!
}

# wait_ready ETCDCTL ENDPOINT
wait_ready() {
    local i
    for i in $(seq 1 150); do
        if "$1" --endpoints "$2" endpoint health >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$ETCD_PID" 2>/dev/null || { echo "etcd exited early" >&2; tail -20 "$work"/*.log >&2; return 1; }
        sleep 0.2
    done
    echo "etcd did not become ready" >&2
    return 1
}

# revision ETCDCTL ENDPOINT: current store revision
revision() {
    "$1" --endpoints "$2" get /no-such-key -w json | grep -o '"revision":[0-9]*' | head -n1 | cut -d: -f2
}

# load_data ETCDCTL ENDPOINT BIG_VALUE_SIZE INFO_FILE (0 = no large value)
# The same sequence of requests for every etcd version. Facts that differ
# from run to run (IDs, revisions) are appended to INFO_FILE.
load_data() {
    local ctl="$1" ep="$2" big="$3" info="$4"
    local c=("$ctl" --endpoints "$ep")
    local i j lease1 lease2 rev

    # 20 keys, then five of them rewritten four times (history).
    for i in $(seq -w 0 19); do
        "${c[@]}" put "/app/config/k$i" "value-$i-v1" >/dev/null
    done
    for j in 2 3 4 5; do
        for i in 00 01 02 03 04; do
            "${c[@]}" put "/app/config/k$i" "value-$i-v$j" >/dev/null
        done
    done
    # Kubernetes-like keys.
    "${c[@]}" put /registry/pods/default/x '{"kind":"Pod","metadata":{"name":"x"}}' >/dev/null
    "${c[@]}" put /registry/pods/default/y '{"kind":"Pod","metadata":{"name":"y"}}' >/dev/null
    "${c[@]}" put /registry/services/specs/default/kubernetes '{"kind":"Service"}' >/dev/null
    # Unicode and non-UTF-8 keys and values.
    "${c[@]}" put "/ключ/日本/🎉" "значение 値 ✓" >/dev/null
    "${c[@]}" put "/unicode/naïve/straße" "ünïcödé" >/dev/null
    "${c[@]}" put $'/bin/\xff\xfe\x01' $'bin\xc3\x28value' >/dev/null
    "${c[@]}" put $'\xff\xfe\x01' "non-utf8 key at top" >/dev/null
    # Tombstones.
    "${c[@]}" del /app/config/k10 >/dev/null
    "${c[@]}" del /app/config/k11 >/dev/null
    # Leases: one long-lived with two keys; one revoked (its key is deleted).
    lease1="$("${c[@]}" lease grant 86400 | awk '{print $2}')"
    "${c[@]}" put --lease="$lease1" /leased/a "held by a lease" >/dev/null
    "${c[@]}" put --lease="$lease1" /leased/b "held by the same lease" >/dev/null
    lease2="$("${c[@]}" lease grant 600 | awk '{print $2}')"
    "${c[@]}" put --lease="$lease2" /leased/c "revoked soon" >/dev/null
    "${c[@]}" lease revoke "$lease2" >/dev/null
    # A transaction: several puts in one revision (sub-revisions 0, 1, 2).
    printf '\nput /txn/a 1\nput /txn/b 2\nput /txn/c 3\n\n\n' | "${c[@]}" txn >/dev/null
    # Keys removed by one delete-range with --prefix.
    for i in 1 2 3 4 5; do
        "${c[@]}" put "/tmp/x$i" "temp $i" >/dev/null
    done
    "${c[@]}" del --prefix /tmp/ >/dev/null

    # Compaction at the current revision, waiting for it to be applied.
    rev="$(revision "$ctl" "$ep")"
    "${c[@]}" compact --physical "$rev" >/dev/null
    echo "compacted_revision=$rev" >>"$info"
    echo "lease_kept=$lease1 (TTL 86400 s; keys /leased/a /leased/b)" >>"$info"
    echo "lease_revoked=$lease2 (its key /leased/c was deleted by the revoke)" >>"$info"

    # Writes after the compaction.
    "${c[@]}" put /app/config/k00 "value-00-after-compaction" >/dev/null
    "${c[@]}" del /app/config/k01 >/dev/null
    for i in $(seq -w 0 9); do
        "${c[@]}" put "/after/compact/k$i" "after $i" >/dev/null
    done
    "${c[@]}" put /last "the last small key" >/dev/null
    # The large value is the last write to the key bucket: a later write
    # would rewrite its leaf (and the value's overflow pages) again, and how
    # often that happens depends on etcd's batch timing.
    if [ "$big" -gt 0 ]; then
        python3 -c 'import sys
n = int(sys.argv[1]); s = b"".join(b"%08d\n" % i for i in range(n // 9 + 1))
sys.stdout.buffer.write(s[:n])' "$big" >"$work/big.bin"
        "${c[@]}" put /big/value <"$work/big.bin" >/dev/null
    fi
    echo "final_revision=$(revision "$ctl" "$ep")" >>"$info"
    "${c[@]}" endpoint status -w json | python3 -c 'import json,sys
h = json.load(sys.stdin)[0]["Status"]["header"]
print("cluster_id=%x\nmember_id=%x\nraft_term=%d" % (h["cluster_id"], h["member_id"], h["raft_term"]))' >>"$info"

    # Auth: users and roles, then enable auth.
    "${c[@]}" role add root >/dev/null
    "${c[@]}" user add root:rootpw --interactive=false >/dev/null
    "${c[@]}" user grant-role root root >/dev/null
    "${c[@]}" role add reader >/dev/null
    "${c[@]}" role grant-permission reader read /app/ --prefix=true >/dev/null
    "${c[@]}" role add writer >/dev/null
    "${c[@]}" role grant-permission writer readwrite /registry/ --prefix=true >/dev/null
    "${c[@]}" role grant-permission writer write /last >/dev/null
    "${c[@]}" user add alice:alicepw --interactive=false >/dev/null
    "${c[@]}" user grant-role alice reader >/dev/null
    "${c[@]}" user add bob:bobpw --interactive=false >/dev/null
    "${c[@]}" user grant-role bob reader >/dev/null
    "${c[@]}" user grant-role bob writer >/dev/null
    "${c[@]}" auth enable >/dev/null
    echo "auth=enabled; users root:rootpw (role root), alice:alicepw (reader), bob:bobpw (reader, writer)" >>"$info"
}

# snapshot ETCDCTL ENDPOINT OUT [etcdctl flags...]
snapshot() {
    local ctl="$1" ep="$2" out="$3"
    shift 3
    if ! "$ctl" --endpoints "$ep" "$@" snapshot save "$out" >"$work/snapshot.log" 2>&1; then
        cat "$work/snapshot.log" >&2
        return 1
    fi
}

mkdir -p "$OUT"
E351="$ETCD351_DIR/etcd"
C351="$ETCD351_DIR/etcdctl"
E34="$ETCD34_BIN_DIR/etcd"
C34="$ETCD34_BIN_DIR/etcdctl"
INFO="$work/fixtures-info.txt"
{
    echo "# Facts about testdata/etcd/* recorded by scripts/make-etcd-fixtures.sh"
    echo "# when the fixtures were made (IDs differ on every run)."
} >"$INFO"

echo "etcd 3.5.1: full data set" >&2
echo "[etcd-3.5.1.snapshot.db] etcd $("$E351" --version | head -n1 | awk '{print $3}'), value /big/value 1100000 bytes" >>"$INFO"
start_etcd "$E351" f351 "$work/f351" 23790 23800
wait_ready "$C351" 127.0.0.1:23790
load_data "$C351" 127.0.0.1:23790 1100000 "$INFO"
snapshot "$C351" 127.0.0.1:23790 "$work/s351.db" --user root:rootpw
stop_etcd

echo "etcd 3.4.23: full data set" >&2
echo "[etcd-3.4.23.snapshot.db] etcd $("$E34" --version | head -n1 | awk '{print $3}'), value /big/value 200000 bytes" >>"$INFO"
start_etcd "$E34" f3423 "$work/f3423" 23791 23801
wait_ready "$C34" 127.0.0.1:23791
load_data "$C34" 127.0.0.1:23791 200000 "$INFO"
snapshot "$C34" 127.0.0.1:23791 "$work/s3423.db" --user root:rootpw
stop_etcd

echo "etcd 3.5.1: member data dir" >&2
echo "[etcd-3.5.1-member.tar.gz] etcd 3.5.1 --snapshot-count 50, no large value, stopped with SIGTERM" >>"$INFO"
start_etcd "$E351" m351 "$work/m351" 23792 23802 --snapshot-count 50
wait_ready "$C351" 127.0.0.1:23792
load_data "$C351" 127.0.0.1:23792 0 "$INFO"
stop_etcd
(cd "$work/m351" && find member -type f | sort | while read -r f; do
    echo "  file $f ($(stat -c %s "$f") bytes)"
done) >>"$INFO"
tar -C "$work/m351" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -cf "$work/member.tar" member
gzip -9n -c "$work/member.tar" >"$work/member.tar.gz"

echo "etcd 3.5.1: small snapshot" >&2
echo "[etcd-3.5.1.small.snapshot.db] etcd 3.5.1, keys /small/k1..k5 = v1..v5" >>"$INFO"
start_etcd "$E351" s351 "$work/s351" 23793 23803
wait_ready "$C351" 127.0.0.1:23793
for i in 1 2 3 4 5; do
    "$C351" --endpoints 127.0.0.1:23793 put "/small/k$i" "v$i" >/dev/null
done
echo "final_revision=$(revision "$C351" 127.0.0.1:23793)" >>"$INFO"
snapshot "$C351" 127.0.0.1:23793 "$work/small.db"
stop_etcd

# Install the new fixtures only once every step has succeeded.
install -m 0644 "$work/s351.db" "$OUT/etcd-3.5.1.snapshot.db"
install -m 0644 "$work/s3423.db" "$OUT/etcd-3.4.23.snapshot.db"
install -m 0644 "$work/member.tar.gz" "$OUT/etcd-3.5.1-member.tar.gz"
install -m 0644 "$work/small.db" "$OUT/etcd-3.5.1.small.snapshot.db"
install -m 0644 "$INFO" "$OUT/fixtures-info.txt"
cat "$OUT/fixtures-info.txt"
ls -l "$OUT"
