//! Reading WAL segments: framing, the CRC chain, torn tails.
//!
//! ```text
//! segment file %016x-%016x.wal (sequence, first index), preallocated
//! record frame:
//! +---------------------------+----------------------------+---------+
//! | length word, u64 LE       | walpb.Record (protobuf)    | padding |
//! | low 56 bits: record bytes | {type, crc, data}          | to 8    |
//! | top byte 0x80|n: n pad    |                            |         |
//! +---------------------------+----------------------------+---------+
//! ```
//!
//! Every record but a `crc` record carries the CRC-32C of all record data
//! so far (running across segments); a `crc` record starts a segment and
//! carries the running CRC it continues from. The reader stops at the
//! first all-zero length word (preallocated space), reports a damaged
//! record with its file and offset, and recognises a torn last write (an
//! all-zero 512-byte sector inside the last record).

use std::path::{Path, PathBuf};

use prost::Message;
use serde::Serialize;

use crate::proto::{Entry, HardState, Metadata, Record, WalSnapshot};
use crate::Error;

/// Record types.
pub mod record_type {
    /// `etcdserverpb.Metadata`.
    pub const METADATA: i64 = 1;
    /// `raftpb.Entry`.
    pub const ENTRY: i64 = 2;
    /// `raftpb.HardState`.
    pub const STATE: i64 = 3;
    /// The running CRC at the start of a segment.
    pub const CRC: i64 = 4;
    /// `walpb.Snapshot`.
    pub const SNAPSHOT: i64 = 5;
}

/// Sector size of a torn write.
const SECTOR: usize = 512;

/// Where and how reading stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Damage {
    /// Segment file name.
    pub file: String,
    /// Byte offset of the record's length word.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
    /// True for a torn last write (not corruption).
    pub torn: bool,
}

/// Everything read from a WAL directory, in order.
#[derive(Debug, Default)]
pub struct Wal {
    /// Segment files read, in order.
    pub segments: Vec<PathBuf>,
    /// Metadata records (the first of each segment).
    pub metadata: Vec<Metadata>,
    /// Snapshot markers.
    pub snapshots: Vec<WalSnapshot>,
    /// Entries, as written (a later entry with an index already seen
    /// replaces the earlier ones from that index on, as raft does).
    pub entries: Vec<Entry>,
    /// The last hard state.
    pub hard_state: Option<HardState>,
    /// Records read.
    pub records: u64,
    /// Where reading stopped before the end, if it did.
    pub damage: Option<Damage>,
}

/// Outcome of reading one frame.
enum Frame<'a> {
    /// A record and the offset after it.
    Record(Record, usize, &'a [u8]),
    /// The rest of the segment is zeros (preallocated).
    End,
}

/// A frame that could not be read: why, and its data when the length was sane.
type FrameError<'a> = (String, Option<&'a [u8]>);

fn frame(buf: &[u8], off: usize) -> Result<Frame<'_>, FrameError<'_>> {
    let Some(word) = buf.get(off..off + 8) else {
        return Ok(Frame::End);
    };
    let len_field = i64::from_le_bytes(
        word.try_into()
            .map_err(|_| ("short length word".to_string(), None))?,
    );
    if len_field == 0 {
        return Ok(Frame::End);
    }
    let rec_bytes = (len_field as u64) & !(0xffu64 << 56);
    let pad = if len_field < 0 {
        ((len_field as u64) >> 56) & 0x7
    } else {
        0
    };
    let start = off + 8;
    let end = usize::try_from(rec_bytes)
        .ok()
        .and_then(|r| start.checked_add(r))
        .filter(|e| *e <= buf.len())
        .ok_or_else(|| {
            (
                format!(
                    "record length {rec_bytes} runs past the end of the segment ({} bytes left)",
                    buf.len().saturating_sub(start)
                ),
                None,
            )
        })?;
    let data = buf.get(start..end).unwrap_or(&[]);
    let rec =
        Record::decode(data).map_err(|e| (format!("record does not decode: {e}"), Some(data)))?;
    let next = end + pad as usize;
    Ok(Frame::Record(rec, next, data))
}

/// True when `bytes` (at file offset `base`), cut at 512-byte sector
/// boundaries of the file, has a piece that is all zeros: a sector that
/// never reached the disk, the mark of a torn write (etcd's rule).
pub fn has_zero_sector(bytes: &[u8], base: usize) -> bool {
    let mut off = base;
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = (SECTOR - off % SECTOR).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        if piece.iter().all(|x| *x == 0) {
            return true;
        }
        off += n;
        rest = tail;
    }
    false
}

/// The `.wal` segments of `dir`, in name order (`0.tmp` spares skipped).
pub fn segments(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wal"))
        .collect();
    v.sort();
    Ok(v)
}

/// Reads every segment of the WAL directory `dir`.
pub fn read_dir(dir: &Path) -> Result<Wal, Error> {
    let mut wal = Wal::default();
    let mut crc = 0u32;
    let segs = segments(dir)?;
    let last_seg = segs.len().saturating_sub(1);
    for (si, path) in segs.iter().enumerate() {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        wal.segments.push(path.clone());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !read_segment(&mut wal, &mut crc, &bytes, &name, si == last_seg) {
            return Ok(wal);
        }
    }
    Ok(wal)
}

/// Reads one segment's records into `wal`, continuing the running CRC;
/// false when damage stopped the reading (recorded in `wal.damage`).
fn read_segment(wal: &mut Wal, crc: &mut u32, bytes: &[u8], name: &str, last: bool) -> bool {
    let mut off = 0usize;
    loop {
        let (rec, next, data) = match frame(bytes, off) {
            Ok(Frame::End) => break,
            Ok(Frame::Record(r, n, d)) => (r, n, d),
            Err((message, data)) => {
                // In the last segment, a record with a zeroed sector is
                // a torn write; a length past the end of the segment is
                // damage (segments are preallocated, so a cut write
                // leaves zeros, not a short file).
                let torn = last && data.is_some_and(|d| has_zero_sector(d, off + 8));
                wal.damage = Some(Damage {
                    file: name.to_string(),
                    offset: off as u64,
                    message,
                    torn,
                });
                return false;
            }
        };
        if rec.r#type == record_type::CRC {
            if *crc != 0 && rec.crc != *crc {
                wal.damage = Some(Damage {
                    file: name.to_string(),
                    offset: off as u64,
                    message: format!(
                        "segment continues CRC {:#010x}, the previous segment ended at {crc:#010x}",
                        rec.crc
                    ),
                    torn: false,
                });
                return false;
            }
            *crc = rec.crc;
        } else {
            *crc = crc32c::crc32c_append(*crc, &rec.data);
            if rec.crc != *crc {
                let torn = last && has_zero_sector(data, off + 8);
                wal.damage = Some(Damage {
                    file: name.to_string(),
                    offset: off as u64,
                    message: format!(
                        "CRC mismatch: record holds {:#010x}, data gives {crc:#010x}",
                        rec.crc
                    ),
                    torn,
                });
                return false;
            }
        }
        wal.records += 1;
        let bad = |what: &str, e: prost::DecodeError| Damage {
            file: name.to_string(),
            offset: off as u64,
            message: format!("{what} record does not decode: {e}"),
            torn: false,
        };
        match rec.r#type {
            record_type::METADATA => match Metadata::decode(rec.data.as_slice()) {
                Ok(m) => wal.metadata.push(m),
                Err(e) => {
                    wal.damage = Some(bad("metadata", e));
                    return false;
                }
            },
            record_type::ENTRY => match Entry::decode(rec.data.as_slice()) {
                Ok(e) => {
                    // A rewritten index replaces the tail from there on.
                    while wal.entries.last().is_some_and(|l| l.index >= e.index) {
                        wal.entries.pop();
                    }
                    wal.entries.push(e);
                }
                Err(e) => {
                    wal.damage = Some(bad("entry", e));
                    return false;
                }
            },
            record_type::STATE => match HardState::decode(rec.data.as_slice()) {
                Ok(h) => wal.hard_state = Some(h),
                Err(e) => {
                    wal.damage = Some(bad("hard state", e));
                    return false;
                }
            },
            record_type::SNAPSHOT => match WalSnapshot::decode(rec.data.as_slice()) {
                Ok(s) => wal.snapshots.push(s),
                Err(e) => {
                    wal.damage = Some(bad("snapshot", e));
                    return false;
                }
            },
            _ => {}
        }
        off = next;
    }
    true
}

/// Reads `bytes` as a single (last) segment named `name`: what the
/// fuzz target drives.
pub fn read_bytes(bytes: &[u8], name: &str) -> Wal {
    let mut wal = Wal::default();
    let mut crc = 0u32;
    read_segment(&mut wal, &mut crc, bytes, name, true);
    wal
}
