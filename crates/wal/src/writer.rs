//! Writing WAL segments the way etcd's `wal.Create` does: a preallocated
//! 64,000,000-byte file whose records are framed, padded to 8 bytes and
//! chained by a running CRC-32C.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::proto::{Entry, HardState, Metadata, Record, WalSnapshot};
use crate::reader::record_type;
use crate::Error;

/// etcd's segment size (`wal.SegmentSizeBytes`): segments are preallocated
/// to this length.
pub const SEGMENT_SIZE: u64 = 64 * 1000 * 1000;

/// The name of segment `seq` whose first entry index is `index`.
pub fn segment_name(seq: u64, index: u64) -> String {
    format!("{seq:016x}-{index:016x}.wal")
}

/// Builds the bytes of one segment in memory.
#[derive(Debug, Default)]
pub struct Encoder {
    buf: Vec<u8>,
    crc: u32,
}

impl Encoder {
    /// A segment continuing the running CRC `prev_crc` (0 for the first
    /// segment); it starts with the `crc` record as etcd's segments do.
    pub fn new(prev_crc: u32) -> Self {
        let mut e = Encoder {
            buf: Vec::new(),
            crc: prev_crc,
        };
        e.record(record_type::CRC, Vec::new());
        e
    }

    /// Appends a record of `ty` with `data`; its CRC field is the running
    /// CRC after `data`.
    pub fn record(&mut self, ty: i64, data: Vec<u8>) {
        self.crc = crc32c::crc32c_append(self.crc, &data);
        let rec = Record {
            r#type: ty,
            crc: self.crc,
            data,
        };
        let bytes = rec.encode_to_vec();
        let len = bytes.len() as u64;
        let pad = (8 - len % 8) % 8;
        let word = if pad == 0 {
            len
        } else {
            len | ((0x80 | pad) << 56)
        };
        self.buf.extend_from_slice(&word.to_le_bytes());
        self.buf.extend_from_slice(&bytes);
        self.buf.resize(self.buf.len() + pad as usize, 0);
    }

    /// A metadata record.
    pub fn metadata(&mut self, m: &Metadata) {
        self.record(record_type::METADATA, m.encode_to_vec());
    }

    /// A snapshot marker.
    pub fn snapshot(&mut self, s: &WalSnapshot) {
        self.record(record_type::SNAPSHOT, s.encode_to_vec());
    }

    /// An entry.
    pub fn entry(&mut self, e: &Entry) {
        self.record(record_type::ENTRY, e.encode_to_vec());
    }

    /// A hard state (etcd skips an empty one).
    pub fn hard_state(&mut self, h: &HardState) {
        if *h != HardState::default() {
            self.record(record_type::STATE, h.encode_to_vec());
        }
    }

    /// The running CRC so far.
    pub fn crc(&self) -> u32 {
        self.crc
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// The records `wal.Create` writes followed by what a restore saves: the
/// metadata, an empty snapshot marker, `entries`, `hard_state` and a final
/// snapshot marker.
pub fn restore_segment(
    metadata: &Metadata,
    entries: &[Entry],
    hard_state: &HardState,
    snapshot: &WalSnapshot,
) -> Encoder {
    let mut e = Encoder::new(0);
    e.metadata(metadata);
    e.snapshot(&WalSnapshot::default());
    for ent in entries {
        e.entry(ent);
    }
    e.hard_state(hard_state);
    e.snapshot(snapshot);
    e
}

/// Writes `enc` as segment `name` in `dir` (mode 0600), preallocated with
/// zeros to [`SEGMENT_SIZE`], and fsyncs it.
pub fn write_segment(dir: &Path, name: &str, enc: &Encoder) -> Result<PathBuf, Error> {
    let path = dir.join(name);
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let mut f = create_private(&path).map_err(io)?;
    f.write_all(enc.bytes()).map_err(io)?;
    let len = (enc.bytes().len() as u64).max(SEGMENT_SIZE);
    f.set_len(len).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(path)
}

/// Creates a new file that only its owner may read and write.
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}
