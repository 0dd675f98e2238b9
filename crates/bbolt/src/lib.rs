//! Zero-copy, panic-free reading of bbolt database files.
//!
//! bbolt is the B+tree key/value store under etcd. This crate reads its
//! page format over a borrowed `&[u8]` (normally a read-only memory map of
//! the file), picks the meta page the way bbolt does, walks nested and
//! inline buckets with cursors, decodes freelists, checks the whole
//! structure, and reports damage with page ids and byte offsets instead of
//! panicking. It knows nothing about etcd.
//!
//! ```no_run
//! use etcdsnap_bbolt::{Db, MappedFile};
//!
//! let file = MappedFile::open("member/snap/db")?;
//! let db = Db::open(file.bytes())?;
//! for entry in db.root_bucket().iter(&db) {
//!     let entry = entry?;
//!     println!("bucket {}", String::from_utf8_lossy(entry.key));
//! }
//! # Ok::<(), etcdsnap_bbolt::Error>(())
//! ```

pub mod bucket;
pub mod check;
#[doc(hidden)]
pub mod db;
mod error;
pub mod freelist;
#[doc(hidden)]
pub mod layout;
pub mod meta;
mod mmap;
pub mod page;
pub mod prefetch;
pub mod rewrite;
pub mod scan;
pub mod stats;
pub mod writer;

use std::fmt;

use serde::Serialize;

pub use bucket::{Bucket, Cursor, Entry, Root};
pub use db::Db;
pub use error::{Error, MetaError};
pub use mmap::{try_lock, Lock, MappedFile, LOCKED};

/// A page id: a page's offset in the file divided by the page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct PageId(pub u64);

impl fmt::Display for PageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A transaction id from a meta page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct TxId(pub u64);

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
