//! `hashkv`, `get` and `dump` against live etcd 3.5.1, 3.5.16 and 3.5.30
//! serving the same data: the fixture snapshot is restored with the real
//! etcdutl, real etcd is started on loopback, and `etcdctl endpoint hashkv
//! --rev N` is compared with `etcdsnap hashkv --rev N` at the head, after
//! the compaction, in between, and at the error bounds; and a member that
//! compacted at a revision holding only tombstones is restarted and
//! compared at every revision, the compact one included.
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

/// `etcdsnap hashkv FILE --rev REV -w json` with `extra` arguments.
fn hashkv_at(file: &Path, rev: i64, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "hashkv".as_ref(),
        file.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ];
    let rev = rev.to_string();
    args.extend([std::ffi::OsStr::new("--rev"), std::ffi::OsStr::new(&rev)]);
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let o = etcdsnap(args);
    assert_no_crash(&o, "hashkv");
    o
}

/// `etcdctl endpoint hashkv --rev REV -w json` of a live member: the hash
/// and compact revision (etcd omits a zero one from its JSON; -1, never
/// compacted, is sent), or the error.
fn live_hashkv(etcd: &live::Etcd, rev: i64) -> Result<(u64, i64), String> {
    let o = etcd
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
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hk = &v[0]["HashKV"];
    Ok((
        hk["hash"].as_u64().unwrap_or(0),
        hk["compact_revision"].as_i64().unwrap_or(0),
    ))
}

/// Compares hashkv with a live etcd serving `fixture` (restored from it,
/// so with no hash stored by a compaction of its own, as a restarted
/// member): answering as `version` (`extra` arguments), at several
/// revisions, or at every one from the compact revision when that release
/// hashes it, and at the error bounds.
fn compare_with_live(
    bin: &Path,
    fixture: &Path,
    user: Option<&'static str>,
    extra: &[&str],
    hashes_compact_revision: bool,
) {
    let ours_at = |rev: i64| hashkv_at(fixture, rev, extra);
    let head: serde_json::Value = serde_json::from_slice(&ours_at(0).stdout).unwrap();
    let head_rev = head["hashRevision"].as_i64().unwrap();
    let compact = head["compactRevision"].as_i64().unwrap();
    let first = if compact > 0 { compact + 1 } else { 1 };
    assert!(head_rev > first + 2, "fixture too short: {head}");

    let dir = tempfile::tempdir().unwrap();
    let etcd = start_etcd(bin, dir.path(), fixture, user);
    let revs: Vec<i64> = if hashes_compact_revision && compact > 0 {
        std::iter::once(0).chain(compact..=head_rev).collect()
    } else {
        vec![
            0,
            first,
            first + 1,
            (first + head_rev) / 2,
            head_rev - 1,
            head_rev,
        ]
    };
    for rev in revs {
        let (hash, live_compact) =
            live_hashkv(&etcd, rev).unwrap_or_else(|e| panic!("etcdctl hashkv --rev {rev}: {e}"));
        let ours: serde_json::Value = serde_json::from_slice(&ours_at(rev).stdout).unwrap();
        assert_eq!(
            ours["hash"].as_u64(),
            Some(hash),
            "{}: hash at --rev {rev}: ours {ours}, etcd {hash}",
            fixture.display()
        );
        assert_eq!(
            ours["compactRevision"].as_i64().unwrap(),
            live_compact,
            "compact revision at --rev {rev}"
        );
    }
    // Below (and for early releases at) the compact revision, and past
    // the head: etcd's errors.
    let mut bounds = vec![(head_rev + 1, "future revision")];
    if compact > 0 {
        bounds.push((compact - 1, "compacted"));
        if !hashes_compact_revision {
            bounds.push((compact, "compacted"));
        }
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
    for (fixture, user) in [
        ("etcd/etcd-3.5.1.snapshot.db", Some("root:rootpw")),
        ("etcd/etcd-3.5.1.small.snapshot.db", None),
    ] {
        let fixture = testdata().join(fixture);
        compare_with_live(&bin, &fixture, user, &["--etcd-version", "3.5.1"], false);
    }
}

/// The same fixtures served by etcd 3.5.30, which hashes the compact
/// revision itself: equal at every revision from it to the head, with no
/// flag (the fixtures' cluster version 3.5.0 chooses 3.5.30) and with
/// `--etcd-version 3.5.30`.
#[test]
fn hashkv_equals_live_etcd_3530_at_every_revision_from_the_compact_one() {
    let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") else {
        return;
    };
    for (fixture, user) in [
        ("etcd/etcd-3.5.1.snapshot.db", Some("root:rootpw")),
        ("etcd/etcd-3.5.1.small.snapshot.db", None),
    ] {
        let fixture = testdata().join(fixture);
        let o = hashkv_at(&fixture, 0, &[]);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("answering as etcd 3.5.30"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        compare_with_live(&bin, &fixture, user, &[], true);
        compare_with_live(&bin, &fixture, user, &["--etcd-version", "3.5.30"], true);
    }
}

/// `etcdsnap get "" --prefix --rev N -w json` returns the keys etcd 3.5.1
/// serves at N (`etcdctl get "" --prefix --rev N -w json`), with revisions,
/// versions, values and leases; below the compact revision and past the
/// head both refuse.
#[test]
fn get_equals_live_etcd_351() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD351", "3.5.1") {
        get_equals_live(&bin);
    }
}

/// The same against etcd 3.5.30: `get --rev` at the compact revision and
/// above is served by every release alike.
#[test]
fn get_equals_live_etcd_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        get_equals_live(&bin);
    }
}

/// `get` and `dump` at six revisions, and the errors, against the etcd in
/// `bin` serving the compacted fixture.
fn get_equals_live(bin: &Path) {
    let fixture = testdata().join("etcd/etcd-3.5.1.snapshot.db");
    let dir = tempfile::tempdir().unwrap();
    let etcd = start_etcd(bin, dir.path(), &fixture, Some("root:rootpw"));
    // testdata/etcd/fixtures-info.txt: compacted at 61, head 75.
    for rev in [0, 61, 62, 68, 74, 75] {
        let r = rev.to_string();
        let live = etcd.ctl_ok(&["get", "", "--prefix", "--rev", &r, "-w", "json"]);
        let live: serde_json::Value = serde_json::from_str(&live).unwrap();
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

/// etcd 3.6, 3.5.10 and 3.4.27 on hash the compact revision itself, which
/// 3.5.1 refuses (checked against the live etcd above), and still refuse
/// what is below it. After a finished compaction at C the `key` bucket holds,
/// at or below C, exactly the revisions etcd's `keep(C)` keeps (each key's
/// newest revision unless it is a tombstone), so the hash at C must be
/// CRC-32C of `key` and every key and value up to C, computed here from
/// the file independently of etcdsnap's hashkv.
#[test]
fn hashkv_hashes_the_compact_revision_from_3_5_10_and_3_4_27_on() {
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
    for version in ["3.6", "3.5.10", "3.4.27", "3.5.30", "3.7"] {
        let o = at(compact, version);
        assert_no_crash(&o, "hashkv");
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["hash"], crc, "hash at the compact revision as {version}");
        assert_eq!(j["hashRevision"], compact);
        assert_eq!(j["compactRevision"], compact);
    }
    for (rev, version) in [
        (compact, "3.5.1"),
        (compact, "3.5.9"),
        (compact, "3.4.26"),
        (compact - 1, "3.6"),
        (compact - 1, "3.5"),
    ] {
        let o = at(rev, version);
        assert_eq!(o.status.code(), Some(1), "--rev {rev} as {version}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("compacted"));
    }
}

/// A member compacted at a revision C where every key written so far is
/// deleted, so that at C the key index keeps nothing and the only entries
/// at or below C left in the file are tombstones (etcd 3.5.16 on keep the
/// one at C; 3.5.1 deletes it). A later put gives a head past C.
///
/// The member is then stopped and the db read offline, and restarted
/// (with no hash stored by a compaction of its own) and asked at every
/// revision: `etcdsnap hashkv` as `version` must equal what the restarted
/// member answers, C included where that release hashes it. The running
/// member, before the restart, answers at C from the hash it stored while
/// compacting (over the data before the compaction, with the previous
/// compact revision, -1): that the file cannot give, and it is checked
/// here to differ, as docs/etcd-compat.md says.
fn tombstones_at_the_compact_revision(bin: &Path, version: &str) {
    let v: etcdsnap_schema::EtcdVersion = version.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let peer = live::peer_url();
    let cluster = format!("m1={peer}");
    let mut etcd = live::Etcd::spawn(bin, &data, "m1", &peer, &cluster);
    etcd.wait_healthy();
    // Revisions 2..=5: two puts, their two deletes; C = 5 holds a tombstone.
    for args in [
        &["put", "/a", "1"][..],
        &["put", "/b", "2"],
        &["del", "/a"],
        &["del", "/b"],
    ] {
        etcd.ctl_ok(args);
    }
    let compact = 5;
    etcd.ctl_ok(&["compact", &compact.to_string(), "--physical"]);
    etcd.ctl_ok(&["put", "/c", "3"]);
    etcd.ctl_ok(&["put", "/c", "4"]);
    let head = 7;
    let running_at_compact = live_hashkv(&etcd, compact);
    drop(etcd);

    // A copy: the restarted member below holds its db's lock.
    let db = dir.path().join("stopped.db");
    std::fs::copy(data.join("member/snap/db"), &db).unwrap();
    // What the compactor left at or below C: the tombstone at C, or nothing.
    let bytes = std::fs::read(&db).unwrap();
    let file = etcdsnap_bbolt::Db::open(&bytes).unwrap();
    let kb = file
        .root_bucket()
        .sub_bucket(&file, b"key")
        .unwrap()
        .unwrap();
    let mut below: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for e in kb.iter(&file) {
        let e = e.unwrap();
        if u64::from_be_bytes(e.key[..8].try_into().unwrap()) <= compact as u64 {
            below.push((e.key.to_vec(), e.value.to_vec()));
        }
    }
    if v.compactor_keeps_tombstone_at_compact_revision() {
        assert_eq!(
            below.len(),
            1,
            "etcd {version} keeps the tombstone at {compact}"
        );
        assert_eq!(below[0].0.len(), 18, "a tombstone key");
        assert_eq!(below[0].0[17], b't');
    } else {
        assert!(
            below.is_empty(),
            "etcd {version} deletes the tombstone at {compact}"
        );
    }
    // At C, both hashing rules on this file, computed here from its bytes:
    // the newer leaves the tombstone at C out, the older hashes what is there.
    let mut with_tombstone = crc32c::crc32c(b"key");
    for (k, val) in &below {
        with_tombstone = crc32c::crc32c_append(with_tombstone, k);
        with_tombstone = crc32c::crc32c_append(with_tombstone, val);
    }
    let without_tombstone = crc32c::crc32c(b"key");
    let offline = |rev: i64, as_version: &str| {
        let o = hashkv_at(&db, rev, &["--etcd-version", as_version]);
        (
            o.status.code(),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).ok(),
        )
    };
    let hash_of = |r: &(Option<i32>, Option<serde_json::Value>)| {
        r.1.as_ref().and_then(|j| j["hash"].as_u64())
    };
    for (as_version, want) in [
        ("3.5.16", without_tombstone),
        ("3.4.34", without_tombstone),
        ("3.5.15", with_tombstone),
        ("3.4.33", with_tombstone),
    ] {
        let got = hash_of(&offline(compact, as_version));
        assert_eq!(got, Some(u64::from(want)), "at {compact} as {as_version}");
    }
    if !below.is_empty() {
        assert_ne!(with_tombstone, without_tombstone);
    }
    // Past C some key keeps a revision, and the tombstone is left out by
    // both rules.
    for rev in compact + 1..=head {
        assert_eq!(
            hash_of(&offline(rev, "3.5.15")),
            hash_of(&offline(rev, "3.5.16")),
            "--rev {rev}"
        );
    }
    // With no flag the db's cluster version (3.5.0) chooses 3.5.30.
    let o = hashkv_at(&db, compact, &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("answering as etcd 3.5.30"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["hash"].as_u64(),
        Some(u64::from(without_tombstone))
    );

    // The restarted member, at every revision.
    let mut etcd = live::Etcd::spawn(bin, &data, "m1", &peer, &cluster);
    etcd.wait_healthy();
    for rev in compact - 1..=head + 1 {
        let live = live_hashkv(&etcd, rev);
        let ours = hashkv_at(&db, rev, &["--etcd-version", version]);
        match live {
            Ok((hash, live_compact)) => {
                let j: serde_json::Value =
                    serde_json::from_slice(&ours.stdout).unwrap_or_else(|_| {
                        panic!("--rev {rev}: {}", String::from_utf8_lossy(&ours.stderr))
                    });
                assert_eq!(j["hash"].as_u64(), Some(hash), "--rev {rev} as {version}");
                assert_eq!(
                    j["compactRevision"].as_i64(),
                    Some(live_compact),
                    "--rev {rev}"
                );
            }
            Err(e) => {
                assert_eq!(
                    ours.status.code(),
                    Some(1),
                    "--rev {rev}: etcd refused: {e}"
                );
                let word = if e.contains("compacted") {
                    "mvcc: required revision has been compacted"
                } else {
                    assert!(e.contains("future revision"), "{e}");
                    "mvcc: required revision is a future revision"
                };
                assert!(
                    String::from_utf8_lossy(&ours.stderr).contains(word),
                    "--rev {rev}"
                );
            }
        }
    }
    // The running member's answer at C came from its compaction.
    if !v.refuses_hash_at_compact_revision() {
        let (hash, prev) = running_at_compact.expect("the running member answers at C");
        assert_eq!(
            prev, -1,
            "the stored hash carries the previous compact revision"
        );
        let restarted = live_hashkv(&etcd, compact).unwrap();
        assert_ne!(
            hash, restarted.0,
            "stored while compacting, over the data before it"
        );
    } else {
        assert!(running_at_compact.is_err());
    }
}

#[test]
fn hashkv_at_a_compact_revision_holding_only_tombstones_equals_restarted_etcd_3530() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") {
        tombstones_at_the_compact_revision(&bin, "3.5.30");
    }
}

#[test]
fn hashkv_at_a_compact_revision_holding_only_tombstones_equals_restarted_etcd_3516() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD3516", "3.5.16") {
        tombstones_at_the_compact_revision(&bin, "3.5.16");
    }
}

#[test]
fn hashkv_at_a_compact_revision_holding_only_tombstones_equals_restarted_etcd_351() {
    if let Some(bin) = etcd_release("ETCDSNAP_ETCD351", "3.5.1") {
        tombstones_at_the_compact_revision(&bin, "3.5.1");
    }
}

/// A snapshot etcd 3.5.30 saved itself (`etcdctl snapshot save` from a
/// live member with overwrites, deletes, a leased key and a compaction):
/// with no flag, `snapshot status` prints what etcdutl 3.5.30 prints in
/// every format, byte for byte (the table with `--table-style box`, as
/// Debian's build draws it), and `hashkv` answers what etcd 3.5.30
/// restarted on it answers at every revision from the compact one to the
/// head, and its errors beyond.
#[test]
fn a_snapshot_saved_by_etcd_3530_reads_as_etcd_3530_reads_it() {
    let Some(bin) = etcd_release("ETCDSNAP_ETCD3530", "3.5.30") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let peer = live::peer_url();
    let mut etcd = live::Etcd::spawn(
        &bin,
        &dir.path().join("m1"),
        "m1",
        &peer,
        &format!("m1={peer}"),
    );
    etcd.wait_healthy();
    for i in 0..12 {
        etcd.ctl_ok(&["put", &format!("/k/{i:02}"), &format!("v{i}")]);
    }
    etcd.ctl_ok(&["put", "/k/03", "again"]);
    etcd.ctl_ok(&["del", "/k/05"]);
    let lease = etcd.ctl_ok(&["lease", "grant", "600"]);
    let id = lease.split_whitespace().nth(1).unwrap().to_string();
    etcd.ctl_ok(&["put", "/leased", "x", "--lease", &id]);
    etcd.ctl_ok(&["compact", "10", "--physical"]);
    for i in 0..6 {
        etcd.ctl_ok(&["put", &format!("/k/{i:02}"), "later"]);
    }
    etcd.ctl_ok(&["del", "/k/1", "--prefix"]);
    let snap = dir.path().join("saved.db");
    etcd.ctl_ok(&["snapshot", "save", snap.to_str().unwrap()]);
    drop(etcd);

    for fmt in ["simple", "json", "fields", "table"] {
        let copy = dir.path().join(format!("status-{fmt}.db"));
        std::fs::copy(&snap, &copy).unwrap();
        let real = Command::new(bin.join("etcdutl"))
            .args(["snapshot", "status", "-w", fmt])
            .arg(&copy)
            .output()
            .unwrap();
        assert!(real.status.success(), "etcdutl 3.5.30 status -w {fmt}");
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "snapshot".as_ref(),
            "status".as_ref(),
            snap.as_os_str(),
            "-w".as_ref(),
            fmt.as_ref(),
        ];
        if fmt == "table" {
            args.extend([
                std::ffi::OsStr::new("--table-style"),
                std::ffi::OsStr::new("box"),
            ]);
        }
        let ours = etcdsnap(args);
        assert_eq!(ours.status.code(), Some(0), "-w {fmt}");
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&real.stdout),
            "snapshot status -w {fmt} of a snapshot etcd 3.5.30 saved"
        );
        assert!(
            String::from_utf8_lossy(&ours.stderr).contains("answering as etcd 3.5.30"),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
    }
    compare_with_live(&bin, &snap, None, &[], true);
}
