//! Damaged variants of a real WAL segment and `.snap` file, named after
//! their defect, each with the report the reader must give. Used by the
//! corruption matrix and the damaged-file tests; never by the tools.

use etcdsnap_wal::reader::has_zero_sector;

/// One damaged WAL segment.
#[derive(Debug, Clone)]
pub struct WalVariant {
    /// Name of the defect.
    pub name: &'static str,
    /// The damaged segment.
    pub bytes: Vec<u8>,
    /// Offset of the record where reading must stop.
    pub offset: u64,
    /// True when the reader must call it a torn last write.
    pub torn: bool,
    /// A phrase the report must contain.
    pub message: &'static str,
}

/// One damaged `.snap` file.
#[derive(Debug, Clone)]
pub struct SnapVariant {
    /// Name of the defect.
    pub name: &'static str,
    /// The damaged file.
    pub bytes: Vec<u8>,
    /// A phrase the report must contain.
    pub message: &'static str,
}

/// A record frame: offset of its length word, of its data, data length.
#[derive(Debug, Clone, Copy)]
struct Frame {
    off: usize,
    data: usize,
    len: usize,
}

fn frames(seg: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut off = 0usize;
    while let Some(word) = seg.get(off..off + 8) {
        let l = i64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        if l == 0 {
            break;
        }
        let len = ((l as u64) & !(0xffu64 << 56)) as usize;
        let pad = if l < 0 {
            (((l as u64) >> 56) & 7) as usize
        } else {
            0
        };
        let data = off + 8;
        if data.checked_add(len).is_none_or(|e| e > seg.len()) {
            break;
        }
        out.push(Frame { off, data, len });
        off = data + len + pad;
    }
    out
}

/// A copy of `seg` with `f` applied, when `f` finds what it edits.
fn edited(seg: &[u8], f: impl FnOnce(&mut Vec<u8>) -> Option<()>) -> Option<Vec<u8>> {
    let mut b = seg.to_vec();
    f(&mut b).map(|()| b)
}

/// Every variant that can be made from `seg`, the last segment of a clean
/// WAL with a few records.
pub fn wal_variants(seg: &[u8]) -> Vec<WalVariant> {
    let fr = frames(seg);
    let mut out = Vec::new();
    let mut add = |name, bytes: Option<Vec<u8>>, f: &Frame, torn, message| {
        if let Some(bytes) = bytes {
            out.push(WalVariant {
                name,
                bytes,
                offset: f.off as u64,
                torn,
                message,
            });
        }
    };
    // A record in the middle whose data has no zeroed sector piece (so that
    // damage to it cannot pass for a torn write).
    let mid = fr.iter().skip(fr.len() / 2).find(|f| {
        f.len > 0
            && seg
                .get(f.data..f.data + f.len)
                .is_some_and(|d| !has_zero_sector(d, f.data))
    });
    if let Some(f) = mid {
        // The record's last byte belongs to its data field.
        let flipped = edited(seg, |b| {
            *b.get_mut(f.data + f.len - 1)? ^= 0x01;
            Some(())
        });
        add("wal-crc-mismatch", flipped, f, false, "CRC mismatch");
        let garbage = edited(seg, |b| {
            b.get_mut(f.off..f.off + 8)?
                .copy_from_slice(&0x0000_00ff_ffff_fff0i64.to_le_bytes());
            Some(())
        });
        let past = "runs past the end of the segment";
        add("wal-garbage-record-length", garbage, f, false, past);
        let cut = seg.get(..f.data + f.len / 2).map(<[u8]>::to_vec);
        add("wal-truncated-segment", cut, f, false, past);
    }
    // A torn last write: a record across a sector boundary whose part past
    // the boundary never reached the disk, then the preallocated zeros.
    let torn = fr.iter().rev().find(|f| {
        f.len > 0 && f.data / 512 != (f.data + f.len - 1) / 512 && (f.data + f.len) % 512 != 0
    });
    if let Some(f) = torn {
        let bytes = edited(seg, |b| {
            b.get_mut(f.data.div_ceil(512) * 512..f.data + f.len)?
                .fill(0);
            b.truncate((f.data + f.len).div_ceil(8) * 8);
            b.resize(b.len() + 4096, 0);
            Some(())
        });
        add("wal-torn-tail", bytes, f, true, "torn last write");
    }
    out
}

/// Every variant that can be made from a clean `.snap` file.
pub fn snap_variants(snap: &[u8]) -> Vec<SnapVariant> {
    let mut out = Vec::new();
    if snap.len() > 16 {
        let mut b = snap.to_vec();
        // The frame's data field is last: its last byte is snapshot data.
        if let Some(x) = b.last_mut() {
            *x ^= 0x01;
        }
        out.push(SnapVariant {
            name: "snap-crc-mismatch",
            bytes: b,
            message: "CRC mismatch",
        });
        out.push(SnapVariant {
            name: "snap-truncated",
            bytes: snap.get(..snap.len() / 2).unwrap_or_default().to_vec(),
            message: "does not decode",
        });
    }
    out
}
