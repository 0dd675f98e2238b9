//! The structural checker.
//!
//! Reports every condition Go bbolt's `tx.Check()` reports, with the same
//! message text in [`Problem::bbolt`], plus what `tx.Check()` does not look
//! at: invalid meta pages, truncation, page-id/offset mismatches, cycles,
//! element bounds, key order within and across pages, bucket values and
//! inline bucket contents, unknown element flags, freelist ids that are
//! reserved, duplicated or beyond the high-water mark, and overflow pages
//! that run past the high-water mark or the end of the file.
//!
//! The walk visits each page at most once (a per-page state byte), recurses
//! at most [`MAX_DEPTH`] levels, and never allocates from a count read from
//! the file, so it always ends and its memory is bounded by the file's page
//! count.

use std::sync::Arc;

use serde::Serialize;

use crate::db::{has_trailer, Db};
use crate::layout::{self, LEAF_FLAG_BUCKET};
use crate::page::{Node, PageHeader};
use crate::{freelist, Bucket, Error, MetaError, PageId, Root};

/// Deepest recursion (tree levels plus bucket nesting) the checker follows.
pub const MAX_DEPTH: usize = 256;

const REACHED: u8 = 1;
const FREED: u8 = 2;

/// What kind of problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A meta page fails validation.
    MetaInvalid,
    /// The file is shorter than the meta's high-water mark says.
    Truncated,
    /// The high-water mark is impossible.
    BadHighWaterMark,
    /// The freelist page is damaged.
    FreelistInvalid,
    /// A page id appears twice in the freelist (bbolt: "already freed").
    AlreadyFreed,
    /// The freelist holds a meta page id.
    FreedReserved,
    /// The freelist holds an id at or beyond the high-water mark.
    FreedOutOfBounds,
    /// The freelist ids are not sorted.
    FreelistUnsorted,
    /// A referenced page is at or beyond the high-water mark (bbolt: "out of bounds").
    OutOfBounds,
    /// A referenced page lies beyond the end of the file.
    BeyondEndOfFile,
    /// A page is referenced more than once (bbolt: "multiple references").
    MultipleReferences,
    /// A branch page points back to one of its ancestors.
    Cycle,
    /// A reachable page is in the freelist (bbolt: "reachable freed").
    ReachableFreed,
    /// A tree page is neither branch nor leaf (bbolt: "invalid type").
    InvalidType,
    /// A page is neither reachable nor free (bbolt: "unreachable unfreed").
    UnreachableUnfreed,
    /// A page's header id differs from its position in the file.
    PageIdMismatch,
    /// The element count does not fit in the page.
    CountTooLarge,
    /// An element's key or value runs past its page.
    ElementOutOfBounds,
    /// Keys are not strictly ascending, or lie outside their parent's range.
    KeyOrder,
    /// A key is empty.
    EmptyKey,
    /// A branch page has no elements.
    EmptyBranch,
    /// A leaf element has flags bbolt never writes.
    BadElementFlags,
    /// A bucket value is malformed.
    BadBucketValue,
    /// An inline bucket's page image is malformed.
    BadInlineBucket,
    /// A top-level entry is a plain key, not a bucket.
    NotABucket,
    /// A page's overflow runs past the end of the file.
    OverflowPastEndOfFile,
    /// A page's overflow runs past the high-water mark.
    OverflowOutOfBounds,
    /// The tree is deeper than the checker follows.
    TooDeep,
}

/// One problem, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The page it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Absolute file offset of the damaged bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Bucket path (names joined with `/`, bytes shown lossily) where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// What was expected and what was found.
    pub message: String,
    /// The message Go bbolt's `tx.Check()` gives for the same condition,
    /// when it reports it at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbolt: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = self.page {
            write!(f, "page {p}")?;
            if let Some(o) = self.offset {
                write!(f, " (offset {o})")?;
            }
            write!(f, ": ")?;
        } else if let Some(o) = self.offset {
            write!(f, "offset {o}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(b) = &self.bucket {
            write!(f, " [bucket {b}]")?;
        }
        Ok(())
    }
}

/// Counts gathered during the walk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Branch pages reached.
    pub branch_pages: u64,
    /// Leaf pages reached.
    pub leaf_pages: u64,
    /// Overflow pages following reached pages.
    pub overflow_pages: u64,
    /// Freelist pages (with overflow).
    pub freelist_pages: u64,
    /// Free page ids (from the freelist, or derived by reachability).
    pub free_pages: u64,
    /// Buckets, the root bucket excluded.
    pub buckets: u64,
    /// Inline buckets among them.
    pub inline_buckets: u64,
    /// Key/value pairs that are not buckets.
    pub keys: u64,
}

/// The result of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// File size in bytes.
    pub file_size: u64,
    /// Page size in use, when a meta page could be read.
    pub page_size: Option<u64>,
    /// Meta page in use (0 or 1).
    pub meta: Option<u8>,
    /// Transaction id of that meta page.
    pub txid: Option<u64>,
    /// High-water mark of that meta page.
    pub high_water_mark: Option<u64>,
    /// Whole pages in the file.
    pub file_pages: Option<u64>,
    /// True when the file ends in etcd's 32-byte SHA-256 trailer (not verified here).
    pub sha256_trailer: bool,
    /// True when the freelist is stored in the file (false: NoFreelistSync).
    pub freelist_synced: Option<bool>,
    /// Counts from the walk.
    pub counts: Counts,
    /// Every problem found, in the order found.
    pub problems: Vec<Problem>,
}

impl Report {
    /// True when no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems Go bbolt's `tx.Check()` would also report, as its messages.
    pub fn bbolt_messages(&self) -> Vec<&str> {
        self.problems
            .iter()
            .filter_map(|p| p.bbolt.as_deref())
            .collect()
    }
}

/// Sees, during a check, every leaf of each top-level bucket's own tree
/// (not of buckets nested deeper), so a caller can compute something over
/// the buckets' entries in the same pass. `leaf` runs on several threads;
/// results are merged per bucket in key order.
pub trait TopLeafVisitor<'a>: Sync {
    /// What one leaf (and a merged run of leaves) yields.
    type Acc: Send + Default;
    /// Adds a leaf of a top-level bucket to `acc` (which holds the leaves
    /// just before it in the same bucket, or is fresh).
    fn leaf(&self, acc: &mut Self::Acc, node: &Node<'a>);
    /// Joins the results of two runs of leaves, `a` before `b`.
    fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;
}

/// Each top-level bucket's name and its visitor result, in bucket order.
pub type TopResults<'a, A> = Vec<(&'a [u8], A)>;

/// The visitor that looks at nothing.
#[derive(Debug)]
struct NoVisit;

impl<'a> TopLeafVisitor<'a> for NoVisit {
    type Acc = ();
    fn leaf(&self, _: &mut (), _: &Node<'a>) {}
    fn merge(&self, _: (), _: ()) {}
}

/// Checks the file held in `file` (whole file bytes, trailer included).
pub fn check(file: &[u8]) -> Report {
    check_with(file, &NoVisit).0
}

/// [`check`], also running `visitor` over the leaves of every top-level
/// bucket. Returns, with the report, each top-level bucket's name and
/// merged result, in bucket order. When the report has problems the
/// results may be incomplete or include damaged pages: use them only for a
/// clean file (or one whose problems the caller accepts).
pub fn check_with<'a, V: TopLeafVisitor<'a>>(
    file: &'a [u8],
    visitor: &V,
) -> (Report, TopResults<'a, V::Acc>) {
    let mut report = Report {
        file_size: file.len() as u64,
        page_size: None,
        meta: None,
        txid: None,
        high_water_mark: None,
        file_pages: None,
        sha256_trailer: has_trailer(file.len() as u64),
        freelist_synced: None,
        counts: Counts::default(),
        problems: Vec::new(),
    };
    let db = match Db::open(file) {
        Ok(db) => db,
        Err(Error::NoValidMeta { meta0, meta1 }) => {
            report.problems.push(meta_problem(0, Some(0), &meta0));
            report.problems.push(meta_problem(1, None, &meta1));
            return (report, Vec::new());
        }
        Err(e) => {
            // Too short to hold a meta page is truncation; anything else
            // Db::open may refuse is a meta page that cannot be used.
            let (kind, page, offset) = match &e {
                Error::TooShort { len, .. } => (ProblemKind::Truncated, Some(0), Some(*len)),
                _ => (ProblemKind::MetaInvalid, Some(0), Some(0)),
            };
            report.problems.push(Problem {
                kind,
                page,
                offset,
                bucket: None,
                message: e.to_string(),
                bbolt: None,
            });
            return (report, Vec::new());
        }
    };
    let choice = db.meta_choice();
    let ps = db.page_size() as u64;
    for (i, m) in [(0u8, &choice.meta0), (1u8, &choice.meta1)] {
        if let Err(e) = m {
            report
                .problems
                .push(meta_problem(i, Some(u64::from(i) * ps), e));
        }
    }
    let meta = *db.meta();
    report.page_size = Some(ps);
    report.meta = Some(meta.index);
    report.txid = Some(meta.txid.0);
    report.high_water_mark = Some(meta.pgid.0);
    report.file_pages = Some(db.file_pages());
    report.freelist_synced = Some(meta.freelist_synced());

    let mut c = Checker::new(&db, visitor);
    c.run();
    report.counts = c.counts;
    // Stable: problems of one walk step keep the order they were found in.
    c.problems.sort_by_key(|(seq, _)| *seq);
    report
        .problems
        .extend(c.problems.into_iter().map(|(_, p)| p));
    (report, c.tops)
}

fn meta_problem(index: u8, offset: Option<u64>, e: &MetaError) -> Problem {
    Problem {
        kind: ProblemKind::MetaInvalid,
        page: Some(u64::from(index)),
        offset,
        bucket: None,
        message: format!("meta page {index} is invalid: {e}"),
        bbolt: None,
    }
}

struct Checker<'a, 'd, V: TopLeafVisitor<'a>> {
    db: &'d Db<'a>,
    visitor: &'d V,
    /// Top-level buckets entered, with their visitor results so far.
    tops: Vec<(&'a [u8], V::Acc)>,
    /// Index in `tops` of the top-level bucket whose own tree is being
    /// walked (None in the root bucket and in nested buckets).
    top: Option<usize>,
    hwm: u64,
    file_pages: u64,
    state: Vec<u8>,
    /// Problems with the walk step that found them (their order key).
    problems: Vec<(u64, Problem)>,
    counts: Counts,
    /// Pages on the path from the current bucket's root to here.
    ancestors: Vec<u64>,
    /// Bucket names from the root bucket to here.
    path: Vec<&'a [u8]>,
    /// `path` joined for messages; rebuilt when `path` changes.
    path_name: Option<Arc<str>>,
    /// Order key of the problems being found now.
    seq: u64,
    /// Last order key handed out (walk steps and leaf jobs).
    counter: u64,
    /// Leaf pages whose elements are checked after the walk, in parallel.
    jobs: Vec<LeafJob<'a>>,
    /// The walk's places the pending jobs refer to.
    job_ctxs: Vec<JobCtx<'a>>,
}

/// Merges `acc` into top-level bucket `top`'s result.
fn merge_top<'a, V: TopLeafVisitor<'a>>(
    v: &V,
    tops: &mut [(&'a [u8], V::Acc)],
    top: usize,
    acc: V::Acc,
) {
    if let Some((_, a)) = tops.get_mut(top) {
        let prev = std::mem::take(a);
        *a = v.merge(prev, acc);
    }
}

/// A page expected to be a leaf (a child of a branch whose first child is
/// a leaf), checked in parallel with its siblings after the branch walk.
struct LeafJob<'a> {
    id: u64,
    from: (u64, u64),
    lo: Option<&'a [u8]>,
    hi: Option<&'a [u8]>,
    seq: u64,
    /// Index of the walk's place (shared by the children of one branch)
    /// in the batch's contexts.
    ctx: usize,
}

/// Where in the walk a branch's leaf jobs were queued: one per branch,
/// shared by its children.
struct JobCtx<'a> {
    depth: usize,
    bucket: Option<Arc<str>>,
    path: Vec<&'a [u8]>,
    ancestors: Vec<u64>,
    top: Option<usize>,
}

/// What a leaf job found, applied in walk order afterwards.
#[derive(Default)]
struct LeafResult {
    header: Option<PageHeader>,
    leaf: bool,
    has_buckets: bool,
    keys: u64,
    problems: Vec<(u64, Problem)>,
}

/// Below this many leaf pages the element checks run on one thread.
const PARALLEL_MIN_JOBS: usize = 32;

/// Pending leaf jobs are run once this many have queued up, so memory stays
/// small whatever the file size.
const JOB_BATCH: usize = 8192;

/// A chunk's leaf results and its runs of visitor results per top bucket.
type ChunkResult<A> = (Vec<LeafResult>, Vec<(usize, A)>);

/// Leaf jobs per parallel task.
const JOB_CHUNK: usize = 64;

impl<'a, 'd, V: TopLeafVisitor<'a>> Checker<'a, 'd, V> {
    fn new(db: &'d Db<'a>, visitor: &'d V) -> Self {
        let file_pages = db.file_pages();
        Self {
            db,
            visitor,
            tops: Vec::new(),
            top: None,
            hwm: db.hwm().0,
            file_pages,
            state: vec![0; file_pages as usize],
            problems: Vec::new(),
            counts: Counts::default(),
            ancestors: Vec::new(),
            path: Vec::new(),
            path_name: None,
            seq: 0,
            counter: 0,
            jobs: Vec::new(),
            job_ctxs: Vec::new(),
        }
    }

    fn enter_bucket(&mut self, name: &'a [u8]) {
        self.path.push(name);
        self.rename();
    }

    fn leave_bucket(&mut self) {
        self.path.pop();
        self.rename();
    }

    fn rename(&mut self) {
        self.path_name = (!self.path.is_empty()).then(|| {
            Arc::from(
                self.path
                    .iter()
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .collect::<Vec<_>>()
                    .join("/"),
            )
        });
    }

    fn push(
        &mut self,
        kind: ProblemKind,
        page: Option<u64>,
        offset: Option<u64>,
        message: String,
        bbolt: Option<String>,
    ) {
        let bucket = self.path_name.as_deref().map(str::to_string);
        self.problems.push((
            self.seq,
            Problem {
                kind,
                page,
                offset,
                bucket,
                message,
                bbolt,
            },
        ));
    }

    fn page_off(&self, id: u64) -> u64 {
        id.saturating_mul(self.db.page_size() as u64)
    }

    fn state(&self, id: u64) -> u8 {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.state.get(i))
            .copied()
            .unwrap_or(0)
    }

    fn set(&mut self, id: u64, bit: u8) {
        if let Some(s) = usize::try_from(id).ok().and_then(|i| self.state.get_mut(i)) {
            *s |= bit;
        }
    }

    fn run(&mut self) {
        if self.hwm < 2 {
            self.push(
                ProblemKind::BadHighWaterMark,
                Some(u64::from(self.db.meta().index)),
                Some(
                    self.page_off(u64::from(self.db.meta().index)) + layout::meta_off::PGID as u64,
                ),
                format!("high-water mark is {}, below the two meta pages", self.hwm),
                None,
            );
        }
        let data_len = self.db.data().len() as u64;
        let ps = self.db.page_size() as u64;
        if self.hwm > self.file_pages {
            self.push(
                ProblemKind::Truncated,
                Some(self.file_pages),
                Some(self.file_pages * ps),
                format!(
                    "file truncated: the database part is {data_len} bytes ({} whole pages of {ps}), the meta's high-water mark needs {} pages ({} bytes); pages {}..{} are missing",
                    self.file_pages,
                    self.hwm,
                    self.hwm.saturating_mul(ps),
                    self.file_pages,
                    self.hwm
                ),
                None,
            );
        }
        // Meta pages are always reachable.
        self.set(0, REACHED);
        self.set(1, REACHED);
        self.check_freelist();
        let root = self.db.meta().root.0;
        self.walk_page(root, None, None, None, 0);
        while !self.jobs.is_empty() {
            self.run_jobs();
        }
        self.seq = u64::MAX;
        self.finish_free_pages();
    }

    fn check_freelist(&mut self) {
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

    fn finish_free_pages(&mut self) {
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

    /// Visits page `id` as a tree page: bounds, references, freed state,
    /// type. Returns its node when its elements should be checked.
    fn visit(&mut self, id: u64, from: Option<(u64, u64)>) -> Option<Node<'a>> {
        self.visit_with(id, from, None)
    }

    /// [`Self::visit`] with the page's header already read (by a leaf job).
    fn visit_with(
        &mut self,
        id: u64,
        from: Option<(u64, u64)>,
        known: Option<PageHeader>,
    ) -> Option<Node<'a>> {
        let ps = self.db.page_size() as u64;
        let (ref_page, ref_off) = match from {
            Some((p, o)) => (Some(p), Some(o)),
            None => (Some(id), Some(self.page_off(id))),
        };
        if id >= self.file_pages {
            let bbolt = (id > self.hwm).then(|| format!("page {id}: out of bounds: {}", self.hwm));
            self.push(
                ProblemKind::BeyondEndOfFile,
                ref_page,
                ref_off,
                format!(
                    "reference to page {id}, beyond the end of the file ({} pages)",
                    self.file_pages
                ),
                bbolt,
            );
            return None;
        }
        if id >= self.hwm {
            let bbolt = (id > self.hwm).then(|| format!("page {id}: out of bounds: {}", self.hwm));
            self.push(
                ProblemKind::OutOfBounds,
                ref_page,
                ref_off,
                format!(
                    "reference to page {id}, at or beyond the high-water mark {}",
                    self.hwm
                ),
                bbolt,
            );
        }
        if self.state(id) & REACHED != 0 {
            if self.ancestors.contains(&id) {
                self.push(
                    ProblemKind::Cycle,
                    ref_page,
                    ref_off,
                    format!(
                        "reference to page {id}, one of its own ancestors: the tree has a cycle"
                    ),
                    Some(format!("page {id}: multiple references")),
                );
            } else {
                self.push(
                    ProblemKind::MultipleReferences,
                    Some(id),
                    ref_off,
                    format!(
                        "page is referenced more than once (again from page {})",
                        ref_page.unwrap_or(id)
                    ),
                    Some(format!("page {id}: multiple references")),
                );
            }
            return None;
        }
        let off = self.page_off(id);
        let header = match known {
            Some(h) => h,
            None => self
                .db
                .data()
                .get(off as usize..off as usize + layout::PAGE_HEADER_SIZE)
                .and_then(PageHeader::decode)?,
        };
        if header.id.0 != id {
            self.push(
                ProblemKind::PageIdMismatch,
                Some(id),
                Some(off),
                format!(
                    "page header holds id {}, expected {id} (overwritten, zeroed or misplaced page)",
                    header.id
                ),
                None,
            );
        }
        let overflow = u64::from(header.overflow);
        let last = id.saturating_add(overflow);
        self.set(id, REACHED);
        if self.state(id) & FREED != 0 {
            self.push(
                ProblemKind::ReachableFreed,
                Some(id),
                Some(off),
                "page is reachable from the tree but listed as free".to_string(),
                Some(format!("page {id}: reachable freed")),
            );
        }
        if last >= self.file_pages {
            self.push(
                ProblemKind::OverflowPastEndOfFile,
                Some(id),
                Some(off + 12),
                format!(
                    "overflow {overflow} makes the page run to page {last}, past the end of the file ({} pages)",
                    self.file_pages
                ),
                None,
            );
        } else if last >= self.hwm && id < self.hwm {
            self.push(
                ProblemKind::OverflowOutOfBounds,
                Some(id),
                Some(off + 12),
                format!(
                    "overflow {overflow} makes the page run to page {last}, at or beyond the high-water mark {}",
                    self.hwm
                ),
                None,
            );
        }
        for o in id + 1..=last.min(self.file_pages.saturating_sub(1)) {
            let s = self.state(o);
            if s & REACHED != 0 {
                self.push(
                    ProblemKind::MultipleReferences,
                    Some(o),
                    Some(o * ps),
                    format!("overflow page of page {id} is also used elsewhere"),
                    Some(format!("page {o}: multiple references")),
                );
            }
            if s & FREED != 0 {
                self.push(
                    ProblemKind::ReachableFreed,
                    Some(o),
                    Some(o * ps),
                    format!("overflow page of page {id} is listed as free"),
                    None,
                );
            }
            self.set(o, REACHED);
            self.counts.overflow_pages += 1;
        }
        let is_leaf = match header.flags {
            layout::FLAG_LEAF => true,
            layout::FLAG_BRANCH => false,
            f => {
                let both = f & layout::FLAG_LEAF != 0 && f & layout::FLAG_BRANCH != 0;
                self.push(
                    ProblemKind::InvalidType,
                    Some(id),
                    Some(off + 8),
                    format!(
                        "expected a branch or leaf page, found flags {f:#06x} ({})",
                        header.type_name()
                    ),
                    (!both).then(|| {
                        format!("page {}: invalid type: {}", header.id, header.type_name())
                    }),
                );
                return None;
            }
        };
        if last >= self.file_pages {
            return None;
        }
        // `last < file_pages` here, so the whole span is in the file; slicing
        // does not touch the bytes.
        let span = (overflow + 1).saturating_mul(ps);
        let Some(bytes) = self.db.data().get(off as usize..(off + span) as usize) else {
            self.push(
                ProblemKind::BeyondEndOfFile,
                Some(id),
                Some(off),
                format!("page span {span} bytes runs past the end of the file"),
                None,
            );
            return None;
        };
        let page = crate::page::Page {
            id: PageId(id),
            offset: off,
            header,
            bytes,
        };
        if is_leaf {
            self.counts.leaf_pages += 1;
        } else {
            self.counts.branch_pages += 1;
        }
        match Node::new_unchecked(PageId(id), off, page.bytes, is_leaf, header.count, false) {
            Ok(n) => Some(n),
            Err(e) => {
                self.push(
                    ProblemKind::CountTooLarge,
                    Some(id),
                    Some(off + 10),
                    error_text(&e),
                    None,
                );
                None
            }
        }
    }

    fn walk_page(
        &mut self,
        id: u64,
        from: Option<(u64, u64)>,
        lo: Option<&'a [u8]>,
        hi: Option<&'a [u8]>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            self.push(
                ProblemKind::TooDeep,
                Some(id),
                Some(self.page_off(id)),
                format!("more than {MAX_DEPTH} levels of pages and buckets; not followed further"),
                None,
            );
            return;
        }
        self.counter += 1;
        self.seq = self.counter;
        let Some(node) = self.visit(id, from) else {
            return;
        };
        self.ancestors.push(id);
        if node.is_leaf {
            self.check_leaf(&node, lo, hi, depth);
        } else {
            self.check_branch(&node, lo, hi, depth);
        }
        self.ancestors.pop();
    }

    fn check_branch(
        &mut self,
        node: &Node<'a>,
        lo: Option<&'a [u8]>,
        hi: Option<&'a [u8]>,
        depth: usize,
    ) {
        if node.count == 0 {
            self.push(
                ProblemKind::EmptyBranch,
                Some(node.page.0),
                Some(node.offset + 10),
                "branch page has no elements".to_string(),
                None,
            );
            return;
        }
        let mut elems: Vec<(&'a [u8], u64, u64)> = Vec::with_capacity(node.count);
        let mut prev = None;
        let seq = self.seq;
        let bucket = self.path_name.clone();
        for i in 0..node.count {
            match node.branch(i) {
                Ok(e) => {
                    key_checks(node, i, e.key, prev, lo, hi, &mut |kind, page, off, msg| {
                        self_problems_push(&mut self.problems, seq, &bucket, kind, page, off, msg)
                    });
                    prev = Some(e.key);
                    let eoff =
                        node.offset + (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE) as u64;
                    elems.push((e.key, e.child.0, eoff));
                }
                Err(e) => self.push(
                    ProblemKind::ElementOutOfBounds,
                    Some(node.page.0),
                    Some(err_offset(&e, node.offset)),
                    error_text(&e),
                    None,
                ),
            }
        }
        // In a B+tree all children of a branch have the same type: when the
        // first child is a leaf, the children become leaf jobs, checked in
        // parallel later (a job that finds a non-leaf hands it back).
        let first_is_leaf = elems.first().is_some_and(|(_, c, _)| {
            *c < self.file_pages
                && self
                    .db
                    .header(PageId(*c))
                    .is_ok_and(|h| h.flags == layout::FLAG_LEAF)
        });
        if first_is_leaf {
            let ctx = self.job_ctxs.len();
            self.job_ctxs.push(JobCtx {
                depth: depth + 1,
                bucket: self.path_name.clone(),
                path: self.path.clone(),
                ancestors: self.ancestors.clone(),
                top: self.top,
            });
            for (j, (key, child, eoff)) in elems.iter().enumerate() {
                self.counter += 1;
                self.jobs.push(LeafJob {
                    id: *child,
                    from: (node.page.0, *eoff + 8),
                    lo: Some(*key),
                    hi: elems.get(j + 1).map(|n| n.0).or(hi),
                    seq: self.counter,
                    ctx,
                });
            }
            if self.jobs.len() >= JOB_BATCH {
                self.run_jobs();
            }
            return;
        }
        for (j, (key, child, eoff)) in elems.iter().enumerate() {
            let next = elems.get(j + 1).map(|n| n.0).or(hi);
            // A child's keys start at its branch key and stay below the next one.
            self.walk_page(
                *child,
                Some((node.page.0, *eoff + 8)),
                Some(*key),
                next,
                depth + 1,
            );
        }
    }

    /// Checks a leaf: bucket elements now (they lead to more pages), the
    /// other element checks later in parallel (inline pages right away).
    fn check_leaf(
        &mut self,
        node: &Node<'a>,
        lo: Option<&'a [u8]>,
        hi: Option<&'a [u8]>,
        depth: usize,
    ) {
        let root = self.path.is_empty();
        if let Some(top) = self.top {
            let mut acc = V::Acc::default();
            self.visitor.leaf(&mut acc, node);
            merge_top(self.visitor, &mut self.tops, top, acc);
        }
        let seq = self.seq;
        let bucket = self.path_name.clone();
        let problems = &mut self.problems;
        self.counts.keys += leaf_contents(node, lo, hi, root, &mut |kind, page, off, msg| {
            self_problems_push(problems, seq, &bucket, kind, page, off, msg)
        });
        self.sub_buckets(node, depth);
    }

    /// Follows the bucket elements of a leaf.
    fn sub_buckets(&mut self, node: &Node<'a>, depth: usize) {
        for i in 0..node.count {
            let flags = layout::u32_at(
                node.bytes,
                layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE,
            )
            .unwrap_or(0);
            if flags & LEAF_FLAG_BUCKET == 0 {
                continue;
            }
            // Bounds problems of this element are reported by `leaf_contents`.
            let Ok(e) = node.leaf(i) else {
                continue;
            };
            self.counts.buckets += 1;
            let eoff = node.offset + (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE) as u64;
            let saved_top = self.top;
            self.top = if self.path.is_empty() {
                self.tops.push((e.key, V::Acc::default()));
                Some(self.tops.len() - 1)
            } else {
                None
            };
            self.enter_bucket(e.key);
            match Bucket::from_value(self.db, node.page, e.value) {
                Err(err) => {
                    let kind = match &err {
                        Error::Corrupt { what, .. } if what.starts_with("bucket value") => {
                            ProblemKind::BadBucketValue
                        }
                        _ => ProblemKind::BadInlineBucket,
                    };
                    self.push(
                        kind,
                        Some(node.page.0),
                        Some(err_offset(&err, eoff)),
                        error_text(&err),
                        None,
                    );
                }
                Ok(bucket) => match bucket.root {
                    Root::Inline(n) => {
                        self.counts.inline_buckets += 1;
                        if depth + 1 >= MAX_DEPTH {
                            self.push(
                                ProblemKind::TooDeep,
                                Some(node.page.0),
                                Some(n.offset),
                                format!("more than {MAX_DEPTH} levels; not followed further"),
                                None,
                            );
                        } else {
                            self.check_leaf(&n, None, None, depth + 1);
                        }
                    }
                    Root::Page(p) => {
                        let saved = std::mem::take(&mut self.ancestors);
                        self.walk_page(
                            p.0,
                            Some((node.page.0, self.db.offset_of(e.value))),
                            None,
                            None,
                            depth + 1,
                        );
                        self.ancestors = saved;
                    }
                },
            }
            self.leave_bucket();
            self.top = saved_top;
        }
    }

    /// Runs the pending leaf jobs (in parallel when there are many), then
    /// applies their results in walk order: reference marking, then the
    /// element problems, then their sub-buckets (which may queue more jobs).
    fn run_jobs(&mut self) {
        // Runs may start in the middle of the walk: keep its place.
        let saved = (
            self.seq,
            self.path.clone(),
            self.path_name.clone(),
            self.ancestors.clone(),
            self.top,
        );
        let jobs = std::mem::take(&mut self.jobs);
        let ctxs = std::mem::take(&mut self.job_ctxs);
        let (jobs, ctxs) = (&jobs, &ctxs);
        let db = self.db;
        let file_pages = self.file_pages;
        let visitor = self.visitor;
        // A chunk of jobs: each job's result, and the visitor's results for
        // runs of consecutive leaves of one top-level bucket (one
        // accumulator per run, so merging costs one step per run).
        let run = |chunk: &[LeafJob<'a>]| {
            let mut results = Vec::with_capacity(chunk.len());
            let mut runs: Vec<(usize, V::Acc)> = Vec::new();
            let ps = db.page_size() as u64;
            for (i, job) in chunk.iter().enumerate() {
                // Leaves come in key order, scattered over the file: start
                // loading a coming one while this one is read.
                if let Some(next) = chunk.get(i + 2) {
                    let off = usize::try_from(next.id.saturating_mul(ps)).unwrap_or(usize::MAX);
                    if let Some(b) = db.data().get(off..) {
                        crate::prefetch::page_start(b);
                    }
                }
                // Every job has its context (they are queued together).
                let Some(ctx) = ctxs.get(job.ctx) else {
                    results.push(LeafResult::default());
                    continue;
                };
                let (res, node) = leaf_job(db, file_pages, job, ctx);
                if let (Some(top), Some(node)) = (ctx.top, node.as_ref()) {
                    match runs.last_mut() {
                        Some((t, acc)) if *t == top => visitor.leaf(acc, node),
                        _ => {
                            let mut acc = V::Acc::default();
                            visitor.leaf(&mut acc, node);
                            runs.push((top, acc));
                        }
                    }
                }
                results.push(res);
            }
            (results, runs)
        };
        let chunks: Vec<ChunkResult<V::Acc>> = if jobs.len() >= PARALLEL_MIN_JOBS {
            use rayon::prelude::*;
            jobs.par_chunks(JOB_CHUNK).map(run).collect()
        } else {
            jobs.chunks(JOB_CHUNK).map(run).collect()
        };
        self.apply_jobs(jobs, ctxs, chunks);
        (
            self.seq,
            self.path,
            self.path_name,
            self.ancestors,
            self.top,
        ) = saved;
    }

    /// Applies leaf results in walk order (see [`Self::run_jobs`]).
    fn apply_jobs(
        &mut self,
        jobs: &[LeafJob<'a>],
        ctxs: &[JobCtx<'a>],
        chunks: Vec<ChunkResult<V::Acc>>,
    ) {
        // The walk's place is restored only when it changes (consecutive
        // jobs are mostly siblings) or when the last job moved it.
        let mut placed: Option<usize> = None;
        for (jobs, (results, runs)) in jobs.chunks(JOB_CHUNK).zip(chunks) {
            for (top, acc) in runs {
                merge_top(self.visitor, &mut self.tops, top, acc);
            }
            for (job, res) in jobs.iter().zip(results) {
                let Some(ctx) = ctxs.get(job.ctx) else {
                    continue;
                };
                self.seq = job.seq;
                if placed != Some(job.ctx) {
                    self.path.clear();
                    self.path.extend_from_slice(&ctx.path);
                    self.path_name = ctx.bucket.clone();
                    self.top = ctx.top;
                    placed = Some(job.ctx);
                }
                self.ancestors.clear();
                self.ancestors.extend_from_slice(&ctx.ancestors);
                let Some(node) = self.visit_with(job.id, Some(job.from), res.header) else {
                    continue;
                };
                self.ancestors.push(job.id);
                if res.leaf {
                    self.counts.keys += res.keys;
                    self.problems.extend(res.problems);
                    if res.has_buckets {
                        self.sub_buckets(&node, ctx.depth);
                        placed = None;
                    }
                } else {
                    self.check_branch(&node, job.lo, job.hi, ctx.depth);
                    placed = None;
                }
            }
        }
    }
}

/// The parallel part of a leaf job: reads the header and, when the page is
/// a well-formed leaf, checks its elements.
fn leaf_job<'a>(
    db: &Db<'a>,
    file_pages: u64,
    job: &LeafJob<'a>,
    ctx: &JobCtx<'a>,
) -> (LeafResult, Option<Node<'a>>) {
    let mut res = LeafResult::default();
    if job.id >= file_pages {
        return (res, None);
    }
    let Ok(header) = db.header(PageId(job.id)) else {
        return (res, None);
    };
    res.header = Some(header);
    let last = job.id.saturating_add(u64::from(header.overflow));
    if header.flags != layout::FLAG_LEAF || last >= file_pages {
        return (res, None);
    }
    let ps = db.page_size() as u64;
    let off = job.id * ps;
    let span = (u64::from(header.overflow) + 1) * ps;
    let Some(bytes) = db.data().get(off as usize..(off + span) as usize) else {
        return (res, None);
    };
    let Ok(node) = Node::new_unchecked(PageId(job.id), off, bytes, true, header.count, false)
    else {
        return (res, None);
    };
    res.leaf = true;
    res.has_buckets = (0..node.count).any(|i| {
        layout::u32_at(
            node.bytes,
            layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE,
        )
        .is_some_and(|f| f & LEAF_FLAG_BUCKET != 0)
    });
    let root = ctx.path.is_empty();
    let problems = &mut res.problems;
    res.keys = leaf_contents(&node, job.lo, job.hi, root, &mut |kind, page, o, msg| {
        self_problems_push(problems, job.seq, &ctx.bucket, kind, page, o, msg)
    });
    (res, Some(node))
}

fn self_problems_push(
    out: &mut Vec<(u64, Problem)>,
    seq: u64,
    bucket: &Option<Arc<str>>,
    kind: ProblemKind,
    page: u64,
    offset: u64,
    message: String,
) {
    out.push((
        seq,
        Problem {
            kind,
            page: Some(page),
            offset: Some(offset),
            bucket: bucket.as_deref().map(str::to_string),
            message,
            bbolt: None,
        },
    ));
}

type Emit<'e> = dyn FnMut(ProblemKind, u64, u64, String) + 'e;

/// Checks one key: not empty, above the previous key, inside `[lo, hi)`.
fn key_checks(
    node: &Node<'_>,
    i: usize,
    key: &[u8],
    prev: Option<&[u8]>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    emit: &mut Emit<'_>,
) {
    let eoff = node.offset + (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE) as u64;
    let page = node.page.0;
    let what = if node.inline {
        "inline bucket page"
    } else {
        "page"
    };
    if key.is_empty() {
        emit(
            ProblemKind::EmptyKey,
            page,
            eoff,
            format!("element {i} of the {what} has an empty key"),
        );
    }
    if let Some(p) = prev {
        if cmp_keys(key, p).is_le() {
            emit(
                ProblemKind::KeyOrder,
                page,
                eoff,
                format!(
                    "element {i} of the {what}: key {} is not greater than the previous key {}",
                    show_key(key),
                    show_key(p)
                ),
            );
            return;
        }
    }
    if let (Some(lo), None) = (lo, prev) {
        if key < lo {
            emit(
                ProblemKind::KeyOrder,
                page,
                eoff,
                format!(
                    "element {i} of the {what}: key {} is below the parent branch key {}",
                    show_key(key),
                    show_key(lo)
                ),
            );
        }
    }
    if let Some(hi) = hi {
        if cmp_keys(key, hi).is_ge() {
            emit(
                ProblemKind::KeyOrder,
                page,
                eoff,
                format!(
                    "element {i} of the {what}: key {} is not below the next parent branch key {}",
                    show_key(key),
                    show_key(hi)
                ),
            );
        }
    }
}

/// Bytewise key order, deciding on the first eight bytes as one big-endian
/// word when they differ (most keys: etcd's revision keys differ in their
/// first eight bytes), without a call into `memcmp`.
#[inline]
fn cmp_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    if let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        let (x, y) = (u64::from_be_bytes(*x), u64::from_be_bytes(*y));
        if x != y {
            return x.cmp(&y);
        }
    }
    a.cmp(b)
}

/// Element checks of one leaf: bounds, key order, flags, plain keys in the
/// root bucket. Returns the number of plain (non-bucket) keys.
fn leaf_contents(
    node: &Node<'_>,
    lo: Option<&[u8]>,
    hi: Option<&[u8]>,
    root: bool,
    emit: &mut Emit<'_>,
) -> u64 {
    // Touch every key first (independent loads the CPU overlaps).
    let mut touch = 0u8;
    for i in 0..node.count {
        let pos = layout::u32_at(
            node.bytes,
            layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE + 4,
        )
        .unwrap_or(0) as usize;
        let at = (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE).saturating_add(pos);
        touch ^= node.bytes.get(at).copied().unwrap_or(0);
    }
    std::hint::black_box(touch);
    let mut keys = 0;
    let mut prev = None;
    for i in 0..node.count {
        let e = match node.leaf(i) {
            Ok(e) => e,
            Err(err) => {
                let kind = if node.inline {
                    ProblemKind::BadInlineBucket
                } else {
                    ProblemKind::ElementOutOfBounds
                };
                emit(
                    kind,
                    node.page.0,
                    err_offset(&err, node.offset),
                    error_text(&err),
                );
                continue;
            }
        };
        key_checks(node, i, e.key, prev, lo, hi, emit);
        prev = Some(e.key);
        let eoff = node.offset + (layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE) as u64;
        if e.flags & !LEAF_FLAG_BUCKET != 0 {
            emit(
                ProblemKind::BadElementFlags,
                node.page.0,
                eoff,
                format!(
                    "element {i} has flags {:#x}; bbolt only writes 0 or 1 (bucket)",
                    e.flags
                ),
            );
        }
        if e.is_bucket() {
            continue;
        }
        if root {
            emit(
                ProblemKind::NotABucket,
                node.page.0,
                eoff,
                format!(
                    "top-level entry {} is a plain key; the root bucket holds only buckets",
                    show_key(e.key)
                ),
            );
        } else {
            keys += 1;
        }
    }
    keys
}

fn error_text(e: &Error) -> String {
    match e {
        Error::Corrupt { what, .. } => what.clone(),
        other => other.to_string(),
    }
}

fn err_offset(e: &Error, default: u64) -> u64 {
    match e {
        Error::Corrupt { offset, .. } => *offset,
        _ => default,
    }
}

/// Shows a key for a message: text when printable ASCII/UTF-8, hex otherwise.
pub fn show_key(k: &[u8]) -> String {
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
        _ => format!(
            "0x{}",
            k.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ),
    }
}
