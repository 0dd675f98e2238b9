//! A member killed before its db caught up with its WAL, where the WAL
//! holds the v2 requests etcd proposes to publish a member's attributes
//! and the cluster version (etcd 3.5 at its first boot, 3.4 at every
//! start): `get`, `snapshot save` and `verify` of the data dir read the
//! state real etcd recovers when it restarts on a copy of the same dir.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::live::{self, Etcd};
use common::*;

/// Copies a data dir (files only, two levels deep as etcd lays them out).
fn copy_dir(from: &Path, to: &Path) {
    for sub in ["member/wal", "member/snap"] {
        std::fs::create_dir_all(to.join(sub)).unwrap();
        for e in std::fs::read_dir(from.join(sub)).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), to.join(sub).join(e.file_name())).unwrap();
            }
        }
    }
}

/// Writes keys to a member whose db commits are held back, kills it with
/// SIGKILL (after `restarts` clean restarts), and compares what etcdsnap
/// reads from the dead member's dir with what `bin/etcd` serves when
/// restarted on a copy.
fn killed_member_reads_as_etcd_recovers(bin: &Path, restarts: usize, keys: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    let cluster = format!("m1={peer}");
    let hold = [
        "--backend-batch-interval",
        "60s",
        "--backend-batch-limit",
        "1000000",
    ];
    for _ in 0..restarts {
        let mut e = Etcd::spawn_with(bin, &data, "m1", &peer, &cluster, &[]);
        e.wait_healthy();
        e.ctl_ok(&["put", "/before/restart", "x"]);
        drop(e); // SIGTERM: a clean stop, the db committed
    }
    let mut e = Etcd::spawn_with(bin, &data, "m1", &peer, &cluster, &hold);
    e.wait_healthy();
    for i in 0..keys {
        e.ctl_ok(&["put", &format!("/boot/k{i:02}"), &format!("v{i}")]);
    }
    // The client URL this start published (a v2 request in the WAL).
    let published = e.endpoint.clone();
    e.kill9();
    drop(e);

    let (ours_dir, theirs_dir) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    copy_dir(&data, &ours_dir);
    copy_dir(&data, &theirs_dir);
    let db_sum = sha256(&ours_dir.join("member/snap/db"));

    // The db alone lags: the WAL holds committed entries it lacks.
    let (db_only, _) = get_all_json(&ours_dir, &["--no-wal"]);
    let db_keys = db_only["kvs"].as_array().map_or(0, Vec::len);
    assert!(db_keys < keys, "the db must lag: {db_keys} keys of {keys}");

    // What real etcd recovers from the same dir.
    let peer2 = live::peer_url();
    let mut r = Etcd::spawn_with(bin, &theirs_dir, "m1", &peer2, &format!("m1={peer2}"), &[]);
    r.wait_healthy();
    let live: serde_json::Value =
        serde_json::from_str(&r.ctl_ok(&["get", "", "--prefix", "-w", "json"])).unwrap();
    drop(r);
    std::thread::sleep(Duration::from_millis(100));

    // get DATA_DIR replays the WAL (v2 requests included) to the same keys.
    let (ours, err) = get_all_json(&ours_dir, &[]);
    assert!(err.contains("latest state"), "{err}");
    assert_eq!(ours["kvs"], live["kvs"], "keys etcd recovers");
    assert_eq!(ours["header"]["revision"], live["header"]["revision"]);
    assert!(live["kvs"].as_array().unwrap().len() >= keys);

    // verify reports the WAL tail and the state it leads to.
    let o = etcdsnap([
        "verify".as_ref(),
        ours_dir.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(v["wal_tail"]["replays"], true, "{v}");
    assert!(v["wal_tail"]["committed_past_db"].as_u64().unwrap() >= keys as u64);
    assert_eq!(
        v["wal_tail"]["latest_revision"], live["header"]["revision"],
        "{v}"
    );
    assert_eq!(
        v["wal_tail"]["latest_live_keys"].as_u64().unwrap() as usize,
        live["kvs"].as_array().unwrap().len()
    );

    // snapshot save writes that state, with the attributes the killed
    // start published (its v2 request) in the members bucket.
    let out = tmp.path().join("saved.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        ours_dir.as_os_str(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let (saved, _) = get_all_json(&out, &[]);
    assert_eq!(saved["kvs"], live["kvs"]);
    let o = etcdsnap([
        "members".as_ref(),
        out.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    let ms: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mine = ms
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source"] == "db" && !m["removed"].as_bool().unwrap())
        .unwrap();
    assert_eq!(mine["name"], "m1", "{ms}");
    assert_eq!(mine["client_urls"], serde_json::json!([published]), "{ms}");
    assert_eq!(
        sha256(&ours_dir.join("member/snap/db")),
        db_sum,
        "input unchanged"
    );
}

#[test]
fn etcd_3530_killed_at_first_boot() {
    if let Some(etcd) = oracle(
        "ETCDSNAP_ETCD3530",
        "/opt/etcdsnap-oracles/etcd-3.5.30/etcd",
    ) {
        killed_member_reads_as_etcd_recovers(etcd.parent().unwrap(), 0, 25);
    }
}

#[test]
fn etcd_3423_killed_right_after_a_restart() {
    if let Some(etcdctl) = oracle("ETCDSNAP_ETCDCTL34", "/usr/bin/etcdctl") {
        killed_member_reads_as_etcd_recovers(etcdctl.parent().unwrap(), 1, 10);
    }
}
