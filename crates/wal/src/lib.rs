//! etcd's write-ahead log and `.snap` files, offline: the framed records of
//! every segment, the CRC-32C chain across records and segments, torn last
//! writes told apart from damage, the raft messages inside, and segments
//! and snapshot files written byte for byte as etcd writes them.
//!
//! The requests in normal entries decode into the typed messages of
//! [`etcdserverpb`] (etcd's `InternalRaftRequest` and everything it
//! carries, decoded as etcd decodes them); [`request`] shows them as
//! `etcd-dump-logs` does and as JSON, and [`dump`] is the `etcd-dump-logs`
//! view of a data dir.
//!
//! ```no_run
//! let wal = etcdsnap_wal::reader::read_dir(std::path::Path::new("member/wal"))?;
//! println!("{} entries, damage: {:?}", wal.entries.len(), wal.damage);
//! # Ok::<(), etcdsnap_wal::Error>(())
//! ```

pub mod dump;
pub mod etcdserverpb;
#[doc(hidden)]
pub mod proto;
pub mod reader;
pub mod request;
pub mod snap;
pub mod writer;

use std::path::PathBuf;

/// Errors from reading a WAL directory (damage inside a segment is not an
/// error: it is reported in [`reader::Wal::damage`] with what was read
/// before it).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}
