//! `salvage` on the damaged variants of the real etcd snapshots: every key
//! revision whose leaf page survived intact is recovered (checked against
//! the undamaged original), the result is a sound snapshot with a valid
//! trailer, and both etcdsnap and etcdutl 3.5.1 restore it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::*;
use etcdsnap_bbolt::scan::{leaves, Leaves};
use etcdsnap_bbolt::Db;
use sha2::{Digest, Sha256};

/// The revision keys of the `key` bucket, each with the page range of the
/// leaf holding it.
fn revisions_by_leaf(bytes: &[u8]) -> Vec<(std::ops::Range<usize>, Vec<Vec<u8>>)> {
    let db = Db::open(bytes).unwrap();
    let kb = db.root_bucket().sub_bucket(&db, b"key").unwrap().unwrap();
    let ps = db.page_size();
    let Leaves::Pages(ids) = leaves(&db, &kb).unwrap() else {
        panic!("inline key bucket");
    };
    ids.iter()
        .map(|id| {
            let node = db.node(*id).unwrap();
            let h = db.header(*id).unwrap();
            let start = id.0 as usize * ps;
            let end = start + (h.overflow as usize + 1) * ps;
            let keys = (0..node.count)
                .map(|i| node.leaf(i).unwrap().key.to_vec())
                .collect();
            (start..end, keys)
        })
        .collect()
}

fn key_bucket_keys(bytes: &[u8]) -> BTreeSet<Vec<u8>> {
    let db = Db::open(bytes).unwrap();
    let kb = db.root_bucket().sub_bucket(&db, b"key").unwrap().unwrap();
    kb.iter(&db).map(|e| e.unwrap().key.to_vec()).collect()
}

#[test]
fn salvage_recovers_every_intact_revision() {
    let etcdutl = oracle(
        "ETCDSNAP_ETCDUTL351",
        "/opt/etcdsnap-oracles/etcd-3.5.1/etcdutl",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for base in [
        "etcd/etcd-3.5.1.snapshot.db",
        "etcd/etcd-3.4.23.snapshot.db",
    ] {
        let orig = std::fs::read(testdata().join(base)).unwrap();
        let by_leaf = revisions_by_leaf(&orig);
        let all: usize = by_leaf.iter().map(|(_, k)| k.len()).sum();
        // The undamaged file first: everything comes back.
        let mut cases = vec![("undamaged", orig.clone())];
        // The matrix's damaged variants: page format, etcd semantics,
        // trailer.
        for v in etcdsnap_testsupport::etcd_damage::variants(&orig) {
            cases.push((v.name, v.bytes));
        }
        for (name, bytes) in cases {
            n += 1;
            let input = dir.path().join(format!("in-{n}.db"));
            std::fs::write(&input, &bytes).unwrap();
            let before = sha256(&input);
            let out = dir.path().join(format!("out-{n}.db"));
            let o = etcdsnap(["salvage".as_ref(), input.as_os_str(), out.as_os_str()]);
            assert_no_crash(&o, name);
            // Bytes that no longer match their trailer are salvaged but
            // never passed off as the saved backup: exit 1, said so.
            let changed = bytes.len() % 512 == 32 && {
                let (data, trailer) = bytes.split_at(bytes.len() - 32);
                Sha256::digest(data).as_slice() != trailer
            };
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(
                o.status.code(),
                Some(if changed { 1 } else { 0 }),
                "{base} {name}: {stderr}"
            );
            assert_eq!(
                stderr.contains("the contents changed after the snapshot was saved"),
                changed,
                "{base} {name}: {stderr}"
            );
            assert_eq!(sha256(&input), before, "{name}: input changed");
            // A damaged entry on an otherwise sound key leaf is named and
            // left out; the rest of its page comes back.
            if matches!(
                name,
                "mvcc-value-garbage" | "revision-key-malformed" | "tombstone-marker-malformed"
            ) {
                let said = String::from_utf8_lossy(&o.stdout);
                assert!(
                    said.contains("damaged revision left out"),
                    "{base} {name}: {said}"
                );
            }
            let saved = std::fs::read(&out).unwrap();
            let got = key_bucket_keys(&saved);
            let mut expected = 0;
            for (range, keys) in &by_leaf {
                let intact = bytes.get(range.clone()) == orig.get(range.clone());
                if intact {
                    for k in keys {
                        expected += 1;
                        assert!(
                            got.contains(k),
                            "{base} {name}: revision {k:?} from an intact leaf lost"
                        );
                    }
                }
            }
            if name == "undamaged" {
                assert_eq!(got.len(), all, "{base}: undamaged salvage");
            }
            assert!(
                expected > 0 || by_leaf.len() <= 2,
                "{name}: nothing intact to check"
            );
            // A sound snapshot with a valid trailer.
            let c = etcdsnap(["check".as_ref(), out.as_os_str()]);
            assert_eq!(
                c.status.code(),
                Some(0),
                "{name}: salvaged file fails the check"
            );
            let st = etcdsnap(["snapshot".as_ref(), "status".as_ref(), out.as_os_str()]);
            assert_eq!(
                st.status.code(),
                Some(0),
                "{name}: status of the salvaged file"
            );
            assert!(String::from_utf8_lossy(&st.stderr).contains("SHA-256 trailer verified"));
            let ours = etcdsnap([
                "snapshot".as_ref(),
                "restore".as_ref(),
                out.as_os_str(),
                "--data-dir".as_ref(),
                dir.path().join(format!("ours-{n}")).as_os_str(),
            ]);
            assert_eq!(
                ours.status.code(),
                Some(0),
                "{name}: etcdsnap restore: {}",
                String::from_utf8_lossy(&ours.stderr)
            );
            if let Some(etcdutl) = &etcdutl {
                let r = Command::new(etcdutl)
                    .args(["snapshot", "restore"])
                    .arg(&out)
                    .arg("--data-dir")
                    .arg(dir.path().join(format!("restored-{n}")))
                    .output()
                    .unwrap();
                assert!(
                    r.status.success(),
                    "{name}: etcdutl restore: {}",
                    String::from_utf8_lossy(&r.stderr)
                );
            }
        }
    }
    assert!(n >= 20, "only {n} cases");
}

/// A salvaged snapshot of a damaged file (the first leaf of the `key`
/// bucket zeroed) restored with etcdutl 3.5.1 is served by real etcd 3.5.1:
/// exactly the keys `etcdsnap get` reads from the salvaged file, with their
/// revisions and versions, the auth it had, and a write after it.
#[test]
fn a_salvaged_snapshot_is_served_by_etcd_351() {
    let Some(etcdutl) = oracle(
        "ETCDSNAP_ETCDUTL351",
        "/opt/etcdsnap-oracles/etcd-3.5.1/etcdutl",
    ) else {
        return;
    };
    let bin = etcdutl.parent().unwrap().to_path_buf();
    let orig = std::fs::read(testdata().join("etcd/etcd-3.5.1.snapshot.db")).unwrap();
    let v = etcdsnap_testsupport::etcd_damage::variants(&orig)
        .into_iter()
        .find(|v| v.name == "zeroed-leaf-page")
        .expect("zeroed-leaf-page variant");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("damaged.db");
    std::fs::write(&input, &v.bytes).unwrap();
    let out = dir.path().join("salvaged.db");
    let o = etcdsnap(["salvage".as_ref(), input.as_os_str(), out.as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let salvaged_kvs = get_all_json(&out, &[]).0["kvs"].as_array().unwrap().clone();
    let orig_kvs = get_all_json(&testdata().join("etcd/etcd-3.5.1.snapshot.db"), &[]).0["kvs"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        !salvaged_kvs.is_empty() && salvaged_kvs.len() < orig_kvs,
        "{} of {orig_kvs} keys salvaged",
        salvaged_kvs.len()
    );

    let data = dir.path().join("m1");
    let peer = live::peer_url();
    let r = Command::new(&etcdutl)
        .args(["snapshot", "restore"])
        .arg(&out)
        .arg("--data-dir")
        .arg(&data)
        .args(["--name", "m1", "--initial-cluster"])
        .arg(format!("m1={peer}"))
        .args(["--initial-advertise-peer-urls", &peer])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let mut e = live::Etcd::spawn(&bin, &data, "m1", &peer, &format!("m1={peer}"));
    e.user = Some("root:rootpw");
    e.wait_healthy();
    let served: serde_json::Value =
        serde_json::from_str(&e.ctl_ok(&["get", "", "--prefix", "-w", "json"])).unwrap();
    assert_eq!(served["kvs"].as_array().unwrap(), &salvaged_kvs);
    assert!(e.ctl_ok(&["user", "list"]).contains("root"));
    e.ctl_ok(&["put", "/after/salvage", "ok"]);
    assert!(e.ctl_ok(&["get", "/after/salvage"]).contains("ok"));
}

/// Four bytes of a value changed in a real snapshot: the structure is
/// intact (`check` passes), the trailer is not. Salvage writes what it
/// reads but exits 1 and says the contents changed; defrag and save of a
/// data dir holding those bytes refuse unless --skip-hash-check.
#[test]
fn changed_bytes_are_not_laundered_into_a_good_backup() {
    let dir = tempfile::tempdir().unwrap();
    let orig = std::fs::read(testdata().join("etcd/etcd-3.5.1.snapshot.db")).unwrap();
    // A value byte of the last key revision: inside the key bucket's data,
    // found by its text.
    let db = etcdsnap_bbolt::Db::open(&orig).unwrap();
    let kb = db.root_bucket().sub_bucket(&db, b"key").unwrap().unwrap();
    let last = kb.iter(&db).last().unwrap().unwrap();
    let at = db.offset_of(last.value) as usize + last.value.len() - 2;
    let mut bytes = orig.clone();
    for b in &mut bytes[at..at + 2] {
        *b ^= 0x55;
    }
    let flipped = dir.path().join("flip.db");
    std::fs::write(&flipped, &bytes).unwrap();
    let check = etcdsnap(["check".as_ref(), flipped.as_os_str()]);
    assert_eq!(check.status.code(), Some(0), "the structure is intact");
    // check says what it did not look at, and where to look.
    assert!(
        String::from_utf8_lossy(&check.stderr).contains("`etcdsnap verify` checks it"),
        "{check:?}"
    );
    // status refuses the changed bytes and names what to do next.
    let st = etcdsnap(["snapshot".as_ref(), "status".as_ref(), flipped.as_os_str()]);
    assert_eq!(st.status.code(), Some(1));
    let e = String::from_utf8_lossy(&st.stderr);
    assert!(
        e.contains("SHA-256 trailer mismatch")
            && e.contains("`etcdsnap verify`")
            && e.contains("`etcdsnap salvage`"),
        "{e}"
    );

    let out = dir.path().join("out.db");
    let o = etcdsnap([
        "salvage".as_ref(),
        flipped.as_os_str(),
        out.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["trailer"], "mismatch");
    assert!(report["contents_changed"]
        .as_str()
        .unwrap()
        .contains("which values changed cannot be told"));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("the contents changed after the snapshot was saved"));
    assert!(out.is_file(), "salvage still writes what it read");

    // The same bytes as a data dir's db: defrag and save refuse them.
    let data = dir.path().join("d");
    std::fs::create_dir_all(data.join("member/snap")).unwrap();
    std::fs::write(data.join("member/snap/db"), &bytes).unwrap();
    let before = sha256(&data.join("member/snap/db"));
    let o = etcdsnap(["defrag".as_ref(), data.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--skip-hash-check accepts"));
    assert_eq!(
        sha256(&data.join("member/snap/db")),
        before,
        "defrag refused: untouched"
    );
    let saved = dir.path().join("saved.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        data.as_os_str(),
        saved.as_os_str(),
        "--no-wal".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(!saved.exists());
    // Accepted when asked.
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        data.as_os_str(),
        saved.as_os_str(),
        "--no-wal".as_ref(),
        "--skip-hash-check".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = etcdsnap([
        "defrag".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--skip-hash-check".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}
