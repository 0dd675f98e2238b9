//! Every oracle the suite compares against, looked up in one place: under
//! `CI=true` or `ETCDSNAP_REQUIRE_ORACLES=1` a missing one fails here (and
//! in every test that needs it); otherwise each missing one prints
//! `SKIPPED (oracle ... missing)` on the terminal and is listed in
//! `target/etcdsnap-skipped-oracles.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn every_oracle_is_installed_or_reported_missing() {
    let all = [
        (
            "ETCDSNAP_BBOLTCHECK",
            "/opt/etcdsnap-oracles/bin/bboltcheck",
        ),
        (
            "ETCDSNAP_BBOLTCHECK14",
            "/opt/etcdsnap-oracles/bin/bboltcheck14",
        ),
        ("ETCDSNAP_BBOLTCLI", "/opt/etcdsnap-oracles/bin/bboltcli"),
        (
            "ETCDSNAP_ETCDUTL351",
            "/opt/etcdsnap-oracles/etcd-3.5.1/etcdutl",
        ),
        ("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd"),
        ("ETCDSNAP_ETCDCTL34", "/usr/bin/etcdctl"),
        (
            "ETCDSNAP_ETCD3530",
            "/opt/etcdsnap-oracles/etcd-3.5.30/etcd",
        ),
        (
            "ETCDSNAP_ETCD3516",
            "/opt/etcdsnap-oracles/etcd-3.5.16/etcd",
        ),
        ("ETCDSNAP_K8SENC", "/opt/etcdsnap-oracles/bin/k8senc"),
        (
            "ETCDSNAP_K8SFIXTURE",
            "/opt/etcdsnap-oracles/bin/k8sfixture",
        ),
        ("ETCDSNAP_K8SYAML", "/opt/etcdsnap-oracles/bin/k8syaml"),
    ];
    let found = all.iter().filter(|(v, d)| oracle(v, d).is_some()).count();
    // `oracle` panics on a missing one when they are required.
    if ci() {
        assert_eq!(found, all.len());
    }
}
