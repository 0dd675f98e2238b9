//! Replays the `etcd` fuzz target's regressions, artifacts and corpus, and
//! every damaged variant of the etcd fixtures, through the entry point the
//! target calls (which panics when salvage writes something wrong).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use etcdsnap_testsupport::fuzz_etcd::etcd_file;

#[test]
fn replay_etcd() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut n = etcdsnap_testsupport::fuzz_regressions::replay("etcd", etcd_file);
    assert!(n >= 5, "{n} committed etcd regression inputs");
    for name in [
        "etcd-3.5.1.snapshot.db",
        "etcd-3.5.1.small.snapshot.db",
        "etcd-3.4.23.snapshot.db",
    ] {
        let bytes = std::fs::read(root.join("testdata/etcd").join(name)).unwrap();
        etcd_file(&bytes);
        for v in etcdsnap_testsupport::etcd_damage::variants(&bytes) {
            etcd_file(&v.bytes);
            n += 1;
        }
    }
    for case in [&[][..], &[0u8; 8192][..], &[0xffu8; 4096][..]] {
        etcd_file(case);
    }
    assert!(n >= 40, "only {n} inputs replayed");
}

#[test]
fn replay_replay() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let db = std::fs::read(root.join("testdata/etcd/etcd-3.5.1.small.snapshot.db")).unwrap();
    let n = etcdsnap_testsupport::fuzz_regressions::replay("replay", |wal| {
        etcdsnap_testsupport::fuzz_etcd::replay_wal(&db, wal)
    });
    assert!(n >= 3, "{n} committed replay regression inputs");
    // The real member's WAL segment and every damaged variant of it.
    let tgz = root.join("testdata/etcd/etcd-3.5.1-member.tar.gz");
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let seg = std::fs::read(
        dir.path()
            .join("member/wal/0000000000000000-0000000000000000.wal"),
    )
    .unwrap();
    etcdsnap_testsupport::fuzz_etcd::replay_wal(&db, &seg);
    let variants = etcdsnap_testsupport::wal_damage::wal_variants(&seg);
    assert!(variants.len() >= 4);
    for v in variants {
        etcdsnap_testsupport::fuzz_etcd::replay_wal(&db, &v.bytes);
    }
}
