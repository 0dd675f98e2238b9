# Sourced by the benchmark generators: start_etcd BIN_DIR CLIENT_PORT PEER_PORT
# starts that etcd on loopback in a fresh temporary data dir with an 8 GiB
# quota, waits until it is healthy, and sets $work (the temporary dir,
# removed on exit with the member stopped), $ep (its client URL) and $pid.
start_etcd() {
  local bin=$1 port_c=$2 port_p=$3
  work=$(mktemp -d)
  ep=http://127.0.0.1:$port_c
  trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; sleep 1; kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
  "$bin/etcd" --name bench --data-dir "$work/data" \
    --listen-client-urls "$ep" --advertise-client-urls "$ep" \
    --listen-peer-urls "http://127.0.0.1:$port_p" --initial-advertise-peer-urls "http://127.0.0.1:$port_p" \
    --initial-cluster "bench=http://127.0.0.1:$port_p" \
    --quota-backend-bytes 8589934592 --log-level error >"$work/etcd.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do "$bin/etcdctl" --endpoints "$ep" endpoint health >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "etcd did not start: $(tail -n 3 "$work/etcd.log")" >&2
  return 1
}
