//! `snapshot restore` and `defrag` against the real tools.
//!
//! - Offline: for the same flags, the data dir etcdsnap makes and the one
//!   etcdutl 3.5.1 and 3.5.30 make have the same files, byte-identical WAL and
//!   `.snap` files, and dbs with the same `snapshot status` hash, revision
//!   and key count (reported by etcdutl itself).
//! - Live: real etcd 3.5.1 and 3.4.23 start from etcdsnap's data dirs (one
//!   member and a three-member cluster) and serve the same keys,
//!   revisions, leases, users, roles and members as from etcdutl's
//!   (etcdctl's for 3.4) restore of the same file; the cluster is healthy
//!   and takes writes. With `--bump-revision --mark-compacted` the head is
//!   past the old one by the bump and older revisions are compacted.
//! - Refusals leave nothing behind and never touch the input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::live::{self, Etcd};
use common::*;

fn etcdutl() -> Option<PathBuf> {
    oracle(
        "ETCDSNAP_ETCDUTL351",
        "/opt/etcdsnap-oracles/etcd-3.5.1/etcdutl",
    )
}

fn snapshot(name: &str) -> PathBuf {
    testdata().join("etcd").join(name)
}

/// Every file under `dir`: relative path -> size.
fn files(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, e.metadata().unwrap().len());
            }
        }
    }
    out
}

/// `etcdutl snapshot status -w json` of a db: hash, revision, totalKey.
fn status(etcdutl: &Path, db: &Path) -> (u64, u64, u64) {
    let o = Command::new(etcdutl)
        .args(["snapshot", "status", "-w", "json"])
        .arg(db)
        .output()
        .unwrap();
    ok(&o, "etcdutl snapshot status");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    (
        v["hash"].as_u64().unwrap(),
        v["revision"].as_u64().unwrap(),
        v["totalKey"].as_u64().unwrap(),
    )
}

fn restore_ours(file: &Path, data: &Path, args: &[&str]) -> Output {
    let mut a: Vec<&std::ffi::OsStr> =
        vec!["snapshot".as_ref(), "restore".as_ref(), file.as_os_str()];
    a.push("--data-dir".as_ref());
    a.push(data.as_os_str());
    a.extend(args.iter().map(std::ffi::OsStr::new));
    etcdsnap(a)
}

/// Restores `file` with both tools using `args`, and compares the results.
fn compare(etcdutl: &Path, file: &Path, args: &[&str], separate_wal: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let before = sha256(file);
    let copy = tmp.path().join("copy.db");
    std::fs::copy(file, &copy).unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (aw, bw) = (tmp.path().join("a-wal"), tmp.path().join("b-wal"));
    let mut theirs = Command::new(etcdutl);
    theirs
        .args(["snapshot", "restore"])
        .arg(&copy)
        .arg("--data-dir")
        .arg(&a)
        .args(args);
    let mut our_args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if separate_wal {
        theirs.arg("--wal-dir").arg(&aw);
        our_args.push("--wal-dir".into());
        our_args.push(bw.to_string_lossy().into_owned());
    }
    let t = theirs.output().unwrap();
    ok(&t, "etcdutl snapshot restore");
    let our_refs: Vec<&str> = our_args.iter().map(String::as_str).collect();
    let o = restore_ours(file, &b, &our_refs);
    ok(&o, "etcdsnap snapshot restore");
    assert_eq!(sha256(file), before, "input changed");

    let what = format!("{} {args:?}", file.display());
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "{what}: data dir files"
    );
    let mut dirs = vec![(a.clone(), b.clone())];
    if separate_wal {
        assert_eq!(files(&aw), files(&bw), "{what}: wal dir files");
        dirs.push((aw.clone(), bw.clone()));
    }
    let mut compared = 0;
    for (da, db) in &dirs {
        for rel in files(da).keys() {
            if rel.ends_with(".wal") || rel.ends_with(".snap") {
                assert!(
                    std::fs::read(da.join(rel)).unwrap() == std::fs::read(db.join(rel)).unwrap(),
                    "{what}: {rel} differs"
                );
                compared += 1;
            }
        }
    }
    assert_eq!(
        compared, 2,
        "{what}: one WAL segment and one .snap expected"
    );
    let rel_db = "member/snap/db";
    let (sa, sb) = (
        status(etcdutl, &a.join(rel_db)),
        status(etcdutl, &b.join(rel_db)),
    );
    assert_eq!(
        sa, sb,
        "{what}: status (hash, revision, totalKey) of the restored dbs"
    );
    // Our db is compact: never larger than etcdutl's copy.
    assert!(
        fb[rel_db] <= fa[rel_db],
        "{what}: db {} > {}",
        fb[rel_db],
        fa[rel_db]
    );
    // Our checker and Go's agree the new file is sound.
    let c = etcdsnap(["check".as_ref(), b.join(rel_db).as_os_str()]);
    ok(&c, "etcdsnap check of the restored db");
}

#[test]
fn restore_matches_etcdutl_351() {
    if let Some(etcdutl) = etcdutl() {
        restore_matches(&etcdutl);
    }
}

/// etcdutl 3.5.30 restores as 3.5.1 does: the same WAL and `.snap`, and a
/// db with the same content.
#[test]
fn restore_matches_etcdutl_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        restore_matches(&bin.join("etcdutl"));
    }
}

/// Five flag sets and inputs restored by `etcdutl` and by etcdsnap.
fn restore_matches(etcdutl: &Path) {
    let etcdutl = etcdutl.to_path_buf();
    let cluster3 = "m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m2=HTTPS://localhost:1?x=<&>,m3=http://127.0.0.1:32380";
    compare(&etcdutl, &snapshot("etcd-3.5.1.snapshot.db"), &[], false);
    compare(
        &etcdutl,
        &snapshot("etcd-3.5.1.snapshot.db"),
        &[
            "--name",
            "m2",
            "--initial-cluster",
            cluster3,
            "--initial-advertise-peer-urls",
            "HTTPS://localhost:1?x=<&>,http://127.0.0.1:22380",
            "--initial-cluster-token",
            "tok",
        ],
        false,
    );
    compare(
        &etcdutl,
        &snapshot("etcd-3.4.23.snapshot.db"),
        &[
            "--name",
            "solo",
            "--initial-cluster",
            "solo=http://10.0.0.1:2380,solo=http://10.0.0.2:2380",
            "--initial-advertise-peer-urls",
            "http://10.0.0.2:2380,http://10.0.0.1:2380",
        ],
        true,
    );
    compare(
        &etcdutl,
        &snapshot("etcd-3.5.1.small.snapshot.db"),
        &["--name", "default"],
        false,
    );
    // A stopped member's db: no trailer, so --skip-hash-check.
    let db = member_dir().join("member/snap/db");
    compare(&etcdutl, &db, &["--skip-hash-check"], false);
}

/// A refused restore exits `code` (2: could not run, a flag is wrong; 1:
/// the input is damaged or fails its check), says why, creates nothing and
/// leaves the input alone.
fn refused(file: &Path, args: &[&str], expect: &str, code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let before = sha256(file);
    let data = tmp.path().join("out");
    let o = restore_ours(file, &data, args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(expect),
        "{args:?}: expected {expect:?} in {err}"
    );
    assert!(!err.contains("panicked"));
    assert!(!data.exists(), "{args:?}: data dir created");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{args:?}: left behind {left:?}");
    assert_eq!(sha256(file), before);
}

#[test]
fn restore_refusals() {
    let snap = snapshot("etcd-3.5.1.snapshot.db");
    refused(&snap, &["--name", "x"], "couldn't find local name \"x\"", 2);
    refused(
        &snap,
        &["--initial-advertise-peer-urls", "http://localhost:2381"],
        "--initial-cluster has default=http://localhost:2380",
        2,
    );
    refused(
        &snap,
        &[
            "--initial-cluster",
            "default=http://localhost:2380,b=http://localhost:2380",
        ],
        "has duplicate url",
        2,
    );
    refused(
        &snap,
        &["--initial-cluster", "default=ftp://localhost:2380"],
        "URL scheme must be http, https, unix, or unixs",
        2,
    );
    refused(
        &snap,
        &["--bump-revision", "5"],
        "--mark-compacted required",
        2,
    );
    refused(&snap, &["--mark-compacted"], "--mark-compacted required", 2);

    let tmp = tempfile::tempdir().unwrap();
    // No trailer (a member's db) without --skip-hash-check.
    let raw = tmp.path().join("raw.db");
    std::fs::copy(member_dir().join("member/snap/db"), &raw).unwrap();
    refused(
        &raw,
        &[],
        "snapshot missing hash but --skip-hash-check=false",
        1,
    );
    // A byte changed: the trailer no longer matches.
    let bad = tmp.path().join("bad.db");
    let mut bytes = std::fs::read(&snap).unwrap();
    bytes[20_000] ^= 0x55;
    std::fs::write(&bad, &bytes).unwrap();
    refused(&bad, &[], "SHA-256 trailer mismatch", 1);
    // Structural damage, with the hash check skipped: the checker refuses it.
    let mut bytes = std::fs::read(member_dir().join("member/snap/db")).unwrap();
    let key_root = {
        let db = etcdsnap_bbolt::Db::open(&bytes).unwrap();
        let kb = db.root_bucket().sub_bucket(&db, b"key").unwrap().unwrap();
        assert!(!kb.is_inline());
        kb.root_page().0 as usize
    };
    for b in &mut bytes[4096 * key_root..4096 * (key_root + 1)] {
        *b = 0;
    }
    let broken = tmp.path().join("broken.db");
    std::fs::write(&broken, &bytes).unwrap();
    let o = etcdsnap(["check".as_ref(), broken.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "the damage must be real");
    refused(
        &broken,
        &["--skip-hash-check"],
        "the database is damaged",
        1,
    );

    // A non-empty data dir and an existing wal dir are refused untouched.
    let data = tmp.path().join("busy");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("keep"), b"x").unwrap();
    let o = restore_ours(&snap, &data, &[]);
    assert_eq!(o.status.code(), Some(2), "a busy target: could not run");
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
    assert_eq!(std::fs::read(data.join("keep")).unwrap(), b"x");
    let wal = tmp.path().join("wal");
    std::fs::create_dir(&wal).unwrap();
    let o = restore_ours(
        &snap,
        &tmp.path().join("fresh"),
        &["--wal-dir", wal.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "a busy wal dir: could not run");
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
    assert!(!tmp.path().join("fresh").exists());
    // An empty data dir is fine, as in etcd.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(
        &restore_ours(&snap, &empty, &[]),
        "restore into an empty dir",
    );
    assert!(empty.join("member/snap/db").is_file());
}

/// What a member serves, through etcdctl: every key with its revisions,
/// leases, users, roles, members (ids and names) and the head revision.
fn served(e: &Etcd) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    let get: serde_json::Value =
        serde_json::from_str(&e.ctl_ok(&["get", "", "--prefix", "-w", "json"])).unwrap();
    m.insert("kvs", get["kvs"].to_string());
    m.insert("revision", get["header"]["revision"].to_string());
    m.insert("cluster", get["header"]["cluster_id"].to_string());
    m.insert("leases", e.ctl_ok(&["lease", "list"]));
    m.insert("users", e.ctl_ok(&["user", "list"]));
    m.insert("roles", e.ctl_ok(&["role", "list"]));
    let ml: serde_json::Value =
        serde_json::from_str(&e.ctl_ok(&["member", "list", "-w", "json"])).unwrap();
    let mut members: Vec<String> = ml["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {} {}", x["ID"], x["name"], x["peerURLs"]))
        .collect();
    members.sort();
    m.insert("members", members.join("\n"));
    m
}

/// Restores `file` for one member with `restore` (a closure running a
/// restore tool into the given data dir with the given peer URL), starts
/// `bin/etcd` on it and returns what it serves; also checks it takes a
/// write.
fn serve_single(
    bin: &Path,
    user: Option<&'static str>,
    restore: impl Fn(&Path, &str),
) -> BTreeMap<&'static str, String> {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    restore(&data, &peer);
    let mut e = Etcd::spawn(bin, &data, "m1", &peer, &format!("m1={peer}"));
    e.user = user;
    e.wait_healthy();
    let s = served(&e);
    e.ctl_ok(&["put", "/after/restore", "ok"]);
    assert!(e.ctl_ok(&["get", "/after/restore"]).contains("ok"));
    s
}

fn single_args(peer: &str) -> Vec<String> {
    vec![
        "--name".into(),
        "m1".into(),
        "--initial-cluster".into(),
        format!("m1={peer}"),
        "--initial-advertise-peer-urls".into(),
        peer.into(),
    ]
}

#[test]
fn restored_single_member_serves_the_same_on_etcd_351() {
    if let Some(etcdutl) = etcdutl() {
        restored_single_member_serves_the_same(&etcdutl);
    }
}

/// etcd 3.5.30 started on etcdsnap's restore serves what it serves from
/// etcdutl 3.5.30's.
#[test]
fn restored_single_member_serves_the_same_on_etcd_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        restored_single_member_serves_the_same(&bin.join("etcdutl"));
    }
}

fn restored_single_member_serves_the_same(etcdutl: &Path) {
    let bin = etcdutl.parent().unwrap().to_path_buf();
    for (name, user) in [
        ("etcd-3.5.1.snapshot.db", Some("root:rootpw")),
        ("etcd-3.5.1.small.snapshot.db", None),
    ] {
        let file = snapshot(name);
        // Both restores use the same peer URL so the ids are the same.
        let peer = live::peer_url();
        let theirs = serve_single(&bin, user, |data, _| {
            let o = Command::new(etcdutl)
                .args(["snapshot", "restore"])
                .arg(&file)
                .arg("--data-dir")
                .arg(data)
                .args(single_args(&peer))
                .output()
                .unwrap();
            ok(&o, "etcdutl restore");
        });
        let ours = serve_single(&bin, user, |data, _| {
            let args = single_args(&peer);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            ok(&restore_ours(&file, data, &refs), "etcdsnap restore");
        });
        assert_eq!(ours, theirs, "{name}: what {} serves", bin.display());
        assert!(ours["kvs"].len() > 10);
    }
}

#[test]
fn restored_single_member_serves_the_same_on_etcd_3423() {
    let Some(etcdctl) = oracle("ETCDSNAP_ETCDCTL34", "/usr/bin/etcdctl") else {
        return;
    };
    let bin = etcdctl.parent().unwrap().to_path_buf();
    assert!(
        bin.join("etcd").is_file(),
        "etcd 3.4.23 server beside {}",
        etcdctl.display()
    );
    let file = snapshot("etcd-3.4.23.snapshot.db");
    let peer = live::peer_url();
    let theirs = serve_single(&bin, Some("root:rootpw"), |data, _| {
        let o = Command::new(&etcdctl)
            .env("ETCDCTL_API", "3")
            .args(["snapshot", "restore"])
            .arg(&file)
            .arg("--data-dir")
            .arg(data)
            .args(single_args(&peer))
            .output()
            .unwrap();
        ok(&o, "etcdctl 3.4.23 restore");
    });
    let ours = serve_single(&bin, Some("root:rootpw"), |data, _| {
        let args = single_args(&peer);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&restore_ours(&file, data, &refs), "etcdsnap restore");
    });
    assert_eq!(ours, theirs, "what etcd 3.4.23 serves");
}

#[test]
fn restored_three_member_cluster_on_etcd_351() {
    let Some(etcdutl) = etcdutl() else { return };
    three_member_cluster(
        etcdutl.parent().unwrap(),
        &snapshot("etcd-3.5.1.snapshot.db"),
    );
}

#[test]
fn restored_three_member_cluster_on_etcd_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        three_member_cluster(&bin, &snapshot("etcd-3.5.1.snapshot.db"));
    }
}

#[test]
fn restored_three_member_cluster_on_etcd_3423() {
    let Some(etcdctl) = oracle("ETCDSNAP_ETCDCTL34", "/usr/bin/etcdctl") else {
        return;
    };
    three_member_cluster(
        etcdctl.parent().unwrap(),
        &snapshot("etcd-3.4.23.snapshot.db"),
    );
}

/// Restores `file` with etcdsnap for three members, starts `bin/etcd` on
/// each, and checks membership, data, replication and health.
fn three_member_cluster(bin: &Path, file: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let names = ["m1", "m2", "m3"];
    let peers: Vec<String> = names.iter().map(|_| live::peer_url()).collect();
    let cluster: String = names
        .iter()
        .zip(&peers)
        .map(|(n, p)| format!("{n}={p}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut members: Vec<Etcd> = names
        .iter()
        .zip(&peers)
        .map(|(n, p)| {
            let data = tmp.path().join(n);
            let o = restore_ours(
                file,
                &data,
                &[
                    "--name",
                    n,
                    "--initial-cluster",
                    &cluster,
                    "--initial-advertise-peer-urls",
                    p,
                    "--initial-cluster-token",
                    "restored",
                ],
            );
            ok(&o, "etcdsnap restore");
            let mut e = Etcd::spawn(bin, &data, n, p, &cluster);
            e.user = Some("root:rootpw");
            e
        })
        .collect();
    for e in &mut members {
        e.wait_healthy();
    }
    let first = served(&members[0]);
    assert_eq!(first["members"].lines().count(), 3, "{}", first["members"]);
    for n in names {
        assert!(first["members"].contains(&format!("\"{n}\"")));
    }
    for e in &members[1..] {
        let s = served(e);
        assert_eq!(s["kvs"], first["kvs"]);
        assert_eq!(s["members"], first["members"]);
    }
    // The fixture's data is all there: head revision 75.
    assert_eq!(first["revision"], "75");
    members[0].ctl_ok(&["put", "/cluster/write", "yes"]);
    let got = members[2].ctl_ok(&["get", "/cluster/write", "--consistency", "l"]);
    assert!(got.contains("yes"), "{got}");
    // etcdctl 3.4 prints the health lines on stderr, 3.5 on stdout.
    let h = members[1]
        .ctl()
        .args(["endpoint", "health", "--cluster"])
        .output()
        .unwrap();
    ok(&h, "endpoint health --cluster");
    let health = format!(
        "{}{}",
        String::from_utf8_lossy(&h.stdout),
        String::from_utf8_lossy(&h.stderr)
    );
    assert_eq!(health.matches("is healthy").count(), 3, "{health}");
}

#[test]
fn bump_revision_and_mark_compacted_on_etcd_351() {
    let Some(etcdutl) = etcdutl() else { return };
    let bin = etcdutl.parent().unwrap().to_path_buf();
    let file = snapshot("etcd-3.5.1.snapshot.db");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    let mut args = single_args(&peer);
    args.extend([
        "--bump-revision".into(),
        "1000".into(),
        "--mark-compacted".into(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = restore_ours(&file, &data, &refs);
    ok(&o, "etcdsnap restore --bump-revision");
    assert!(String::from_utf8_lossy(&o.stdout).contains("bumped to:   1075"));
    let mut e = Etcd::spawn(&bin, &data, "m1", &peer, &format!("m1={peer}"));
    e.user = Some("root:rootpw");
    e.wait_healthy();
    let get: serde_json::Value =
        serde_json::from_str(&e.ctl_ok(&["get", "/nothing", "-w", "json"])).unwrap();
    assert_eq!(get["header"]["revision"], 1075);
    let old = e
        .ctl()
        .args(["get", "/", "--prefix", "--rev", "75"])
        .output()
        .unwrap();
    assert!(!old.status.success());
    assert!(
        String::from_utf8_lossy(&old.stderr).contains("compacted"),
        "{old:?}"
    );
    let put: serde_json::Value =
        serde_json::from_str(&e.ctl_ok(&["put", "/after/bump", "x", "-w", "json"])).unwrap();
    assert_eq!(put["header"]["revision"], 1076);
    // Every key of the snapshot is still served at the head.
    let keys = e.ctl_ok(&["get", "", "--prefix", "--keys-only"]);
    assert!(
        keys.contains("/leased/a") && keys.contains("/big/value"),
        "{keys}"
    );
}

#[test]
fn defrag_keeps_the_content_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    ok(
        &restore_ours(&snapshot("etcd-3.5.1.snapshot.db"), &data, &[]),
        "restore",
    );
    let db = data.join("member/snap/db");
    // Grow it with free pages: defrag of an already compact file still works.
    let hash = |p: &Path| {
        let o = etcdsnap([
            "snapshot".as_ref(),
            "status".as_ref(),
            "-w".as_ref(),
            "json".as_ref(),
            p.as_os_str(),
        ]);
        ok(&o, "status");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (
            v["hash"].clone(),
            v["revision"].clone(),
            v["totalKey"].clone(),
        )
    };
    // A db with free space: the member fixture's db.
    let member = tmp.path().join("member");
    std::fs::create_dir_all(member.join("member/snap")).unwrap();
    let mdb = member.join("member/snap/db");
    std::fs::copy(member_dir().join("member/snap/db"), &mdb).unwrap();
    for (dir, file) in [(&data, &db), (&member, &mdb)] {
        let before = hash(file);
        let size = std::fs::metadata(file).unwrap().len();
        let o = etcdsnap(["defrag".as_ref(), "--data-dir".as_ref(), dir.as_os_str()]);
        ok(&o, "defrag");
        assert_eq!(hash(file), before, "content hash after defrag");
        assert!(std::fs::metadata(file).unwrap().len() <= size);
        ok(
            &etcdsnap(["check".as_ref(), file.as_os_str()]),
            "check after defrag",
        );
        let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains("etcdsnap")),
            "leftovers: {names:?}"
        );
    }
    // With etcdutl 3.5.1 and 3.5.30: the same hash as etcdutl's own
    // defrag of the same db.
    let utl3530 = etcd_release("ETCDSNAP_ETCD3530", "3.5.30").map(|b| b.join("etcdutl"));
    for etcdutl in [etcdutl(), utl3530].into_iter().flatten() {
        let theirs = tempfile::tempdir().unwrap();
        let theirs = theirs.path();
        std::fs::create_dir_all(theirs.join("member/snap")).unwrap();
        let tdb = theirs.join("member/snap/db");
        std::fs::copy(member_dir().join("member/snap/db"), &tdb).unwrap();
        let o = Command::new(&etcdutl)
            .args(["defrag", "--data-dir"])
            .arg(theirs)
            .output()
            .unwrap();
        ok(&o, "etcdutl defrag");
        assert_eq!(status(&etcdutl, &tdb), status(&etcdutl, &mdb));
    }
}

#[test]
fn defrag_refuses_a_locked_db() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    ok(
        &restore_ours(&snapshot("etcd-3.5.1.small.snapshot.db"), &data, &[]),
        "restore",
    );
    let db = data.join("member/snap/db");
    let before = sha256(&db);
    // What a running etcd (bbolt) holds: an exclusive flock on the db.
    let f = std::fs::File::open(&db).unwrap();
    f.lock().unwrap();
    let o = etcdsnap(["defrag".as_ref(), "--data-dir".as_ref(), data.as_os_str()]);
    // Could not run: exit 2, naming the lock.
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("locked by another process"));
    // A shared lock (another reader, as Go bbolt's read-only open) is
    // enough to keep defrag out too, and readers share it.
    drop(f);
    let f = std::fs::File::open(&db).unwrap();
    f.lock_shared().unwrap();
    let o = etcdsnap(["defrag".as_ref(), "--data-dir".as_ref(), data.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = etcdsnap(["snapshot".as_ref(), "status".as_ref(), db.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    drop(f);
    assert_eq!(sha256(&db), before);
}

fn copy_member_dir(to: &Path) {
    let src = member_dir();
    for sub in ["member/wal", "member/snap"] {
        std::fs::create_dir_all(to.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(sub).join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn snapshot_save_from_a_stopped_member() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("member");
    copy_member_dir(&dir);
    let db = dir.join("member/snap/db");
    let before = sha256(&db);
    let out = tmp.path().join("saved.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        "--data-dir".as_ref(),
        dir.as_os_str(),
        out.as_os_str(),
    ]);
    ok(&o, "snapshot save");
    assert_eq!(sha256(&db), before, "the member's db is only read");
    // Our status verifies the trailer; the contents are the member's.
    let st = etcdsnap(["snapshot".as_ref(), "status".as_ref(), out.as_os_str()]);
    ok(&st, "status of the saved file");
    assert!(String::from_utf8_lossy(&st.stderr).contains("SHA-256 trailer verified"));
    if let Some(etcdutl) = etcdutl() {
        assert_eq!(status(&etcdutl, &out), status(&etcdutl, &db));
        // etcdutl restores it without --skip-hash-check.
        let r = Command::new(&etcdutl)
            .args(["snapshot", "restore"])
            .arg(&out)
            .arg("--data-dir")
            .arg(tmp.path().join("restored"))
            .output()
            .unwrap();
        ok(&r, "etcdutl restore of the saved snapshot");
    }
    // An existing output is refused.
    let again = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        "--data-dir".as_ref(),
        dir.as_os_str(),
        out.as_os_str(),
    ]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "the output exists: could not run"
    );

    // A db behind its WAL: consistent index set back to 81 and the auth
    // store emptied, as before entries 82..=95 (roles, users with hashed
    // passwords, grants, permissions, auth enable). Replay rebuilds it: the
    // saved snapshot has the original db's status hash, which covers every
    // bucket byte for byte.
    let behind = tmp.path().join("behind");
    let rolled_back = |ci: u64, reset_auth: bool| {
        copy_member_dir(&behind);
        let bdb = behind.join("member/snap/db");
        let bytes = std::fs::read(&bdb).unwrap();
        let src = etcdsnap_bbolt::Db::open(&bytes).unwrap();
        let mut edits = etcdsnap_bbolt::rewrite::Edits::new();
        let mut puts = std::collections::BTreeMap::new();
        puts.insert(
            b"consistent_index".to_vec(),
            Some(ci.to_be_bytes().to_vec()),
        );
        edits.insert(
            b"meta".to_vec(),
            etcdsnap_bbolt::rewrite::BucketEdit { clear: false, puts },
        );
        if reset_auth {
            for b in ["authUsers", "authRoles"] {
                edits.insert(
                    b.as_bytes().to_vec(),
                    etcdsnap_bbolt::rewrite::BucketEdit {
                        clear: true,
                        puts: Default::default(),
                    },
                );
            }
            let mut puts = std::collections::BTreeMap::new();
            puts.insert(b"authEnabled".to_vec(), Some(vec![0u8]));
            puts.insert(b"authRevision".to_vec(), Some(1u64.to_be_bytes().to_vec()));
            edits.insert(
                b"auth".to_vec(),
                etcdsnap_bbolt::rewrite::BucketEdit { clear: true, puts },
            );
        }
        let mut f = std::fs::File::create(tmp.path().join("behind.db")).unwrap();
        etcdsnap_bbolt::rewrite::rewrite(
            &src,
            &mut f,
            etcdsnap_bbolt::writer::WriteOptions::default(),
            &edits,
        )
        .unwrap();
        drop(f);
        std::fs::rename(tmp.path().join("behind.db"), &bdb).unwrap();
    };
    let out2 = tmp.path().join("behind-saved.db");
    let args = |extra: &[&str]| {
        let mut a: Vec<std::ffi::OsString> = vec![
            "snapshot".into(),
            "save".into(),
            "--data-dir".into(),
            behind.clone().into(),
            out2.clone().into(),
        ];
        a.extend(extra.iter().map(|s| s.into()));
        a
    };
    rolled_back(81, true);
    let users = etcdsnap([
        "bolt".as_ref(),
        "keys".as_ref(),
        behind.join("member/snap/db").as_os_str(),
        "authUsers".as_ref(),
    ]);
    assert!(users.stdout.is_empty(), "auth store not emptied");
    let o = etcdsnap(args(&[]));
    ok(&o, "save with auth changes replayed");
    assert!(String::from_utf8_lossy(&o.stderr).contains("replayed 14 committed WAL entries"));
    let status_json = |p: &std::path::Path| {
        let o = etcdsnap([
            "snapshot".as_ref(),
            "status".as_ref(),
            p.as_os_str(),
            "-w".as_ref(),
            "json".as_ref(),
        ]);
        ok(&o, "status");
        // The saved file is compact: its size differs, not its contents.
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut().unwrap().remove("totalSize");
        v
    };
    assert_eq!(
        status_json(&out2),
        status_json(&db),
        "replayed auth store differs from etcd's"
    );
    std::fs::remove_file(&out2).unwrap();
    std::fs::remove_dir_all(&behind).unwrap();

    // Consistent index 0 is older than the member's newest .snap (index
    // 51): etcd would look for the db that snapshot came with and stop,
    // so the entries cannot be replayed onto this db: refused, saying
    // why; --no-wal saves the db and says what was left out.
    rolled_back(0, false);
    let o = etcdsnap(args(&[]));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("older than the newest .snap (index 51)")
            && err.contains("0000000000000033.snap.db")
            && err.contains("--no-wal"),
        "{err}"
    );
    assert!(!out2.exists());
    // Real etcd 3.5.1 on that dir stops for that reason.
    if let Some(etcd) = oracle("ETCDSNAP_ETCD351", "/opt/etcdsnap-oracles/etcd-3.5.1/etcd") {
        let copy = tmp.path().join("behind-copy");
        copy_member_dir(&copy);
        std::fs::copy(behind.join("member/snap/db"), copy.join("member/snap/db")).unwrap();
        let peer = live::peer_url();
        let client = format!("http://127.0.0.1:{}", live::free_port());
        let o = Command::new(etcd)
            .args(["--name", "m351", "--data-dir"])
            .arg(&copy)
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &format!("m351={peer}")])
            .output()
            .unwrap();
        assert!(!o.status.success());
        let log = String::from_utf8_lossy(&o.stderr);
        assert!(
            log.contains("failed to recover v3 backend from snapshot")
                && log.contains("0000000000000033.snap.db"),
            "{log}"
        );
    }
    let o = etcdsnap(args(&["--no-wal"]));
    ok(&o, "save --no-wal");
    assert!(String::from_utf8_lossy(&o.stderr).contains("left out (--no-wal)"));
    assert!(out2.is_file());
}

/// A member killed with SIGKILL during a burst of writes (its db batch
/// commit held back so the db lags its WAL): real etcd restarted on
/// a copy serves exactly what `etcdsnap snapshot save --data-dir` (WAL
/// replayed) holds.
#[test]
fn latest_state_of_a_killed_member_equals_restarted_etcd_351() {
    if let Some(etcdutl) = etcdutl() {
        killed_member_equals_restarted_etcd(&etcdutl);
    }
}

/// The same with etcd 3.5.30: killed, replayed offline, restarted on a
/// copy, its members and keys compared.
#[test]
fn latest_state_of_a_killed_member_equals_restarted_etcd_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        killed_member_equals_restarted_etcd(&bin.join("etcdutl"));
    }
}

fn killed_member_equals_restarted_etcd(etcdutl: &Path) {
    let bin = etcdutl.parent().unwrap().to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    let cluster = format!("m1={peer}");
    let mut e = Etcd::spawn_with(
        &bin,
        &data,
        "m1",
        &peer,
        &cluster,
        &[
            "--backend-batch-interval",
            "10s",
            "--backend-batch-limit",
            "1000000",
        ],
    );
    e.wait_healthy();
    // Let the bootstrap entries reach the db, then write faster than the
    // next batch commit.
    std::thread::sleep(std::time::Duration::from_secs(11));
    for i in 0..20 {
        e.ctl_ok(&["put", &format!("/burst/k{i:02}"), &format!("v{i}")]);
    }
    e.ctl_ok(&["put", "/burst/k03", "overwritten"]);
    e.ctl_ok(&["del", "/burst/k1", "--prefix"]);
    let lease = e.ctl_ok(&["lease", "grant", "600"]);
    let id = lease.split_whitespace().nth(1).unwrap().to_string();
    e.ctl_ok(&["put", "/burst/leased", "x", "--lease", &id]);
    let lease2 = e.ctl_ok(&["lease", "grant", "600"]);
    let id2 = lease2.split_whitespace().nth(1).unwrap().to_string();
    e.ctl_ok(&["put", "/burst/revoked", "y", "--lease", &id2]);
    e.ctl_ok(&["lease", "revoke", &id2]);
    for (cmp, ok) in [("\"v0\"", "yes"), ("\"nope\"", "no")] {
        let mut c = e.ctl();
        c.args(["txn"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        let script = format!(
            "value(\"/burst/k00\") = {cmp}\n\nput /burst/txn-{ok} success\nput /burst/k05 five\n\nput /burst/txn-failed-{ok} failure\n\n"
        );
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        assert!(child.wait_with_output().unwrap().status.success());
    }
    // Auth on (etcd commits its batch when auth is enabled), then writes
    // as a user allowed only /burst/bob/: one permitted, two refused when
    // etcd applies them (they are in the WAL all the same).
    e.enable_auth_with_bob("/burst/bob/");
    e.user = Some("bob:bobpw");
    e.ctl_ok(&["put", "/burst/bob/1", "mine"]);
    for denied in [&["put", "/burst/not-bob", "x"][..], &["del", "/burst/k00"]] {
        let o = e.ctl().args(denied).output().unwrap();
        assert!(!o.status.success(), "{denied:?} must be denied");
    }
    e.user = Some("root:rootpw");
    e.ctl_ok(&["put", "/burst/by-root", "r"]);
    // Membership: a learner added and removed, another added (etcd allows
    // one learner; learners never count for quorum, so these never start).
    let (p2, p3) = (live::peer_url(), live::peer_url());
    let added = e.ctl_ok(&["member", "add", "m2", "--learner", "--peer-urls", &p2]);
    // "Member <hex id> added to cluster <hex id>".
    let m2 = added
        .split_whitespace()
        .skip_while(|w| *w != "Member")
        .nth(1)
        .unwrap()
        .to_string();
    e.ctl_ok(&["member", "remove", &m2]);
    e.ctl_ok(&["member", "add", "m3", "--learner", "--peer-urls", &p3]);
    // Writes after the membership changes: etcd 3.5.30 was seen to have
    // committed its batch by then (3.5.1 had not); these are in the WAL
    // only, on both, so the db lags its WAL in revision too.
    e.ctl_ok(&["put", "/burst/after-members", "z"]);
    e.ctl_ok(&["del", "/burst/k00"]);
    e.kill9();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    copy_wal_and_snap(&data, &[&a, &b]);
    // Ours: the latest state saved offline.
    let out = tmp.path().join("latest.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        "--data-dir".as_ref(),
        b.as_os_str(),
        out.as_os_str(),
    ]);
    ok(&o, "snapshot save of the killed member");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("replayed"),
        "the db must lag its WAL for this test: {err}"
    );
    // Real etcd restarted on the other copy, serving where it did (it
    // publishes its client URLs again on start).
    let mut r = Etcd::spawn_on(&bin, &a, "m1", &peer, &cluster, &e.endpoint, &[]);
    r.user = Some("root:rootpw");
    r.wait_healthy();
    let live: serde_json::Value =
        serde_json::from_str(&r.ctl_ok(&["get", "", "--prefix", "-w", "json"])).unwrap();
    let leases = r.ctl_ok(&["lease", "list"]);
    let ml: serde_json::Value =
        serde_json::from_str(&r.ctl_ok(&["member", "list", "-w", "json"])).unwrap();
    drop(r);
    let mut live_members: Vec<(String, String, bool)> = ml["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                format!("{:x}", m["ID"].as_u64().unwrap()),
                m["peerURLs"].to_string(),
                m["isLearner"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    live_members.sort();
    assert_eq!(live_members.len(), 2, "{ml}");
    let om = etcdsnap([
        "members".as_ref(),
        out.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    ok(&om, "members of the saved snapshot");
    let om: serde_json::Value = serde_json::from_slice(&om.stdout).unwrap();
    let mut ours_members: Vec<(String, String, bool)> = om
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["source"] == "db" && m["removed"] == false)
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_string(),
                m["peer_urls"].to_string(),
                m["learner"].as_bool().unwrap(),
            )
        })
        .collect();
    ours_members.sort();
    assert_eq!(ours_members, live_members, "members after replay");
    // Byte for byte: the membership buckets and the conf state etcd wrote
    // when it replayed the same WAL on restart.
    let entries = |p: &Path, bucket: &[u8]| -> Vec<(Vec<u8>, Vec<u8>)> {
        let bytes = std::fs::read(p).unwrap();
        let db = etcdsnap_bbolt::Db::open(&bytes).unwrap();
        let b = db.bucket(&[bucket]).unwrap();
        b.iter(&db)
            .map(|e| {
                let e = e.unwrap();
                (e.key.to_vec(), e.value.to_vec())
            })
            .filter(|(k, _)| bucket != b"meta" || k == b"confState")
            .collect()
    };
    for bucket in [
        &b"members"[..],
        b"members_removed",
        b"meta",
        b"authUsers",
        b"authRoles",
    ] {
        assert_eq!(
            entries(&out, bucket),
            entries(&a.join("member/snap/db"), bucket),
            "bucket {}",
            String::from_utf8_lossy(bucket)
        );
    }
    assert!(
        om.as_array()
            .unwrap()
            .iter()
            .any(|m| m["removed"] == true && m["id"].as_str() == Some(m2.as_str())),
        "removed member {m2} not recorded: {om}"
    );
    let (ours, _) = get_all_json(&out, &[]);
    assert!(live["kvs"].as_array().unwrap().len() > 10);
    assert_eq!(ours["kvs"], live["kvs"], "keys after replay");
    assert_eq!(
        ours["header"]["revision"], live["header"]["revision"],
        "revision after replay"
    );
    assert!(leases.contains(&id) && !leases.contains(&id2), "{leases}");
    // Extraction straight from the killed member's data dir reads the same
    // latest state; --no-wal reads the db, which lags.
    let (from_dir, err) = get_all_json(&b, &[]);
    assert!(err.contains("latest state"));
    assert_eq!(from_dir["kvs"], live["kvs"], "get DATA_DIR after replay");
    assert_eq!(from_dir["header"]["revision"], live["header"]["revision"]);
    let (db_only, _) = get_all_json(&b, &["--no-wal"]);
    assert!(
        db_only["header"]["revision"].as_i64() < live["header"]["revision"].as_i64(),
        "the db alone must lag: {} vs {}",
        db_only["header"]["revision"],
        live["header"]["revision"]
    );
    let dump_dir = etcdsnap(["dump".as_ref(), b.as_os_str()]);
    let dump_saved = etcdsnap(["dump".as_ref(), out.as_os_str()]);
    ok(&dump_dir, "dump of the data dir");
    assert_eq!(
        dump_dir.stdout, dump_saved.stdout,
        "dump DATA_DIR = dump of the saved state"
    );
    let st = etcdsnap(["snapshot".as_ref(), "status".as_ref(), out.as_os_str()]);
    ok(&st, "status of the saved snapshot");
    let rr = Command::new(etcdutl)
        .args(["snapshot", "restore"])
        .arg(&out)
        .arg("--data-dir")
        .arg(tmp.path().join("restored"))
        .output()
        .unwrap();
    ok(&rr, "etcdutl restore of the replayed snapshot");
}

/// A member that ran out of space: its quota exceeded by committed data,
/// the next put raises the NOSPACE alarm (an entry the db lacks, its batch
/// commit held back), then it is killed. The latest state read from its
/// data dir holds the alarm, as real etcd restarted on a copy
/// reports it, and the same keys.
#[test]
fn a_nospace_alarm_in_the_wal_is_replayed_351() {
    if let Some(etcdutl) = etcdutl() {
        nospace_alarm_in_the_wal_is_replayed(&etcdutl);
    }
}

#[test]
fn a_nospace_alarm_in_the_wal_is_replayed_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        nospace_alarm_in_the_wal_is_replayed(&bin.join("etcdutl"));
    }
}

fn nospace_alarm_in_the_wal_is_replayed(etcdutl: &Path) {
    let bin = etcdutl.parent().unwrap().to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    let cluster = format!("m1={peer}");
    let mut e = Etcd::spawn_with(
        &bin,
        &data,
        "m1",
        &peer,
        &cluster,
        &[
            "--backend-batch-interval",
            "5s",
            "--backend-batch-limit",
            "1000000",
            "--quota-backend-bytes",
            "200000",
        ],
    );
    e.wait_healthy();
    e.fill_until_nospace(4);
    e.kill9();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    copy_wal_and_snap(&data, &[&a, &b]);
    // The db alone has no alarm: it is in the WAL only.
    let keys = |p: &Path| {
        let o = etcdsnap([
            "bolt".as_ref(),
            "keys".as_ref(),
            p.as_os_str(),
            "alarm".as_ref(),
        ]);
        ok(&o, "bolt keys alarm");
        o.stdout
    };
    assert!(
        keys(&b.join("member/snap/db")).is_empty(),
        "the alarm reached the db"
    );
    let out = tmp.path().join("latest.db");
    let o = etcdsnap([
        "snapshot".as_ref(),
        "save".as_ref(),
        "--data-dir".as_ref(),
        b.as_os_str(),
        out.as_os_str(),
    ]);
    ok(&o, "snapshot save");
    assert!(!keys(&out).is_empty(), "the replayed state has no alarm");
    let mut r = Etcd::spawn_with(
        &bin,
        &a,
        "m1",
        &peer,
        &cluster,
        &["--quota-backend-bytes", "200000"],
    );
    r.wait_serving();
    let alarms = r.ctl_ok(&["alarm", "list"]);
    assert!(alarms.contains("alarm:NOSPACE"), "{alarms}");
    let live: serde_json::Value =
        serde_json::from_str(&r.ctl_ok(&["get", "", "--prefix", "-w", "json"])).unwrap();
    drop(r);
    let (ours, _) = get_all_json(&out, &[]);
    assert_eq!(ours["kvs"], live["kvs"]);
    // The alarm's member is the member etcd reports.
    let member = alarms
        .split("memberID:")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let verify = etcdsnap([
        "verify".as_ref(),
        out.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    let id = u64::from_str_radix(
        v["summary"]["members"][0]
            .as_str()
            .unwrap()
            .split(['(', ')'])
            .nth(1)
            .unwrap(),
        16,
    )
    .unwrap();
    assert_eq!(member, id.to_string(), "alarm member");
}

/// The restore summary says whether auth is on (with the users) and prints
/// the etcd command line that starts the result: real etcd 3.5.1 started
/// with exactly that line (client URLs added) serves the restored keys.
#[test]
fn the_printed_etcd_command_starts_the_restored_member() {
    let Some(etcdutl) = etcdutl() else { return };
    let bin = etcdutl.parent().unwrap().to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("m1");
    let peer = live::peer_url();
    let o = restore_ours(
        &snapshot("etcd-3.5.1.snapshot.db"),
        &data,
        &[
            "--name",
            "m1",
            "--initial-cluster",
            &format!("m1={peer}"),
            "--initial-advertise-peer-urls",
            &peer,
        ],
    );
    ok(&o, "restore");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("auth:        enabled, users alice, bob, root"),
        "{text}"
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("start with:  "))
        .unwrap_or_else(|| panic!("no start line: {text}"));
    let endpoint = format!("http://127.0.0.1:{}", live::free_port());
    let words: Vec<String> = line
        .split_whitespace()
        .skip(1) // "etcd"
        .map(|w| {
            if w == "URLS" {
                endpoint.clone()
            } else {
                w.to_string()
            }
        })
        .collect();
    assert!(line.starts_with("etcd --name m1 --data-dir "), "{line}");
    let mut e = Etcd::spawn_args(&bin, &words, &endpoint, &tmp.path().join("m1.log"));
    e.user = Some("root:rootpw");
    e.wait_healthy();
    let got = e.ctl_ok(&["get", "/app/config/k05", "--print-value-only"]);
    assert!(!got.trim().is_empty(), "the restored key is served");
}
