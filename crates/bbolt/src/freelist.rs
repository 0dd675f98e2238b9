//! Freelist pages.
//!
//! ```text
//! page header (flags 0x10, count = number of ids, or 0xFFFF)
//! count <  0xFFFF: ids: count × u64 at offset 16
//! count == 0xFFFF: real count u64 at offset 16, ids at offset 24
//! ```
//! The page may have overflow pages. bbolt writes the ids sorted.

use crate::db::Db;
use crate::layout::{self, u64_at, FREELIST_COUNT_ESCAPE, PAGE_HEADER_SIZE};
use crate::page::Page;
use crate::{Error, PageId};

/// The ids stored in a freelist page, read in place.
#[derive(Debug, Clone, Copy)]
pub struct FreelistIds<'a> {
    bytes: &'a [u8],
    /// Number of ids.
    pub count: usize,
    /// Absolute file offset of the first id.
    pub offset: u64,
}

impl<'a> FreelistIds<'a> {
    /// The `i`th id.
    pub fn get(&self, i: usize) -> Option<PageId> {
        u64_at(self.bytes, i.checked_mul(8)?).map(PageId)
    }

    /// All ids in page order.
    pub fn iter(&self) -> impl Iterator<Item = PageId> + 'a {
        let bytes = self.bytes;
        bytes
            .chunks_exact(8)
            .map(|c| PageId(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
    }
}

/// Decodes the ids of freelist page `page`. Checks the page type and that
/// the ids fit in the page span.
pub fn read<'a>(page: &Page<'a>) -> Result<FreelistIds<'a>, Error> {
    if page.header.flags != layout::FLAG_FREELIST {
        return Err(Error::corrupt(
            page.id,
            page.offset + 8,
            format!(
                "expected a freelist page (flags 0x0010), found {} (flags {:#06x})",
                page.header.type_name(),
                page.header.flags
            ),
        ));
    }
    let (count, start) = if page.header.count == FREELIST_COUNT_ESCAPE {
        let c = u64_at(page.bytes, PAGE_HEADER_SIZE).ok_or_else(|| {
            Error::corrupt(
                page.id,
                page.offset + 16,
                "freelist count escape without a count",
            )
        })?;
        (c, PAGE_HEADER_SIZE + 8)
    } else {
        (page.header.count as u64, PAGE_HEADER_SIZE)
    };
    let avail = (page.bytes.len().saturating_sub(start) / 8) as u64;
    if count > avail {
        return Err(Error::corrupt(
            page.id,
            page.offset + if start == PAGE_HEADER_SIZE { 10 } else { 16 },
            format!(
                "freelist count {count} needs {} bytes of ids, the page span holds {}",
                count.saturating_mul(8),
                avail * 8
            ),
        ));
    }
    let end = start + count as usize * 8;
    Ok(FreelistIds {
        bytes: page.bytes.get(start..end).unwrap_or(&[]),
        count: count as usize,
        offset: page.offset + start as u64,
    })
}

/// The freelist of `db`'s meta page, if one is synced to the file.
pub fn of_db<'a>(db: &Db<'a>) -> Result<Option<FreelistIds<'a>>, Error> {
    let meta = db.meta();
    if !meta.freelist_synced() {
        return Ok(None);
    }
    let page = db.page(meta.freelist)?;
    read(&page).map(Some)
}
