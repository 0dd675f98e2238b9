//! The fuzz targets' committed regression inputs (`fuzz/regressions/<target>/`),
//! and replaying them, with any crash artifacts and corpora a fuzzing run
//! left, through the entry points the targets call.

use std::path::{Path, PathBuf};

/// Every fuzz target (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: [&str; 9] = [
    "meta",
    "page",
    "walk_check",
    "compact",
    "wal",
    "request_snap",
    "etcd",
    "replay",
    "k8s_value",
];

/// The repository's `fuzz/`.
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir` (none when it does not exist), dot files left out,
/// in name order.
pub fn files(dir: &Path) -> Vec<PathBuf> {
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

/// The committed regression inputs of `target`.
pub fn regressions(target: &str) -> Vec<PathBuf> {
    files(&fuzz_dir().join("regressions").join(target))
}

/// Runs `f` on every committed regression input of `target`, then on any
/// crash artifacts and corpus inputs; returns how many regression inputs
/// ran.
///
/// # Panics
///
/// When `target` has no committed regression input, or `f` panics.
#[allow(clippy::panic)]
pub fn replay(target: &str, mut f: impl FnMut(&[u8])) -> usize {
    let committed = regressions(target);
    if committed.is_empty() {
        panic!("fuzz/regressions/{target} has no inputs");
    }
    for sub in ["regressions", "artifacts", "corpus"] {
        for p in files(&fuzz_dir().join(sub).join(target)) {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            f(&data);
        }
    }
    committed.len()
}
