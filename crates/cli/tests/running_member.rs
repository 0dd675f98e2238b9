//! A data dir that a running etcd holds is refused, not read: etcd (through
//! bbolt) holds an exclusive `flock` on `member/snap/db` and reuses its
//! pages as it writes, so a reader in another process would see torn
//! pages. Every command that maps the db takes a shared `flock` as Go
//! bbolt's read-only open does, and exits 2 naming the lock while real
//! etcd 3.5.1 or 3.5.30 runs on the data dir; nothing is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::live::{self, Etcd};
use common::*;

#[test]
fn every_db_command_refuses_a_running_members_db_with_exit_2_etcd_351() {
    if let Some(etcd) = oracle("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd") {
        refused_while_running(etcd.parent().unwrap());
    }
}

#[test]
fn every_db_command_refuses_a_running_members_db_with_exit_2_etcd_3530() {
    if let Some(etcd) = oracle(
        "ETCDSNAP_ETCD3530",
        "/opt/etcdsnap-oracles/etcd-3.5.30/etcd",
    ) {
        refused_while_running(etcd.parent().unwrap());
    }
}

fn refused_while_running(bin: &std::path::Path) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    let mut e = Etcd::spawn(bin, &data, "m1", &peer, &format!("m1={peer}"));
    e.wait_healthy();
    e.ctl_ok(&["put", "/registry/pods/default/a", "x"]);
    let db = data.join("member/snap/db");
    let out = tmp.path().join("out");
    let d = data.to_str().unwrap();
    let f = db.to_str().unwrap();
    let o = out.to_str().unwrap();
    let new_dir = tmp.path().join("restored");
    let n = new_dir.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["get", d, "/registry/", "--prefix"],
        vec!["get", d, "/registry/", "--prefix", "--no-wal"],
        vec!["dump", d],
        vec!["history", d, "/registry/pods/default/a"],
        vec!["diff", d, d],
        vec!["verify", d],
        vec!["members", d],
        vec!["k8s", "summary", d],
        vec!["check", f],
        vec!["snapshot", "status", f],
        vec!["hashkv", f],
        vec!["salvage", f, o],
        vec!["snapshot", "save", "--data-dir", d, o],
        vec!["defrag", "--data-dir", d],
        vec![
            "snapshot",
            "restore",
            f,
            "--skip-hash-check",
            "--data-dir",
            n,
        ],
        vec!["bolt", "info", f],
        vec!["bolt", "buckets", f],
        vec!["bolt", "keys", f, "key"],
        vec!["bolt", "get", f, "meta", "consistent_index"],
        vec!["bolt", "pages", f],
        vec!["bolt", "page", f, "0"],
        vec!["bolt", "stats", f],
        vec!["bolt", "dump", f, "0"],
    ];
    for args in commands {
        let r = etcdsnap(&args);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(
            r.status.code(),
            Some(2),
            "{args:?} on a running member's db: {stderr}"
        );
        assert!(
            stderr.contains("locked by another process")
                && stderr.contains("exclusive flock")
                && stderr.contains("etcdctl snapshot save"),
            "{args:?}: the message names the lock and the ways forward: {stderr}"
        );
        assert!(r.stdout.is_empty(), "{args:?} printed data: {:?}", r.stdout);
        assert!(!out.exists(), "{args:?} wrote {o}");
        assert!(!new_dir.exists(), "{args:?} wrote {n}");
    }
    // The member is still serving, and once it stops the same data dir
    // reads.
    assert!(e.ctl_ok(&["get", "/registry/pods/default/a"]).contains('x'));
    drop(e);
    let r = etcdsnap(["get", d, "/registry/pods/default/a", "--keys-only"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&r.stdout).trim(),
        "/registry/pods/default/a"
    );
}
