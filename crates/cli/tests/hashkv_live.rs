//! `hashkv`, `get` and `dump` against a live etcd 3.5.1 serving the same
//! data: the fixture
//! snapshot is restored with the real etcdutl, real etcd is started on
//! loopback, and `etcdctl endpoint hashkv --rev N` is compared with
//! `etcdsnap hashkv --rev N` at the head, just after the compaction, in
//! between, and at the error bounds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// Restores `snapshot` with the real etcdutl and starts real etcd on it.
fn start_etcd(bin: &Path, dir: &Path, snapshot: &Path, user: Option<&'static str>) -> live::Etcd {
    let data = dir.join("data");
    let peer = live::peer_url();
    let copy = dir.join("snap.db");
    std::fs::copy(snapshot, &copy).unwrap();
    let r = Command::new(bin.join("etcdutl"))
        .args(["snapshot", "restore"])
        .arg(&copy)
        .arg("--data-dir")
        .arg(&data)
        .args(["--name", "m1", "--initial-cluster", &format!("m1={peer}")])
        .args(["--initial-advertise-peer-urls", &peer])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "etcdutl restore: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let mut etcd = live::Etcd::spawn(bin, &data, "m1", &peer, &format!("m1={peer}"));
    etcd.user = user;
    etcd.wait_healthy();
    etcd
}

/// Compares hashkv at several revisions, and the error bounds, with a live
/// etcd serving `fixture`.
fn compare_with_live(bin: &Path, fixture: &Path, user: Option<&'static str>) {
    let ours_at = |rev: i64| {
        let o = etcdsnap([
            "hashkv".as_ref(),
            fixture.as_os_str(),
            "--rev".as_ref(),
            rev.to_string().as_ref(),
            "-w".as_ref(),
            "json".as_ref(),
        ]);
        assert_no_crash(&o, "hashkv");
        o
    };
    let head: serde_json::Value = serde_json::from_slice(&ours_at(0).stdout).unwrap();
    let head_rev = head["hashRevision"].as_i64().unwrap();
    let compact = head["compactRevision"].as_i64().unwrap();
    let first = if compact > 0 { compact + 1 } else { 1 };
    assert!(head_rev > first + 2, "fixture too short: {head}");

    let dir = tempfile::tempdir().unwrap();
    let etcd = start_etcd(bin, dir.path(), fixture, user);
    let revs = [
        0,
        first,
        first + 1,
        (first + head_rev) / 2,
        head_rev - 1,
        head_rev,
    ];
    for rev in revs {
        let live = etcd
            .ctl()
            .args([
                "endpoint",
                "hashkv",
                "--rev",
                &rev.to_string(),
                "-w",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            live.status.success(),
            "etcdctl hashkv --rev {rev}: {}",
            String::from_utf8_lossy(&live.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&live.stdout).unwrap();
        let hk = &v[0]["HashKV"];
        let ours: serde_json::Value = serde_json::from_slice(&ours_at(rev).stdout).unwrap();
        assert_eq!(
            ours["hash"],
            hk["hash"],
            "{}: hash at --rev {rev}: ours {ours}, etcd {hk}",
            fixture.display()
        );
        // etcd omits a zero compact revision from its JSON; -1 (never) is sent.
        let live_compact = hk["compact_revision"].as_i64().unwrap_or(0);
        assert_eq!(
            ours["compactRevision"].as_i64().unwrap(),
            live_compact,
            "compact revision at --rev {rev}"
        );
    }
    // At or below the compact revision, and past the head: etcd's errors.
    let mut bounds = vec![(head_rev + 1, "future revision")];
    if compact > 0 {
        bounds.push((compact - 1, "compacted"));
        bounds.push((compact, "compacted"));
    }
    for (rev, word) in bounds {
        let live = etcd
            .ctl()
            .args(["endpoint", "hashkv", "--rev", &rev.to_string()])
            .output()
            .unwrap();
        assert!(!live.status.success());
        assert!(
            String::from_utf8_lossy(&live.stderr).contains(word),
            "etcd: {}",
            String::from_utf8_lossy(&live.stderr)
        );
        let o = ours_at(rev);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(word),
            "ours: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn hashkv_equals_live_etcd_351() {
    let Some(etcd_bin) = oracle("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd") else {
        return;
    };
    let bin: PathBuf = etcd_bin.parent().unwrap().to_path_buf();
    // Compacted at revision 61, auth enabled; and a never compacted one.
    compare_with_live(
        &bin,
        &testdata().join("etcd/etcd-3.5.1.snapshot.db"),
        Some("root:rootpw"),
    );
    compare_with_live(
        &bin,
        &testdata().join("etcd/etcd-3.5.1.small.snapshot.db"),
        None,
    );
}

/// `etcdsnap get "" --prefix --rev N -w json` returns the keys etcd 3.5.1
/// serves at N (`etcdctl get "" --prefix --rev N -w json`), with revisions,
/// versions, values and leases; below the compact revision and past the
/// head both refuse.
#[test]
fn get_equals_live_etcd_351() {
    let Some(etcd_bin) = oracle("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd") else {
        return;
    };
    let bin: PathBuf = etcd_bin.parent().unwrap().to_path_buf();
    let fixture = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let dir = tempfile::tempdir().unwrap();
    let etcd = start_etcd(&bin, dir.path(), &fixture, Some("root:rootpw"));
    // testdata/etcd/fixtures-info.txt: compacted at 61, head 75.
    for rev in [0, 61, 62, 68, 74, 75] {
        let live = etcd
            .ctl()
            .args([
                "get",
                "",
                "--prefix",
                "--rev",
                &rev.to_string(),
                "-w",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            live.status.success(),
            "{}",
            String::from_utf8_lossy(&live.stderr)
        );
        let live: serde_json::Value = serde_json::from_slice(&live.stdout).unwrap();
        let o = etcdsnap([
            "get".as_ref(),
            fixture.as_os_str(),
            "".as_ref(),
            "--prefix".as_ref(),
            "--rev".as_ref(),
            rev.to_string().as_ref(),
            "-w".as_ref(),
            "json".as_ref(),
        ]);
        assert_no_crash(&o, "get");
        let ours: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(live["kvs"].as_array().unwrap().len() > 10);
        assert_eq!(ours["kvs"], live["kvs"], "kvs at --rev {rev}");
        // dump: the same keys, one JSON object per line.
        let d = etcdsnap([
            "dump".as_ref(),
            fixture.as_os_str(),
            "--rev".as_ref(),
            rev.to_string().as_ref(),
        ]);
        assert_no_crash(&d, "dump");
        let lines: Vec<serde_json::Value> = String::from_utf8(d.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), live["kvs"].as_array().unwrap().len());
        for (l, kv) in lines.iter().zip(live["kvs"].as_array().unwrap()) {
            assert_eq!(l["mod_revision"], kv["mod_revision"]);
        }
        assert_eq!(ours["header"]["revision"], live["header"]["revision"]);
    }
    for (rev, word) in [(60, "compacted"), (76, "future revision")] {
        let live = etcd
            .ctl()
            .args(["get", "x", "--rev", &rev.to_string()])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&live.stderr).contains(word));
        let o = etcdsnap([
            "get".as_ref(),
            fixture.as_os_str(),
            "x".as_ref(),
            "--rev".as_ref(),
            rev.to_string().as_ref(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains(word));
    }
}

/// `--etcd-version 3.6` hashes the compact revision itself, which 3.5.1
/// refuses (checked against the live etcd above), and still refuses what
/// is below it. After a finished compaction at C the `key` bucket holds,
/// at or below C, exactly the revisions etcd's `keep(C)` keeps (each key's
/// newest revision unless it is a tombstone), so the hash at C must be
/// CRC-32C of `key` and every key and value up to C, computed here from
/// the file independently of etcdsnap's hashkv.
#[test]
fn hashkv_36_hashes_the_compact_revision() {
    let fixture = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let bytes = std::fs::read(&fixture).unwrap();
    let db = etcdsnap_bbolt::Db::open(&bytes).unwrap();
    let kb = db.root_bucket().sub_bucket(&db, b"key").unwrap().unwrap();
    // testdata/etcd/fixtures-info.txt: compacted at 61, head 75.
    let compact = 61u64;
    let mut crc = crc32c::crc32c(b"key");
    let mut hashed = 0;
    for e in kb.iter(&db) {
        let e = e.unwrap();
        let main = u64::from_be_bytes(e.key[..8].try_into().unwrap());
        if main <= compact {
            crc = crc32c::crc32c_append(crc, e.key);
            crc = crc32c::crc32c_append(crc, e.value);
            hashed += 1;
        }
    }
    assert!(
        hashed > 10,
        "the fixture keeps {hashed} revisions up to {compact}"
    );
    let at = |rev: u64, version: &str| {
        etcdsnap([
            "hashkv",
            fixture.to_str().unwrap(),
            "--rev",
            &rev.to_string(),
            "--etcd-version",
            version,
            "-w",
            "json",
        ])
    };
    let o = at(compact, "3.6");
    assert_no_crash(&o, "hashkv 3.6");
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["hash"], crc, "hash at the compact revision");
    assert_eq!(j["hashRevision"], compact);
    assert_eq!(j["compactRevision"], compact);
    for (rev, version) in [(compact, "3.5"), (compact - 1, "3.6")] {
        let o = at(rev, version);
        assert_eq!(o.status.code(), Some(1), "--rev {rev} as {version}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("compacted"));
    }
}
