//! Raw on-disk layout of a bbolt file: constants, field offsets and
//! bounds-checked little-endian field readers.
//!
//! Everything here is pure arithmetic over byte slices; it never panics.
//!
//! ```text
//! page header (16 bytes, every page but overflow continuation pages)
//! 0        8       10      12         16
//! +--------+-------+-------+----------+
//! | id u64 | flags | count | overflow |
//! |        | u16   | u16   | u32      |
//! +--------+-------+-------+----------+
//!
//! branch element (16 bytes)          leaf element (16 bytes)
//! +--------+--------+---------+      +--------+--------+--------+--------+
//! | pos u32| ksize  | pgid u64|      |flags   | pos u32| ksize  | vsize  |
//! +--------+--------+---------+      +--------+--------+--------+--------+
//! `pos` is relative to the element's own first byte; a leaf value follows
//! its key.
//!
//! meta page body (at page offset 16)
//! 16 magic u32 = 0xED0CDAED   20 version u32 = 2   24 page size u32
//! 28 flags u32                32 root bucket root pgid u64
//! 40 root bucket sequence u64 48 freelist pgid u64
//! 56 high-water mark pgid u64 64 txid u64          72 checksum u64
//! ```

/// Size of the header that starts every page.
pub const PAGE_HEADER_SIZE: usize = 16;
/// Size of one branch or leaf element.
pub const ELEMENT_SIZE: usize = 16;
/// Size of the bucket header `{root pgid u64, sequence u64}` in a bucket value.
pub const BUCKET_HEADER_SIZE: usize = 16;

/// Branch page flag.
pub const FLAG_BRANCH: u16 = 0x01;
/// Leaf page flag.
pub const FLAG_LEAF: u16 = 0x02;
/// Meta page flag.
pub const FLAG_META: u16 = 0x04;
/// Freelist page flag.
pub const FLAG_FREELIST: u16 = 0x10;

/// Leaf element flag marking a sub-bucket.
pub const LEAF_FLAG_BUCKET: u32 = 0x01;

/// Magic number in a meta page.
pub const MAGIC: u32 = 0xED0C_DAED;
/// The only data format version bbolt writes.
pub const VERSION: u32 = 2;
/// Freelist page id meaning "no freelist was synced" (NoFreelistSync).
pub const NO_FREELIST: u64 = u64::MAX;
/// A freelist page whose `count` equals this stores the real count in its first u64.
pub const FREELIST_COUNT_ESCAPE: u16 = 0xFFFF;

/// Meta field offsets, from the start of the page.
pub mod meta_off {
    /// Magic number, u32.
    pub const MAGIC: usize = 16;
    /// Format version, u32.
    pub const VERSION: usize = 20;
    /// Page size, u32.
    pub const PAGE_SIZE: usize = 24;
    /// Flags, u32 (unused by bbolt).
    pub const FLAGS: usize = 28;
    /// Root bucket: root page id, u64.
    pub const ROOT: usize = 32;
    /// Root bucket: sequence, u64.
    pub const ROOT_SEQUENCE: usize = 40;
    /// Freelist page id, u64.
    pub const FREELIST: usize = 48;
    /// High-water mark: first page id never allocated, u64.
    pub const PGID: usize = 56;
    /// Transaction id, u64.
    pub const TXID: usize = 64;
    /// FNV-1a 64 of bytes `[16, 72)`, u64.
    pub const CHECKSUM: usize = 72;
    /// End of the meta body.
    pub const END: usize = 80;
}

/// Smallest page size accepted: a meta page must fit.
pub const MIN_PAGE_SIZE: u32 = 512;
/// Largest page size accepted (bbolt has no upper limit; this bounds hostile input).
pub const MAX_PAGE_SIZE: u32 = 1 << 24;

/// Reads a little-endian u16 at `off`, if the bytes are there.
#[inline]
pub fn u16_at(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian u32 at `off`, if the bytes are there.
#[inline]
pub fn u32_at(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian u64 at `off`, if the bytes are there.
#[inline]
pub fn u64_at(buf: &[u8], off: usize) -> Option<u64> {
    let b = buf.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// Human name of a page type as bbolt prints it.
pub fn page_type_name(flags: u16) -> String {
    if flags & FLAG_BRANCH != 0 {
        "branch".to_string()
    } else if flags & FLAG_LEAF != 0 {
        "leaf".to_string()
    } else if flags & FLAG_META != 0 {
        "meta".to_string()
    } else if flags & FLAG_FREELIST != 0 {
        "freelist".to_string()
    } else {
        format!("unknown<{flags:02x}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_refuse_short_input() {
        assert_eq!(u16_at(&[1], 0), None);
        assert_eq!(u32_at(&[1, 2, 3, 4], 1), None);
        assert_eq!(u64_at(&[0; 8], usize::MAX), None);
        assert_eq!(u32_at(&[1, 0, 0, 0], 0), Some(1));
    }

    #[test]
    fn type_names_match_bbolt() {
        assert_eq!(page_type_name(0x01), "branch");
        assert_eq!(page_type_name(0x02), "leaf");
        assert_eq!(page_type_name(0x10), "freelist");
        assert_eq!(page_type_name(0x00), "unknown<00>");
        assert_eq!(page_type_name(0x20), "unknown<20>");
    }
}
