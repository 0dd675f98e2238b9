//! Replays the bbolt fuzz targets' committed regression inputs, any crash
//! artifacts left by a fuzzing run, and the corpora when they exist,
//! through the same entry points the fuzz targets call; and checks that
//! every fuzz target has committed regression inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use etcdsnap_testsupport::fuzz_bbolt as fuzzing;
use etcdsnap_testsupport::fuzz_regressions::{fuzz_dir, regressions, replay, TARGETS};

#[test]
fn replay_meta() {
    assert!(replay("meta", fuzzing::meta_pages) >= 2);
}

#[test]
fn replay_page() {
    assert!(replay("page", fuzzing::single_page) >= 3);
}

#[test]
fn replay_walk_check() {
    assert!(replay("walk_check", fuzzing::whole_file) >= 2);
}

#[test]
fn replay_compact() {
    assert!(replay("compact", fuzzing::compact_round_trip) >= 3);
}

#[test]
fn every_fuzz_target_has_regression_inputs() {
    // The list of targets is the fuzz workspace's.
    let mut targets: Vec<String> = std::fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    targets.sort();
    let mut known: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    known.sort();
    assert_eq!(targets, known, "fuzz targets and TARGETS differ");
    let mut total = 0;
    for t in TARGETS {
        let inputs = regressions(t);
        assert!(!inputs.is_empty(), "fuzz/regressions/{t} has no inputs");
        for p in inputs {
            let n = std::fs::metadata(&p).unwrap().len();
            assert!(
                n <= 64 << 10,
                "{}: {n} bytes; keep inputs small",
                p.display()
            );
            total += n;
        }
    }
    assert!(total < 1 << 20, "regression inputs total {total} bytes");
}
