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

use crate::db::{has_trailer, Db};
use crate::layout::{self, LEAF_FLAG_BUCKET};
use crate::page::{Node, PageHeader};
use crate::{freelist, Bucket, Error, MetaError, PageId, Root};

/// Deepest recursion (tree levels plus bucket nesting) the checker follows.
pub const MAX_DEPTH: usize = 256;

const REACHED: u8 = 1;
const FREED: u8 = 2;

mod free;
mod jobs;
mod keys;
mod report;
mod walk;

pub use keys::show_key;
pub use report::{Counts, Problem, ProblemKind, Report};

use jobs::*;
use keys::*;

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

    let pipe = Pipe::new();
    let mut c = Checker::new(&db, visitor);
    if rayon::current_num_threads() >= 2 {
        /// Closes the pipe however the walk ends, so the workers return.
        struct Close<'p, 'a, A: Send>(&'p Pipe<'a, A>);
        impl<A: Send> Drop for Close<'_, '_, A> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let file_pages = db.file_pages();
        rayon::scope(|s| {
            // One worker per other thread of the pool.
            for _ in 1..rayon::current_num_threads() {
                s.spawn(|_| pipe.work(|chunk| compute(&db, file_pages, visitor, chunk)));
            }
            let _close = Close(&pipe);
            c.pipe = Some(&pipe);
            c.run();
        });
    } else {
        c.run();
    }
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
    /// Leaf jobs queued and not yet handed to the pipe (all of the
    /// batch's without one).
    jobs: Vec<LeafJob<'a>>,
    /// The walk's places the batch's jobs refer to.
    job_ctxs: Vec<Arc<JobCtx<'a>>>,
    /// Jobs in the batch, handed to the pipe or not.
    batch_jobs: usize,
    /// The batch's first chunk handed to the pipe, and the next chunk's id.
    batch_first_chunk: u64,
    next_chunk: u64,
    /// Where full chunks of leaf jobs go to be computed on other threads.
    pipe: Option<&'d Pipe<'a, V::Acc>>,
    /// Applied chunks, kept to be filled again.
    spare_chunks: Vec<Chunk<'a, V::Acc>>,
}

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
            batch_jobs: 0,
            batch_first_chunk: 0,
            next_chunk: 0,
            pipe: None,
            spare_chunks: Vec::new(),
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
        while self.jobs_pending() {
            self.run_jobs();
        }
        self.seq = u64::MAX;
        self.finish_free_pages();
    }
}
