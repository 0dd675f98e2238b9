//! `etcdsnap wal` on a real etcd 3.5.1 member's data dir
//! (testdata/etcd/etcd-3.5.1-member.tar.gz): the snapshot, metadata and
//! hard state etcd recorded, the requests the fixture script sent decoded
//! from etcd's own records, filters, JSON, and damage located with every
//! earlier entry still shown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::*;

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["wal".as_ref(), dir.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let o = etcdsnap(args);
    assert_no_crash(&o, "wal");
    o
}

fn copy_member() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let src = member_dir();
    for sub in ["member/wal", "member/snap"] {
        std::fs::create_dir_all(t.path().join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), t.path().join(sub).join(e.file_name())).unwrap();
        }
    }
    t
}

fn wal_file(dir: &Path) -> std::path::PathBuf {
    dir.join("member/wal/0000000000000000-0000000000000000.wal")
}

#[test]
fn dumps_what_etcd_wrote() {
    let dir = member_dir();
    let before = sha256(&wal_file(&dir));
    let o = run(&dir, &[]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // testdata/etcd/fixtures-info.txt: snapshot 0000000000000002-0000000000000033.snap,
    // member d449f37c6e82c196, cluster 7f68ae8e2ccb2de4, raft term 2.
    assert_eq!(lines[0], "Snapshot:");
    assert!(lines[1].starts_with("term=2 index=51 nodes=[d449f37c6e82c196] confstate={\"voters\":[15297025325096157590],"), "{}", lines[1]);
    assert_eq!(lines[2], "Start dumping log entries from snapshot.");
    assert!(
        lines[4]
            .starts_with("nodeID=d449f37c6e82c196 clusterID=7f68ae8e2ccb2de4 term=2 commitIndex="),
        "{}",
        lines[4]
    );
    assert_eq!(lines[7], "term\t     index\ttype\tdata");
    let rows: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("   2\t"))
        .collect();
    let first_index: u64 = rows[0].split('\t').nth(1).unwrap().trim().parse().unwrap();
    assert_eq!(first_index, 52, "entries start after the snapshot index");
    // Requests the fixture script made, as etcd logged them.
    let lease = u64::from_str_radix("4196a20a310fb738", 16).unwrap();
    assert!(
        text.contains(&format!("lease_grant:<TTL:86400 ID:{lease} >")),
        "{text}"
    );
    assert!(text.contains(&format!(
        "put:<key:\"/leased/a\" value:\"held by a lease\" lease:{lease} >"
    )));
    assert!(text.contains("txn:<success:<request_put:<key:\"/txn/a\" value:\"1\" > >"));
    assert!(text.contains("auth_enable:<>"));
    let count_line = lines.last().unwrap();
    assert_eq!(
        *count_line,
        format!(
            "Entry types (Normal,ConfigChange) count is : {}",
            rows.len()
        )
    );
    assert_eq!(sha256(&wal_file(&dir)), before, "input unchanged");

    // From index 0: every entry, the cluster's first conf change included.
    let all = String::from_utf8(run(&dir, &["--start-index", "0"]).stdout).unwrap();
    assert!(all.starts_with("Start dumping log entries from index 0.\n"));
    assert!(
        all.contains("\tconf\tmethod=ConfChangeAddNode id=d449f37c6e82c196"),
        "{all}"
    );

    // JSON: the same entries, requests decoded.
    let j: serde_json::Value = serde_json::from_slice(&run(&dir, &["-w", "json"]).stdout).unwrap();
    assert_eq!(j["entries"].as_array().unwrap().len(), rows.len());
    assert_eq!(j["snapshot"]["index"], 51);
    assert_eq!(j["node_id"], "d449f37c6e82c196");
    let puts: Vec<&serde_json::Value> = j["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["request"]["put"].is_object())
        .collect();
    assert!(puts
        .iter()
        .any(|e| e["request"]["put"]["key"] == "/leased/b"));

    // Filters: only puts; an index window.
    let only_puts = String::from_utf8(run(&dir, &["--entry-type", "IRRPut"]).stdout).unwrap();
    let put_rows: Vec<&str> = only_puts
        .lines()
        .filter(|l| l.starts_with("   2\t"))
        .collect();
    assert_eq!(put_rows.len(), puts.len());
    assert!(put_rows.iter().all(|r| r.contains(" put:<")));
    let window =
        String::from_utf8(run(&dir, &["--start-index", "55", "--end-index", "57"]).stdout).unwrap();
    let idx: Vec<&str> = window
        .lines()
        .filter(|l| l.starts_with("   2\t"))
        .map(|l| l.split('\t').nth(1).unwrap().trim())
        .collect();
    assert_eq!(idx, ["56", "57"]);
    let o = run(&dir, &["--entry-type", "Bogus,IRRTxn"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("[Bogus] is not a valid entry-type"));
}

#[test]
fn damage_is_located_and_earlier_entries_shown() {
    let full = String::from_utf8(run(&member_dir(), &["--start-index", "0"]).stdout).unwrap();
    let full_rows = full.lines().filter(|l| l.starts_with("   ")).count();
    // A flipped byte in the middle of the records.
    let t = copy_member();
    let f = wal_file(t.path());
    let mut b = std::fs::read(&f).unwrap();
    let used = b.iter().rposition(|x| *x != 0).unwrap();
    b[used / 2] ^= 0x40;
    std::fs::write(&f, &b).unwrap();
    let o = run(t.path(), &["--start-index", "0"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("WAL damaged in 0000000000000000-0000000000000000.wal at offset"),
        "{err}"
    );
    let rows = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("   "))
        .count();
    assert!(rows > 0 && rows < full_rows, "{rows} of {full_rows}");

    // A torn last write: a record across a sector boundary whose part past
    // the boundary never reached the disk, and nothing after it.
    let t = copy_member();
    let f = wal_file(t.path());
    let mut b = std::fs::read(&f).unwrap();
    let mut off = 0usize;
    let (data, len) = loop {
        let l = i64::from_le_bytes(b[off..off + 8].try_into().unwrap());
        assert_ne!(l, 0, "no record crosses a sector boundary");
        let len = ((l as u64) & !(0xffu64 << 56)) as usize;
        let pad = if l < 0 {
            (((l as u64) >> 56) & 7) as usize
        } else {
            0
        };
        let data = off + 8;
        if data / 512 != (data + len - 1) / 512 && !(data + len).is_multiple_of(512) {
            break (data, len);
        }
        off = data + len + pad;
    };
    b[data.div_ceil(512) * 512..data + len].fill(0);
    b.truncate((data + len).div_ceil(8) * 8);
    b.resize(b.len() + 4096, 0);
    std::fs::write(&f, &b).unwrap();
    let o = run(t.path(), &["--start-index", "0"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "torn last write in 0000000000000000-0000000000000000.wal at offset {off}"
        )),
        "{err}"
    );
}
