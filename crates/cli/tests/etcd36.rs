//! etcd 3.6 and 3.7 from their source: `snapshot restore`, `verify` and
//! reading their data dirs, under `--etcd-version 3.6|3.7` and by
//! detection (a db whose `meta/storageVersion` names the release).
//!
//! No 3.6 or 3.7 binary runs here: these tests build 3.6- and 3.7-shaped
//! files with etcdsnap's own writers following the source and assert what
//! the source says. They are source-derived goldens and claim no byte
//! identity with real etcd. Source references are to upstream tags of
//! etcd-io/etcd (v3.6.14, v3.7.1) and etcd-io/raft (v3.7.0).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use etcdsnap_wal::proto::ConfChange;
use prost::Message;

fn small() -> PathBuf {
    testdata().join("etcd").join("etcd-3.5.1.small.snapshot.db")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `o` must have succeeded and said `says` on stderr.
fn ok_saying(o: &Output, what: &str, says: &str) {
    ok(o, what);
    assert!(stderr(o).contains(says), "{}", stderr(o));
}

/// Restores `snap` into `dir` with `extra` flags before the command.
fn restore(snap: &Path, dir: &Path, global: &[&str], extra: &[&str]) -> Output {
    let mut args: Vec<String> = global.iter().map(|s| s.to_string()).collect();
    args.extend(["snapshot", "restore"].map(String::from));
    args.push(snap.display().to_string());
    args.push("--data-dir".into());
    args.push(dir.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    etcdsnap(&args)
}

/// The WAL segment and the `.snap` file of a restored data dir.
fn wal_and_snap(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let wal = std::fs::read(
        dir.join("member/wal")
            .join("0000000000000000-0000000000000000.wal"),
    )
    .unwrap();
    let snaps: Vec<PathBuf> = std::fs::read_dir(dir.join("member/snap"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "snap"))
        .collect();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    (wal, std::fs::read(&snaps[0]).unwrap())
}

/// A bucket's name and its entries.
type BucketEntries = (Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>);

/// Every top-level bucket's entries of the db at `p`.
fn buckets(p: &Path) -> Vec<BucketEntries> {
    let bytes = std::fs::read(p).unwrap();
    let db = etcdsnap_bbolt::Db::open(&bytes).unwrap();
    let root = db.root_bucket();
    let mut out = Vec::new();
    for e in root.iter(&db) {
        let e = e.unwrap();
        let b = root.sub_bucket(&db, e.key).unwrap().unwrap();
        let kv = b
            .iter(&db)
            .map(|x| {
                let x = x.unwrap();
                (x.key.to_vec(), x.value.to_vec())
            })
            .collect();
        out.push((e.key.to_vec(), kv));
    }
    out
}

fn meta_value(p: &Path, key: &[u8]) -> Option<Vec<u8>> {
    buckets(p)
        .into_iter()
        .find(|(n, _)| n == b"meta")
        .and_then(|(_, kv)| kv.into_iter().find(|(k, _)| k == key))
        .map(|(_, v)| v)
}

/// A copy of the small 3.5.1 snapshot with `edits`, in `dir` (no trailer).
fn shaped(dir: &Path, name: &str, edits: &[KeyEdit<'_>]) -> PathBuf {
    let p = dir.join(name);
    rewrite_with(&small(), &p, edits);
    p
}

#[test]
fn restore_for_3_6_writes_what_3_5_writes_derived_from_etcd_v3_6_source() {
    // v3.6.14 etcdutl/snapshot/v3_snapshot.go: saveDB (:354-369) trims
    // members and members_removed as 3.5.30 does
    // (server/storage/schema/membership.go:135-157, the same loop as
    // v3.5.30 server/etcdserver/api/membership/store.go:137-157);
    // saveWALAndSnap (:509-591) adds the members back through the v3
    // backend only (SetBackend creates members, members_removed and
    // cluster, membership.go:184-191; AddMember writes the member JSON,
    // cluster.go:407-441), writes the same WAL records, and builds the
    // .snap data from the v3 membership in the v2 store's JSON format
    // (GetMembershipInfoInV2Format, server/etcdserver/cluster_util.go:450-458;
    // RaftCluster.Store, api/membership/cluster.go:994-1019), which for
    // members without client URLs, removed members or a cluster version is
    // the store 3.5 saves; updateCIndex (:593-599) writes consistent_index
    // and term as 3.5 does (schema/cindex.go:70-95). Restore never writes a
    // storage version (nothing in Restore calls UnsafeSetStorageVersion).
    let t = tempfile::tempdir().unwrap();
    let d35 = t.path().join("r35");
    let d36 = t.path().join("r36");
    ok(
        &restore(&small(), &d35, &["--etcd-version", "3.5"], &[]),
        "restore 3.5",
    );
    let o = restore(&small(), &d36, &["--etcd-version", "3.6"], &[]);
    ok_saying(&o, "restore 3.6", "answering as etcd 3.6.14");
    assert_eq!(wal_and_snap(&d35), wal_and_snap(&d36));
    let db = |d: &Path| d.join("member/snap/db");
    assert_eq!(buckets(&db(&d35)), buckets(&db(&d36)));
    assert_eq!(meta_value(&db(&d36), b"storageVersion"), None);

    // With several members 3.6 adds them to the v2 store in Go's map
    // order; etcdsnap writes member-id order, which is one of the orders
    // 3.6 writes and the order 3.5 writes.
    let cluster = "a=http://127.0.0.1:2380,b=http://127.0.0.1:2381,c=http://127.0.0.1:2382";
    let flags = [
        "--name",
        "a",
        "--initial-cluster",
        cluster,
        "--initial-advertise-peer-urls",
        "http://127.0.0.1:2380",
    ];
    let m35 = t.path().join("m35");
    let m36 = t.path().join("m36");
    ok(
        &restore(&small(), &m35, &["--etcd-version", "3.5.30"], &flags),
        "3 members, 3.5",
    );
    ok(
        &restore(&small(), &m36, &["--etcd-version", "3.6.0"], &flags),
        "3 members, 3.6",
    );
    assert_eq!(wal_and_snap(&m35), wal_and_snap(&m36));
}

#[test]
fn restore_by_detection_keeps_the_storage_version_derived_from_etcd_v3_6_source() {
    // A snapshot of a 3.6 member: meta/storageVersion 3.6.0 (v3.6.14
    // server/storage/schema/version.go:59-62 writes major.minor.0). With
    // no flag, restore answers as the newest 3.6; the copied db keeps the
    // storage version, which restore neither writes nor clears (v3.6.14
    // etcdutl/snapshot/v3_snapshot.go:256-347).
    let t = tempfile::tempdir().unwrap();
    let snap = shaped(
        t.path(),
        "s36.db",
        &[(b"meta", b"storageVersion", Some(b"3.6.0"))],
    );
    let out = t.path().join("out");
    let o = restore(&snap, &out, &[], &["--skip-hash-check"]);
    ok_saying(&o, "restore by detection", "answering as etcd 3.6.14 (the newest 3.6 this build knows; storage version 3.6.0 in the db)");
    let db = out.join("member/snap/db");
    assert_eq!(
        meta_value(&db, b"storageVersion").as_deref(),
        Some(&b"3.6.0"[..])
    );
    // And the restored data dir verifies clean as 3.6.
    let v = etcdsnap(["verify", out.to_str().unwrap()]);
    let text = ok(&v, "verify restored 3.6 dir");
    assert!(
        text.contains("storage version:  3.6.0 (etcd 3.6.14 keeps 3.6.0)"),
        "{text}"
    );
    assert!(!text.contains("problem"), "{text}");

    // A 3.4 backup is restored for 3.5 whatever is asked below 3.5.
    let d34 = t.path().join("r34");
    let o = restore(&small(), &d34, &["--etcd-version", "3.4"], &[]);
    ok_saying(&o, "restore as 3.4", "restored for etcd 3.5.30");
}

#[test]
fn restore_for_3_7_leaves_out_unset_fields_derived_from_etcd_v3_7_source() {
    // etcd 3.7 builds raftpb with protobuf-go (etcd-io/raft v3.7.0
    // raftpb/raft.pb.go: pointer fields, written only when set) and its
    // restore sets no ConfChange.Id (v3.7.1
    // etcdutl/snapshot/v3_snapshot.go:548-552) and no ConfState.AutoLeave
    // (:575-577, used at :580-584 and :590), which gogoproto (3.5, 3.6)
    // writes as zeros (raft v3.6.0 raftpb/raft.proto: nullable=false).
    // Everything else it sets, so the rest is as 3.5/3.6 write it.
    let t = tempfile::tempdir().unwrap();
    let d36 = t.path().join("r36");
    let d37 = t.path().join("r37");
    ok(
        &restore(&small(), &d36, &["--etcd-version", "3.6"], &[]),
        "restore 3.6",
    );
    let o = restore(&small(), &d37, &["--etcd-version", "3.7"], &[]);
    ok_saying(&o, "restore 3.7", "answering as etcd 3.7.1");

    let w36 = etcdsnap_wal::reader::read_dir(&d36.join("member/wal")).unwrap();
    let w37 = etcdsnap_wal::reader::read_dir(&d37.join("member/wal")).unwrap();
    assert!(w37.damage.is_none(), "{:?}", w37.damage);
    assert_eq!(w36.entries.len(), w37.entries.len());
    assert_eq!(w36.hard_state, w37.hard_state);
    assert_eq!(w36.metadata, w37.metadata);
    for (a, b) in w36.entries.iter().zip(&w37.entries) {
        assert_eq!((a.r#type, a.term, a.index), (b.r#type, b.term, b.index));
        // gogo: id (field 1) = 0 first; 3.7: absent.
        assert_eq!(&a.data[..2], &[0x08, 0x00]);
        assert_eq!(&a.data[2..], &b.data[..]);
        let cc = ConfChange::decode(b.data.as_slice()).unwrap();
        assert_eq!(cc.id, None);
        assert_eq!(cc.r#type, 0);
        let cc36 = ConfChange::decode(a.data.as_slice()).unwrap();
        assert_eq!(cc36.id, Some(0));
        assert_eq!((cc.node_id, &cc.context), (cc36.node_id, &cc36.context));
    }
    // The last snapshot marker's conf state: voters, no auto_leave.
    let cs = |w: &etcdsnap_wal::reader::Wal| {
        w.snapshots
            .last()
            .and_then(|s| s.conf_state.clone())
            .unwrap()
    };
    assert_eq!(cs(&w36).auto_leave, Some(false));
    assert_eq!(cs(&w37).auto_leave, None);
    assert_eq!(cs(&w36).voters, cs(&w37).voters);

    // The .snap: same v2 store JSON, conf state without auto_leave; a
    // valid frame (snappb CRC over the data, v3.7.1
    // server/etcdserver/api/snap/snapshotter.go:77-84).
    let (_, s36) = wal_and_snap(&d36);
    let (_, s37) = wal_and_snap(&d37);
    let r36 = etcdsnap_wal::snap::decode(&s36).unwrap();
    let r37 = etcdsnap_wal::snap::decode(&s37).unwrap();
    assert_eq!(r36.data, r37.data);
    assert_eq!(r37.metadata.conf_state.auto_leave, None);
    assert_eq!(
        (r36.metadata.index, r36.metadata.term),
        (r37.metadata.index, r37.metadata.term)
    );
    assert_eq!(r36.encode_to_vec().len(), r37.encode_to_vec().len() + 2);

    // The db is the same as 3.6's.
    let db = |d: &Path| d.join("member/snap/db");
    assert_eq!(buckets(&db(&d36)), buckets(&db(&d37)));

    // etcdsnap reads the 3.7 data dir as any other.
    let m = etcdsnap(["members", d37.to_str().unwrap()]);
    let text = ok(&m, "members of a 3.7 dir");
    assert!(
        text.contains("b711b68f49328ad6") || text.contains("default"),
        "{text}"
    );
    let v = etcdsnap(["--etcd-version", "3.7", "verify", d37.to_str().unwrap()]);
    let text = ok(&v, "verify a 3.7 dir");
    assert!(!text.contains("problem"), "{text}");
}

#[test]
fn verify_reports_what_3_6_requires_derived_from_etcd_v3_6_source() {
    let t = tempfile::tempdir().unwrap();
    let verify = |global: &[&str], p: &Path| {
        let mut args: Vec<String> = global.iter().map(|s| s.to_string()).collect();
        args.push("verify".into());
        args.push(p.display().to_string());
        etcdsnap(&args)
    };
    // A 3.5 db with no flag verifies as before: no release section.
    let o = verify(&[], &small());
    let text = ok(&o, "3.5 db");
    assert!(!text.contains("storage version"), "{text}");
    let mut args = vec!["verify".to_string(), small().display().to_string()];
    args.extend(["-w", "json"].map(String::from));
    let json: serde_json::Value = serde_json::from_slice(&etcdsnap(&args).stdout).unwrap();
    assert!(json.get("release").is_none(), "{json}");

    // The same db as 3.6: restorable, with a note that 3.6 reads it as
    // 3.5's schema (it has a term; v3.6.14 server/storage/schema/schema.go:92-108).
    let o = verify(&["--etcd-version", "3.6"], &small());
    let text = ok(&o, "3.5 db as 3.6");
    assert!(
        text.contains("storage version:  - (etcd 3.6.14 keeps 3.6.0)"),
        "{text}"
    );
    assert!(text.contains("note [meta]: no storageVersion"), "{text}");

    // A db written by 3.7 is refused by 3.6 (no migration plan down from
    // 3.7: schema.go:35-44, 110-125).
    let s37 = shaped(
        t.path(),
        "s37.db",
        &[(b"meta", b"storageVersion", Some(b"3.7.0"))],
    );
    let o = verify(&["--etcd-version", "3.6"], &s37);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("problem [meta]: storageVersion 3.7.0 is newer than etcd 3.6.14"),
        "{text}"
    );
    // By detection it answers as 3.7, for which it is what 3.7 writes.
    let o = verify(&[], &s37);
    let text = ok(&o, "3.7 db by detection");
    assert!(
        text.contains("storage version:  3.7.0 (etcd 3.7.1 keeps 3.7.0)"),
        "{text}"
    );
    assert!(stderr(&o).contains("storage version 3.7.0 in the db"));

    // What etcd never writes, or stops on.
    for (edits, want) in [
        (
            vec![(
                &b"meta"[..],
                &b"storageVersion"[..],
                Some(&b"three-six"[..]),
            )],
            "storageVersion \"three-six\" is not a version",
        ),
        (
            vec![(&b"meta"[..], &b"storageVersion"[..], Some(&b"3.5.0"[..]))],
            "no etcd writes one below 3.6.0",
        ),
        (
            vec![
                (&b"meta"[..], &b"storageVersion"[..], Some(&b"3.6.0"[..])),
                (&b"cluster"[..], &b"clusterVersion"[..], Some(&b"3.7.0"[..])),
            ],
            "clusterVersion 3.7.0 is newer than etcd 3.6.14",
        ),
        (
            vec![
                (&b"meta"[..], &b"storageVersion"[..], Some(&b"3.6.0"[..])),
                (
                    &b"cluster"[..],
                    &b"downgrade"[..],
                    Some(&br#"{"target-version":"x","enabled":true}"#[..]),
                ),
            ],
            "downgrade is enabled with target \"x\", not a version",
        ),
        (
            vec![
                (&b"meta"[..], &b"storageVersion"[..], Some(&b"3.6.0"[..])),
                (
                    &b"members_removed"[..],
                    &b"not-an-id"[..],
                    Some(&b"removed"[..]),
                ),
            ],
            "key \"not-an-id\" is not a hex member id",
        ),
    ] {
        let p = shaped(t.path(), "bad.db", &edits);
        let o = verify(&["--etcd-version", "3.6"], &p);
        assert_eq!(o.status.code(), Some(1), "{want}: {}", stderr(&o));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains(want), "{want}: {text}");
        // The same db as 3.5 (whose rules know none of these keys) passes.
        let o = verify(&["--etcd-version", "3.5"], &p);
        ok(&o, &format!("{want} as 3.5"));
        std::fs::remove_file(&p).unwrap();
    }

    // No members: 3.6 reads membership from the backend alone
    // (api/membership/cluster.go:259-271).
    let p = shaped(
        t.path(),
        "nomembers.db",
        &[
            (b"meta", b"storageVersion", Some(b"3.6.0")),
            (b"members", b"b711b68f49328ad6", None),
        ],
    );
    let o = verify(&[], &p);
    let text = ok(&o, "no members");
    assert!(
        text.contains(
            "note [members]: no members: etcd 3.6.14 reads membership from this bucket alone"
        ),
        "{text}"
    );
}
