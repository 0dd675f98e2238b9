//! WAL replay against real etcd 3.5.1 where its apply loop refuses or
//! allows what a reading of the requests alone would not: a member killed
//! with its db behind its WAL, restarted on one copy, saved with
//! `etcdsnap snapshot save --data-dir` from another; the keys and the
//! auth buckets must be the same.
//!
//! - A non-root user's auth changes are in the WAL (the API layer does not
//!   check them) and refused when applied.
//! - Once a NOSPACE alarm is raised, etcd applies requests without its
//!   auth applier: a user's delete of a key it may not write, refused
//!   before the alarm, goes through after it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::live::{self, Etcd};
use common::*;

fn etcd_bin_dir() -> Option<PathBuf> {
    let etcd = oracle("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd")?;
    Some(etcd.parent().unwrap().to_path_buf())
}

fn bucket(p: &Path, name: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let bytes = std::fs::read(p).unwrap();
    let db = etcdsnap_bbolt::Db::open(&bytes).unwrap();
    match db.bucket(&[name]) {
        Ok(b) => b
            .iter(&db)
            .map(|e| {
                let e = e.unwrap();
                (e.key.to_vec(), e.value.to_vec())
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Root, and `bob` allowed only /bob/; auth enabled.
fn auth_setup(e: &mut Etcd) {
    e.enable_auth_with_bob("/bob/");
}

/// Kills `e`, saves the latest state of one copy of its data dir and
/// restarts etcd on another; returns the saved file, the restarted db
/// and the keys etcd serves (as root).
fn save_and_restart(
    mut e: Etcd,
    bin: &Path,
    tmp: &Path,
    peer: &str,
    cluster: &str,
    extra: &[&str],
) -> (PathBuf, PathBuf, serde_json::Value) {
    e.kill9();
    let data = tmp.join("m1");
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    copy_wal_and_snap(&data, &[&a, &b]);
    let out = tmp.join("latest.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        "--data-dir".as_ref(),
        b.as_os_str(),
        out.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("replayed"), "the db must lag its WAL: {err}");
    let mut r = Etcd::spawn_with(bin, &a, "m1", peer, cluster, extra);
    r.user = Some("root:rootpw");
    r.wait_serving();
    let live = serde_json::from_str(&r.ctl_ok(&["get", "", "--prefix", "-w", "json"])).unwrap();
    drop(r);
    (out, a.join("member/snap/db"), live)
}

fn same_state(out: &Path, restarted: &Path, live: &serde_json::Value) {
    let (ours, _) = get_all_json(out, &[]);
    assert_eq!(ours["kvs"], live["kvs"], "keys after replay");
    for b in [&b"authUsers"[..], b"authRoles", b"auth", b"alarm"] {
        assert_eq!(
            bucket(out, b),
            bucket(restarted, b),
            "bucket {}",
            String::from_utf8_lossy(b)
        );
    }
}

#[test]
fn auth_changes_by_a_non_root_user_are_refused() {
    let Some(bin) = etcd_bin_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let peer = live::peer_url();
    let cluster = format!("m1={peer}");
    let flags = [
        "--backend-batch-interval",
        "20s",
        "--backend-batch-limit",
        "1000000",
    ];
    let mut e = Etcd::spawn_with(&bin, &tmp.path().join("m1"), "m1", &peer, &cluster, &flags);
    e.wait_healthy();
    auth_setup(&mut e);
    e.user = Some("bob:bobpw");
    e.ctl_ok(&["put", "/bob/1", "mine"]);
    for args in [
        &["user", "add", "mallory:pw"][..],
        &["role", "add", "bobs"],
        &["user", "grant-role", "bob", "root"],
    ] {
        let o = e.ctl().args(args).output().unwrap();
        assert!(!o.status.success(), "{args:?} must be denied");
    }
    e.user = Some("root:rootpw");
    e.ctl_ok(&["user", "add", "carol:pw"]);
    let (out, restarted, live) = save_and_restart(e, &bin, tmp.path(), &peer, &cluster, &[]);
    same_state(&out, &restarted, &live);
    let users: Vec<Vec<u8>> = bucket(&out, b"authUsers")
        .into_iter()
        .map(|u| u.0)
        .collect();
    assert_eq!(users, [&b"bob"[..], b"carol", b"root"]);
}

#[test]
fn a_nospace_alarm_drops_the_permission_checks() {
    let Some(bin) = etcd_bin_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let peer = live::peer_url();
    let cluster = format!("m1={peer}");
    let quota = ["--quota-backend-bytes", "200000"];
    let mut flags = vec![
        "--backend-batch-interval",
        "4s",
        "--backend-batch-limit",
        "1000000",
    ];
    flags.extend(quota);
    let mut e = Etcd::spawn_with(&bin, &tmp.path().join("m1"), "m1", &peer, &cluster, &flags);
    e.wait_healthy();
    e.ctl_ok(&["put", "/root/secret", "s"]);
    auth_setup(&mut e);
    e.user = Some("bob:bobpw");
    let denied = e.ctl().args(["del", "/root/secret"]).output().unwrap();
    assert!(!denied.status.success(), "bob may not delete /root/secret");
    // Fill the quota as root until etcd raises the NOSPACE alarm.
    e.user = Some("root:rootpw");
    e.fill_until_nospace(8);
    e.user = Some("bob:bobpw");
    let deleted = e.ctl_ok(&["del", "/root/secret"]);
    assert_eq!(
        deleted.trim(),
        "1",
        "etcd's NOSPACE applier checks no permission"
    );
    let (out, restarted, live) = save_and_restart(e, &bin, tmp.path(), &peer, &cluster, &quota);
    same_state(&out, &restarted, &live);
    assert!(!bucket(&out, b"alarm").is_empty());
}
