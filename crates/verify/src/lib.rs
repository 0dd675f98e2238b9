//! The answers about a backup, offline: `snapshot status` as etcdutl
//! computes it (hash, revision, key count, size), the HashKV hash of the
//! maintenance API, the SHA-256 trailer of snapshot files, and the
//! semantic verification of etcd's invariants that says whether a
//! backup is restorable.
//!
//! ```no_run
//! use etcdsnap_bbolt::{Db, MappedFile};
//! use etcdsnap_verify::status::{status, StatusOptions};
//!
//! let file = MappedFile::open_for_scan("snapshot.db")?;
//! let db = Db::open(file.bytes())?;
//! let st = status(&db, &StatusOptions::default())?;
//! println!("{:x}, {}, {}", st.hash, st.revision, st.total_key);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod crc;
mod error;
pub mod hashkv;
pub mod humanize;
pub mod release_schema;
pub mod semantic;
pub mod status;
pub mod trailer;

pub use error::Error;
