//! Replays the fuzz targets' committed regression inputs, any crash
//! artifacts left by a fuzzing run, and the corpora when they exist, through
//! the same entry points the fuzz targets call.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use etcdsnap_testsupport::fuzz_bbolt as fuzzing;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    v.sort();
    v
}

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let mut n = 0;
    for sub in ["regressions", "artifacts", "corpus"] {
        for p in files(&fuzz_dir().join(sub).join(target)) {
            let data = std::fs::read(&p).unwrap();
            f(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn replay_meta() {
    replay("meta", fuzzing::meta_pages);
}

#[test]
fn replay_page() {
    replay("page", fuzzing::single_page);
}

#[test]
fn replay_walk_check() {
    let n = replay("walk_check", fuzzing::whole_file);
    assert!(n >= 2, "replayed {n} inputs");
}

#[test]
fn regression_inputs_exist_for_every_target() {
    for t in ["meta", "page", "walk_check"] {
        assert!(
            !files(&fuzz_dir().join("regressions").join(t)).is_empty(),
            "fuzz/regressions/{t} has no inputs"
        );
    }
}

#[test]
fn replay_compact() {
    replay("compact", fuzzing::compact_round_trip);
}
