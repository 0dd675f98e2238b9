//! Shared by the bbolt crate's tests: reading committed fixtures.

use std::path::PathBuf;

/// The bytes of `testdata/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
