//! Hints to the CPU to start loading bytes that are about to be read.
//!
//! Hardware prefetchers stop at 4 KiB page boundaries, so code that reads a
//! mapped file page after page waits for memory at the start of every page.
//! Asking for the next bytes while the current ones are processed overlaps
//! that latency (TLB walk and DRAM) with useful work: the checker and the
//! parallel folds over a bucket's entries (`hashkv`) do it for the leaf
//! after next, the trailer check for the next block.
//!
//! # Safety contract
//!
//! A prefetch is only a hint: it never faults, never changes memory and has
//! no effect on the program's results. The pointers handed to it come from a
//! live slice and stay inside it.
#![allow(unsafe_code)]

/// Cache lines asked for from the start of a leaf: the header, the element
/// table and the first entries, 2 KiB in all. On the 1.1 GB benchmark file
/// 8 lines gained 3%, 32 lines 15%; 48 and 64 were slower again, the
/// prefetches then competing with the page being read.
const LEAF_LINES: usize = 32;
const LINE: usize = 64;

/// Starts loading every cache line of `bytes` (keep it to a few KiB).
#[inline]
pub fn all(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        let base = bytes.as_ptr();
        for off in (0..bytes.len()).step_by(LINE) {
            // SAFETY: see the module's contract: `off < bytes.len()`, so the
            // pointer is inside the live slice; a prefetch reads nothing
            // the program sees and cannot fault.
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                    base.add(off).cast::<i8>(),
                );
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Starts loading the first cache lines of a page about to be read.
#[inline]
fn page_start(page: &[u8]) {
    all(page.get(..LEAF_LINES * LINE).unwrap_or(page));
}

/// [`page_start`] for page `id` of `db` (nothing when it is not in the
/// file): passes over leaves in key order ask for the leaf after next, as
/// leaves lie scattered over the file.
#[inline]
pub(crate) fn leaf(db: &crate::Db<'_>, id: crate::PageId) {
    let off = usize::try_from(id.0.saturating_mul(db.page_size() as u64)).unwrap_or(usize::MAX);
    if let Some(b) = db.data().get(off..) {
        page_start(b);
    }
}
