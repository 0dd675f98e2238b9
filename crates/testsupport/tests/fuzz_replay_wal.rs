//! Replays the wal fuzz targets' committed regressions, artifacts and
//! corpora through the entry points the targets call.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use etcdsnap_testsupport::fuzz_regressions::replay;
use etcdsnap_testsupport::fuzz_wal::{request_and_snap, wal_segment};

#[test]
fn replay_wal() {
    assert!(replay("wal", wal_segment) >= 4);
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
        wal_segment(case);
    }
}

#[test]
fn replay_request_snap() {
    assert!(replay("request_snap", request_and_snap) >= 4);
    for case in [&[][..], &[0x0a, 0xff][..], &[0xa2, 0x06, 0x7f][..]] {
        request_and_snap(case);
    }
}
