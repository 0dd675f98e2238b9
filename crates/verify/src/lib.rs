//! etcd semantics over a bbolt file, offline: `snapshot status` as etcdutl
//! computes it, the HashKV hash of the maintenance API, and the SHA-256
//! trailer of snapshot files.
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

pub mod damage;
mod error;
pub mod extract;
pub mod hashkv;
pub mod humanize;
pub mod k8s;
pub mod mvcc;
pub mod proto;
pub mod revision;
pub mod scan;
pub mod semantic;
pub mod status;
pub mod trailer;

pub use error::Error;
pub use revision::Revision;
