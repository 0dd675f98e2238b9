//! `verify`: real backups are restorable; damaged ones are not, with the
//! reason.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use etcdsnap_bbolt::check::ProblemKind;
use etcdsnap_bbolt::Db;
use etcdsnap_testsupport::etcd_damage::Diagnosis;

fn verify_json(path: &std::path::Path) -> (i32, serde_json::Value) {
    let o = etcdsnap([
        "verify".as_ref(),
        path.as_os_str(),
        "-w".as_ref(),
        "json".as_ref(),
    ]);
    assert_no_crash(&o, "verify");
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

/// A copy of the 3.5.1 fixture with `edit` applied to the value of the
/// newest `key`-bucket entry that `pick` selects.
fn edited_fixture(
    dir: &tempfile::TempDir,
    pick: impl Fn(&etcdsnap_bbolt::Entry<'_>) -> bool,
    edit: impl FnOnce(&mut [u8]),
) -> std::path::PathBuf {
    let mut bytes = std::fs::read(testdata().join("etcd/etcd-3.5.1.snapshot.db")).unwrap();
    let (off, len) = {
        let db = Db::open(&bytes).unwrap();
        let kb = db.bucket(&[b"key"]).unwrap();
        let e = kb
            .iter(&db)
            .map(Result::unwrap)
            .filter(|e| pick(e))
            .last()
            .unwrap();
        (db.offset_of(e.value) as usize, e.value.len())
    };
    edit(&mut bytes[off..off + len]);
    let p = dir.path().join("edited.db");
    std::fs::write(&p, &bytes).unwrap();
    p
}

fn messages(r: &serde_json::Value) -> Vec<String> {
    r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn real_backups_verify() {
    for name in [
        "etcd/etcd-3.5.1.snapshot.db",
        "etcd/etcd-3.4.23.snapshot.db",
        "etcd/etcd-3.5.1.small.snapshot.db",
    ] {
        let p = testdata().join(name);
        let before = sha256(&p);
        let (code, r) = verify_json(&p);
        assert_eq!(code, 0, "{name}: {r:#}");
        assert_eq!(r["summary"]["trailer"], "valid");
        assert_eq!(sha256(&p), before);
    }
    let (code, r) = verify_json(&testdata().join("etcd/etcd-3.5.1.snapshot.db"));
    assert_eq!(code, 0);
    let s = &r["summary"];
    // Facts recorded when the fixture was made (testdata/etcd/fixtures-info.txt).
    assert_eq!(s["revision"], 75);
    assert_eq!(s["compact_revision"], 61);
    assert_eq!(s["leases"], 1);
    assert_eq!(s["leased_keys"], 2);
    assert_eq!(s["auth_enabled"], true);
    assert_eq!(s["users"], serde_json::json!(["alice", "bob", "root"]));
    assert_eq!(s["members"], serde_json::json!(["f351 (792275f42d859459)"]));
}

#[test]
fn a_member_data_dir_verifies() {
    let (code, r) = verify_json(&member_dir());
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["summary"]["trailer"], "absent");
    assert_eq!(r["summary"]["revision"], 74);
}

#[test]
fn a_wrong_mod_revision_is_found() {
    // Revision 70's mod_revision varint (field 3, one byte) 70 -> 71.
    let dir = tempfile::tempdir().unwrap();
    let p = edited_fixture(
        &dir,
        |e| e.key[..8] == 70i64.to_be_bytes(),
        |v| {
            let pos = v
                .windows(2)
                .position(|w| w == [0x18, 70])
                .expect("mod_revision field");
            v[pos + 1] = 71;
        },
    );
    let (code, r) = verify_json(&p);
    assert_eq!(code, 1);
    let msgs = messages(&r);
    assert!(
        msgs.iter()
            .any(|m| m.contains("revision 70.0") && m.contains("mod_revision 71")),
        "{msgs:#?}"
    );
    // The edit also breaks the SHA-256 trailer.
    assert!(
        msgs.iter().any(|m| m.contains("trailer mismatch")),
        "{msgs:#?}"
    );
    assert_eq!(r["summary"]["trailer"], "mismatch");
}

/// `verify` is etcd's check: it runs on etcd's files only (a Go-bbolt
/// file without etcd's buckets fails it undamaged). Each etcd fixture
/// verifies first; then every structural variant of it fails, with the
/// checker's problem (its page and offset) in the report.
#[test]
fn structurally_damaged_etcd_files_do_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for name in [
        "etcd/etcd-3.5.1.snapshot.db",
        "etcd/etcd-3.4.23.snapshot.db",
        "etcd/etcd-3.5.1.small.snapshot.db",
    ] {
        let (code, r) = verify_json(&testdata().join(name));
        assert_eq!(code, 0, "{name} undamaged: {r:#}");
        let bytes = std::fs::read(testdata().join(name)).unwrap();
        for v in etcdsnap_testsupport::etcd_damage::variants(&bytes) {
            let Diagnosis::Structure { kind, page, offset } = v.diagnosis else {
                continue;
            };
            let p = dir.path().join(v.name);
            std::fs::write(&p, &v.bytes).unwrap();
            let o = etcdsnap([
                "verify".as_ref(),
                p.as_os_str(),
                "-w".as_ref(),
                "json".as_ref(),
            ]);
            assert_no_crash(&o, v.name);
            assert_eq!(o.status.code(), Some(1), "{name} {}", v.name);
            let located = match (kind, page, offset) {
                (ProblemKind::MetaInvalid, Some(pg), _) => format!("meta page {pg} is invalid"),
                (_, Some(pg), Some(off)) => format!("page {pg} (offset {off}): "),
                _ => unreachable!("{}: every bbolt variant names page and offset", v.name),
            };
            if v.name == "both-metas-bad-checksum" {
                // Nothing opens: the refusal names both meta pages.
                let err = String::from_utf8_lossy(&o.stderr);
                assert!(err.contains("meta page 0: checksum error"), "{err}");
                assert!(err.contains("meta page 1: checksum error"), "{err}");
            } else {
                let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                let msgs = messages(&r);
                assert!(
                    msgs.iter().any(|m| m.contains(&located)),
                    "{name} {}: no {located:?} in {msgs:#?}",
                    v.name
                );
            }
            n += 1;
        }
    }
    assert!(n >= 35, "{n} variants");
}

#[test]
fn a_live_key_on_a_missing_lease_is_found() {
    // The newest revision of /leased/a carries the kept lease (field 6, a
    // varint, the last field); change one of its bytes so it names no lease.
    let dir = tempfile::tempdir().unwrap();
    let p = edited_fixture(
        &dir,
        |e| e.value.windows(9).any(|w| w == b"/leased/a"),
        |v| {
            let pos = v.iter().rposition(|b| *b == 0x30).expect("lease field");
            v[pos + 1] ^= 0x01;
        },
    );
    let (code, r) = verify_json(&p);
    assert_eq!(code, 1);
    let msgs = messages(&r);
    assert!(
        msgs.iter().any(|m| m.contains("which does not exist")),
        "{msgs:#?}"
    );
}
