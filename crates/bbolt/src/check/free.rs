//! The freelist: its page checked, its ids against the walk, and the
//! free set derived by reachability when it is not synced.

use super::*;

impl<'a, 'd, V: TopLeafVisitor<'a>> Checker<'a, 'd, V> {
    pub(super) fn check_freelist(&mut self) {
        let meta = *self.db.meta();
        if !meta.freelist_synced() {
            return;
        }
        let id = meta.freelist.0;
        let meta_off = self.page_off(u64::from(meta.index)) + layout::meta_off::FREELIST as u64;
        if id < 2 || id >= self.file_pages {
            let why = if id < 2 {
                "is a meta page".to_string()
            } else {
                format!(
                    "lies beyond the end of the file ({} pages)",
                    self.file_pages
                )
            };
            self.push(
                ProblemKind::FreelistInvalid,
                Some(u64::from(meta.index)),
                Some(meta_off),
                format!("meta's freelist page {id} {why}"),
                None,
            );
            return;
        }
        if id >= self.hwm {
            self.push(
                ProblemKind::OutOfBounds,
                Some(id),
                Some(self.page_off(id)),
                format!(
                    "freelist page {id} is at or beyond the high-water mark {}",
                    self.hwm
                ),
                None,
            );
        }
        let page = match self.db.page(PageId(id)) {
            Ok(p) => p,
            Err(e) => {
                self.push(
                    ProblemKind::FreelistInvalid,
                    Some(id),
                    Some(self.page_off(id)),
                    error_text(&e),
                    None,
                );
                return;
            }
        };
        if page.header.id.0 != id {
            self.push(
                ProblemKind::PageIdMismatch,
                Some(id),
                Some(page.offset),
                format!("page header holds id {}, expected {id}", page.header.id),
                None,
            );
        }
        for i in 0..=u64::from(page.header.overflow) {
            self.set(id + i, REACHED);
        }
        self.counts.freelist_pages += u64::from(page.header.overflow) + 1;
        let ids = match freelist::read(&page) {
            Ok(ids) => ids,
            Err(e) => {
                self.push(
                    ProblemKind::FreelistInvalid,
                    Some(id),
                    Some(page.offset),
                    error_text(&e),
                    None,
                );
                return;
            }
        };
        let mut prev: Option<u64> = None;
        let mut unsorted_reported = false;
        for (i, fid) in ids.iter().enumerate() {
            let fid = fid.0;
            let off = ids.offset + i as u64 * 8;
            if let Some(p) = prev {
                if fid < p && !unsorted_reported {
                    unsorted_reported = true;
                    self.push(
                        ProblemKind::FreelistUnsorted,
                        Some(id),
                        Some(off),
                        format!("freelist id {fid} at index {i} follows {p}: ids are not sorted"),
                        None,
                    );
                }
            }
            prev = Some(fid);
            if fid < 2 {
                self.push(
                    ProblemKind::FreedReserved,
                    Some(id),
                    Some(off),
                    format!("freelist holds meta page {fid} (index {i})"),
                    None,
                );
            } else if fid >= self.hwm {
                self.push(
                    ProblemKind::FreedOutOfBounds,
                    Some(id),
                    Some(off),
                    format!(
                        "freelist holds page {fid} (index {i}), at or beyond the high-water mark {}",
                        self.hwm
                    ),
                    None,
                );
            }
            if self.state(fid) & FREED != 0 {
                self.push(
                    ProblemKind::AlreadyFreed,
                    Some(fid),
                    Some(off),
                    format!("page {fid} is listed twice in the freelist (again at index {i} of freelist page {id})"),
                    Some(format!("page {fid}: already freed")),
                );
            }
            self.set(fid, FREED);
            if fid < self.file_pages {
                self.counts.free_pages += 1;
            }
        }
    }

    pub(super) fn finish_free_pages(&mut self) {
        let synced = self.db.meta().freelist_synced();
        let end = self.hwm.min(self.file_pages);
        for id in 0..end {
            let s = self.state(id);
            if s & REACHED != 0 {
                continue;
            }
            if !synced {
                if id >= 2 {
                    self.counts.free_pages += 1;
                }
                continue;
            }
            if s & FREED == 0 {
                if !self.path.is_empty() {
                    self.path.clear();
                    self.rename();
                }
                self.push(
                    ProblemKind::UnreachableUnfreed,
                    Some(id),
                    Some(self.page_off(id)),
                    "page is neither reachable from the root nor in the freelist".to_string(),
                    Some(format!("page {id}: unreachable unfreed")),
                );
            }
        }
    }
}
