//! Meta pages: parsing, validation and selection, as bbolt does them.
//!
//! Layout (offsets from the start of the page; see [`crate::layout`]):
//!
//! ```text
//! 0  page header (flags 0x04)
//! 16 magic u32   20 version u32   24 page size u32   28 flags u32
//! 32 root bucket {root pgid u64, sequence u64}
//! 48 freelist pgid u64   56 high-water mark u64   64 txid u64
//! 72 checksum u64 = FNV-1a 64 of bytes [16, 72)
//! ```

use std::hash::Hasher;

use serde::Serialize;

use crate::layout::{self, meta_off, u32_at, u64_at};
use crate::{MetaError, PageId, TxId};

/// A decoded meta page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// Which meta page (0 or 1) this is.
    pub index: u8,
    /// Magic number.
    pub magic: u32,
    /// Format version.
    pub version: u32,
    /// Page size.
    pub page_size: u32,
    /// Flags (unused by bbolt).
    pub flags: u32,
    /// Root page of the root bucket.
    pub root: PageId,
    /// Sequence of the root bucket.
    pub root_sequence: u64,
    /// Freelist page, or `u64::MAX` when the freelist is not synced.
    pub freelist: PageId,
    /// High-water mark: the first page id never allocated.
    pub pgid: PageId,
    /// Transaction id.
    pub txid: TxId,
    /// Stored checksum.
    pub checksum: u64,
    /// Checksum computed over the meta body.
    pub computed_checksum: u64,
}

impl Meta {
    /// Decodes the meta page that starts `page` (at least 80 bytes).
    /// Decoding never fails on short input other than with `Truncated`;
    /// call [`Meta::validate`] to apply bbolt's checks.
    pub fn decode(index: u8, page: &[u8]) -> Result<Self, MetaError> {
        let body = page.get(..meta_off::END).ok_or(MetaError::Truncated {
            needed: meta_off::END as u64,
            found: page.len() as u64,
        })?;
        let r32 = |o| u32_at(body, o).unwrap_or(0);
        let r64 = |o| u64_at(body, o).unwrap_or(0);
        let mut h = fnv::FnvHasher::default();
        h.write(body.get(meta_off::MAGIC..meta_off::CHECKSUM).unwrap_or(&[]));
        Ok(Self {
            index,
            magic: r32(meta_off::MAGIC),
            version: r32(meta_off::VERSION),
            page_size: r32(meta_off::PAGE_SIZE),
            flags: r32(meta_off::FLAGS),
            root: PageId(r64(meta_off::ROOT)),
            root_sequence: r64(meta_off::ROOT_SEQUENCE),
            freelist: PageId(r64(meta_off::FREELIST)),
            pgid: PageId(r64(meta_off::PGID)),
            txid: TxId(r64(meta_off::TXID)),
            checksum: r64(meta_off::CHECKSUM),
            computed_checksum: h.finish(),
        })
    }

    /// bbolt's validation, in bbolt's order: magic, version, checksum.
    /// A zero checksum is rejected (bbolt 1.3.6 accepted it; 1.3.7+ does not).
    pub fn validate(&self) -> Result<(), MetaError> {
        if self.magic != layout::MAGIC {
            return Err(MetaError::InvalidMagic { found: self.magic });
        }
        if self.version != layout::VERSION {
            return Err(MetaError::VersionMismatch {
                found: self.version,
            });
        }
        if self.checksum != self.computed_checksum {
            return Err(MetaError::Checksum {
                stored: self.checksum,
                computed: self.computed_checksum,
            });
        }
        if !page_size_ok(self.page_size) {
            return Err(MetaError::BadPageSize {
                found: self.page_size,
            });
        }
        Ok(())
    }

    /// True when the freelist is not stored in the file (NoFreelistSync).
    pub fn freelist_synced(&self) -> bool {
        self.freelist.0 != layout::NO_FREELIST
    }
}

/// True when bbolt could have written a file with this page size.
pub fn page_size_ok(ps: u32) -> bool {
    ps.is_power_of_two() && (layout::MIN_PAGE_SIZE..=layout::MAX_PAGE_SIZE).contains(&ps)
}

/// Outcome of choosing a meta page.
#[derive(Debug, Clone, Serialize)]
pub struct MetaChoice {
    /// Page size in use.
    pub page_size: u32,
    /// The meta page in use.
    pub meta: Meta,
    /// Meta page 0, decoded at offset 0, with its validation result.
    pub meta0: Result<Meta, MetaError>,
    /// Meta page 1, decoded at offset `page_size`, with its validation result.
    pub meta1: Result<Meta, MetaError>,
    /// True when the page size came from probing meta page 1 because meta
    /// page 0 was unusable.
    pub page_size_probed: bool,
    /// True when one meta page is invalid and the other one is used.
    pub fell_back: bool,
}

impl MetaChoice {
    /// Warnings a user should see (a damaged meta page that was worked around).
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        for (i, m) in [(0, &self.meta0), (1, &self.meta1)] {
            if let Err(e) = m {
                w.push(format!("meta page {i} is invalid: {e}"));
            }
        }
        if self.fell_back {
            w.push(format!(
                "using meta page {} (txid {})",
                self.meta.index, self.meta.txid.0
            ));
        }
        w
    }
}

fn decode_valid(index: u8, page: Option<&[u8]>, needed: u64, len: u64) -> Result<Meta, MetaError> {
    let page = page.ok_or(MetaError::Truncated { needed, found: len })?;
    let m = Meta::decode(index, page)?;
    m.validate()?;
    Ok(m)
}

/// Reads both meta pages of `data` and picks the one bbolt would use:
/// the higher txid when valid, otherwise the other one. The page size comes
/// from meta page 0, or, when that is unusable, from a valid meta page 1
/// found at offsets `1024 << i` (as bbolt 1.3.7+ probes).
pub fn choose(data: &[u8]) -> Result<MetaChoice, crate::Error> {
    let len = data.len() as u64;
    let end = meta_off::END as u64;
    let meta0 = decode_valid(0, data.get(..meta_off::END), end, len);
    let mut probed = false;
    let page_size = match &meta0 {
        Ok(m) => Some(m.page_size),
        Err(_) => {
            probed = true;
            (0..15u32).find_map(|i| {
                let off = 1024usize.checked_shl(i)?;
                let page = data.get(off..off.checked_add(meta_off::END)?)?;
                let m = Meta::decode(1, page).ok()?;
                (m.validate().is_ok() && m.page_size as usize == off).then_some(m.page_size)
            })
        }
    };
    let meta1 = match page_size {
        Some(ps) => {
            let off = ps as usize;
            let needed = off.saturating_add(meta_off::END);
            decode_valid(1, data.get(off..needed), needed as u64, len)
        }
        // Without a page size there is no place to look for meta page 1;
        // report what is at the most common one.
        None => decode_valid(1, data.get(4096..4096 + meta_off::END), 4096 + end, len),
    };
    let (meta, fell_back) = match (&meta0, &meta1) {
        (Ok(a), Ok(b)) => (if b.txid > a.txid { *b } else { *a }, false),
        (Ok(a), Err(_)) => (*a, true),
        (Err(_), Ok(b)) => (*b, true),
        (Err(a), Err(b)) => {
            return Err(crate::Error::NoValidMeta {
                meta0: a.clone(),
                meta1: b.clone(),
            })
        }
    };
    Ok(MetaChoice {
        page_size: meta.page_size,
        meta,
        meta0,
        meta1,
        page_size_probed: probed,
        fell_back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_page(ps: u32, txid: u64) -> Vec<u8> {
        let mut p = vec![0u8; ps as usize];
        p[8..10].copy_from_slice(&layout::FLAG_META.to_le_bytes());
        p[16..20].copy_from_slice(&layout::MAGIC.to_le_bytes());
        p[20..24].copy_from_slice(&2u32.to_le_bytes());
        p[24..28].copy_from_slice(&ps.to_le_bytes());
        p[32..40].copy_from_slice(&3u64.to_le_bytes());
        p[48..56].copy_from_slice(&2u64.to_le_bytes());
        p[56..64].copy_from_slice(&4u64.to_le_bytes());
        p[64..72].copy_from_slice(&txid.to_le_bytes());
        let mut h = fnv::FnvHasher::default();
        h.write(&p[16..72]);
        let sum = h.finish();
        p[72..80].copy_from_slice(&sum.to_le_bytes());
        p
    }

    fn file(ps: u32, tx0: u64, tx1: u64) -> Vec<u8> {
        let mut f = meta_page(ps, tx0);
        f.extend(meta_page(ps, tx1));
        f.resize(ps as usize * 4, 0);
        f
    }

    #[test]
    fn picks_higher_txid() {
        let c = choose(&file(4096, 5, 6)).unwrap();
        assert_eq!(c.meta.index, 1);
        let c = choose(&file(4096, 7, 6)).unwrap();
        assert_eq!(c.meta.index, 0);
    }

    #[test]
    fn falls_back_when_newer_is_bad() {
        let mut f = file(4096, 5, 6);
        f[4096 + 72] ^= 1;
        let c = choose(&f).unwrap();
        assert_eq!(c.meta.index, 0);
        assert!(matches!(c.meta1, Err(MetaError::Checksum { .. })));
    }

    #[test]
    fn probes_meta1_when_meta0_bad() {
        let mut f = file(16384, 5, 6);
        f[16] = 0;
        let c = choose(&f).unwrap();
        assert_eq!(c.page_size, 16384);
        assert!(c.page_size_probed);
        assert_eq!(c.meta.index, 1);
        assert!(matches!(c.meta0, Err(MetaError::InvalidMagic { .. })));
    }

    #[test]
    fn both_bad_is_an_error() {
        let mut f = file(4096, 5, 6);
        f[20] = 9;
        f[4096 + 72] ^= 1;
        match choose(&f) {
            Err(crate::Error::NoValidMeta { meta0, meta1 }) => {
                assert!(matches!(meta0, MetaError::VersionMismatch { found: 9 }));
                assert!(matches!(meta1, MetaError::Checksum { .. }));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
