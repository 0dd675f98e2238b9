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

use etcdsnap_restore::fuzzing::etcd_file;

#[test]
fn replay_etcd() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut n = 0;
    for sub in ["regressions", "artifacts", "corpus"] {
        let Ok(rd) = std::fs::read_dir(root.join("fuzz").join(sub).join("etcd")) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            if e.path().is_file() {
                etcd_file(&std::fs::read(e.path()).unwrap());
                n += 1;
            }
        }
    }
    for name in [
        "etcd-3.5.1.snapshot.db",
        "etcd-3.5.1.small.snapshot.db",
        "etcd-3.4.23.snapshot.db",
    ] {
        let bytes = std::fs::read(root.join("testdata/etcd").join(name)).unwrap();
        etcd_file(&bytes);
        for v in etcdsnap_verify::damage::variants(&bytes) {
            etcd_file(&v.bytes);
            n += 1;
        }
    }
    for case in [&[][..], &[0u8; 8192][..], &[0xffu8; 4096][..]] {
        etcd_file(case);
    }
    assert!(n >= 40, "only {n} inputs replayed");
}
