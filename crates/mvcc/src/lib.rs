//! etcd's keyspace read offline as etcd's MVCC store serves it: a range
//! (one key or a prefix) at a revision with etcd's errors for compacted
//! and future revisions, the stored history of a key, and the live keys
//! of two databases compared.
//!
//! ```no_run
//! use etcdsnap_bbolt::{Db, MappedFile};
//! use etcdsnap_mvcc::extract::{range, Selector};
//!
//! let file = MappedFile::open("snapshot.db")?;
//! let db = Db::open(file.bytes())?;
//! let all = Selector { key: b"/registry/".to_vec(), prefix: true };
//! for kv in range(&db, &all, 0)?.kvs {
//!     println!("{}", String::from_utf8_lossy(kv.key));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod diff;
pub mod extract;

pub use etcdsnap_schema::Error;
