#!/usr/bin/env bash
# Regenerates every fixture and every recorded output of testdata/:
# installs the oracles, writes the bbolt and etcd fixtures, then records the
# real tools' outputs, then Go bbolt's checker (1.3.6 and 1.4.3) on every
# damaged variant.
# Takes about three minutes on two cores.
#
# Usage: regen-all.sh   (as root, or with sudo available, on Debian 12)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ORACLES_DIR="${ORACLES_DIR:-/opt/etcdsnap-oracles}"

"$HERE/install-oracles.sh"
"$HERE/make-bolt-fixtures.sh"
"$HERE/make-etcd-fixtures.sh"
"$HERE/record-outputs.sh"
"$HERE/record-damaged-bboltcheck.sh"
du -sh "$HERE/.."
