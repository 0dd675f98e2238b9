//! Test support for etcdsnap's crates, not shipped: generators of damaged
//! bbolt files, etcd databases and WALs (each damage named after its
//! defect, with the diagnosis it must get), the corruption matrix built
//! from them, and the entry points the fuzz targets and their regression
//! tests share. Asserts and panics are allowed here: this is test code.
//!
//! ```no_run
//! let bytes = std::fs::read("testdata/etcd/etcd-3.5.1.snapshot.db")?;
//! for v in etcdsnap_testsupport::bbolt_damage::variants(&bytes) {
//!     println!("{v:?}");
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

pub mod bbolt_damage;
pub mod damaged_fixtures;
pub mod etcd_damage;
pub mod fuzz_bbolt;
pub mod fuzz_etcd;
pub mod fuzz_k8s;
pub mod fuzz_regressions;
pub mod fuzz_wal;
pub mod matrix;
pub mod oracles;
pub mod requests;
pub mod rng;
pub mod wal_damage;
