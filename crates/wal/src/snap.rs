//! etcd's `.snap` files: a `snappb.Snapshot` frame (CRC-32C and data)
//! around a `raftpb.Snapshot`, named `%016x-%016x.snap` from term and index.

use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::proto::{RaftSnapshot, SnapFile};
use crate::Error;

/// The file name etcd gives the snapshot at `term` and `index`.
pub fn file_name(term: u64, index: u64) -> String {
    format!("{term:016x}-{index:016x}.snap")
}

/// The bytes of a `.snap` file holding `snap`.
pub fn encode(snap: &RaftSnapshot) -> Vec<u8> {
    let data = snap.encode_to_vec();
    SnapFile {
        crc: crc32c::crc32c(&data),
        data: Some(data),
    }
    .encode_to_vec()
}

/// Why a `.snap` file could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapError {
    /// The file is empty (etcd: "snap: empty snapshot").
    #[error("empty snapshot file")]
    Empty,
    /// The frame or the snapshot inside does not decode.
    #[error("does not decode: {0}")]
    Decode(String),
    /// The CRC does not match the data (etcd: "snap: crc mismatch").
    #[error("CRC mismatch: file holds {stored:#010x}, data gives {computed:#010x}")]
    Crc {
        /// CRC in the file.
        stored: u32,
        /// CRC of the data.
        computed: u32,
    },
}

/// Decodes and checks the bytes of a `.snap` file.
pub fn decode(bytes: &[u8]) -> Result<RaftSnapshot, SnapError> {
    if bytes.is_empty() {
        return Err(SnapError::Empty);
    }
    let frame = SnapFile::decode(bytes).map_err(|e| SnapError::Decode(e.to_string()))?;
    let data = frame.data.unwrap_or_default();
    if data.is_empty() {
        return Err(SnapError::Empty);
    }
    let computed = crc32c::crc32c(&data);
    if computed != frame.crc {
        return Err(SnapError::Crc {
            stored: frame.crc,
            computed,
        });
    }
    RaftSnapshot::decode(data.as_slice()).map_err(|e| SnapError::Decode(e.to_string()))
}

/// Writes `snap` into `dir` under etcd's name for it and fsyncs it.
pub fn write(dir: &Path, snap: &RaftSnapshot) -> Result<PathBuf, Error> {
    let path = dir.join(file_name(snap.metadata.term, snap.metadata.index));
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // etcd creates it 0666 before the umask.
        o.mode(0o666);
    }
    let mut f = o.open(&path).map_err(io)?;
    f.write_all(&encode(snap)).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(path)
}

/// The `.snap` files of `dir`, newest (highest term and index) first, as
/// etcd tries them.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "snap"))
        .collect();
    v.sort();
    v.reverse();
    Ok(v)
}
