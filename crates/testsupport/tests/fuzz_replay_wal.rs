//! Replays the wal fuzz targets' regressions, artifacts and corpora
//! through the entry points the targets call.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for sub in ["regressions", "artifacts", "corpus"] {
        let Ok(rd) = std::fs::read_dir(fuzz.join(sub).join(target)) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            if e.path().is_file() {
                f(&std::fs::read(e.path()).unwrap());
                n += 1;
            }
        }
    }
    n
}

#[test]
fn replay_wal() {
    replay("wal", etcdsnap_testsupport::fuzz_wal::wal_segment);
    // Hostile cases that need no corpus: empty, a garbage length word, a
    // huge length, a record claiming all padding.
    for case in [
        &[][..],
        &[0xff; 16][..],
        &[
            0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0,
        ][..],
        &[0x01, 0, 0, 0, 0, 0, 0, 0x87, 0x08][..],
    ] {
        etcdsnap_testsupport::fuzz_wal::wal_segment(case);
    }
}

#[test]
fn replay_request_snap() {
    replay(
        "request_snap",
        etcdsnap_testsupport::fuzz_wal::request_and_snap,
    );
    for case in [&[][..], &[0x0a, 0xff][..], &[0xa2, 0x06, 0x7f][..]] {
        etcdsnap_testsupport::fuzz_wal::request_and_snap(case);
    }
}
