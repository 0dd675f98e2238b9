//! Leaf jobs: the leaves of each branch checked in parallel, and their
//! results applied in walk order so reports are the same on every run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::*;

/// Merges `acc` into top-level bucket `top`'s result.
pub(super) fn merge_top<'a, V: TopLeafVisitor<'a>>(
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
pub(super) struct LeafJob<'a> {
    pub(super) id: u64,
    pub(super) from: (u64, u64),
    pub(super) lo: Option<&'a [u8]>,
    pub(super) hi: Option<&'a [u8]>,
    pub(super) seq: u64,
    /// Index of the walk's place (shared by the children of one branch)
    /// in the batch's contexts.
    pub(super) ctx: usize,
}

/// Where in the walk a branch's leaf jobs were queued: one per branch,
/// shared by its children.
pub(super) struct JobCtx<'a> {
    pub(super) depth: usize,
    pub(super) bucket: Option<Arc<str>>,
    pub(super) path: Vec<&'a [u8]>,
    pub(super) ancestors: Vec<u64>,
    pub(super) top: Option<usize>,
}

/// What a leaf job found, applied in walk order afterwards.
#[derive(Default)]
pub(super) struct LeafResult {
    pub(super) header: Option<PageHeader>,
    pub(super) leaf: bool,
    pub(super) has_buckets: bool,
    pub(super) keys: u64,
    pub(super) problems: Vec<(u64, Problem)>,
}

/// Below this many leaf pages the element checks run on one thread.
pub(super) const PARALLEL_MIN_JOBS: usize = 32;

/// Pending leaf jobs are run once this many have queued up, so memory stays
/// small whatever the file size.
pub(super) const JOB_BATCH: usize = 8192;

/// A chunk's leaf results and its runs of visitor results per top bucket.
pub(super) type ChunkResult<A> = (Vec<LeafResult>, Vec<(usize, A)>);

/// Leaf jobs per parallel task.
pub(super) const JOB_CHUNK: usize = 64;

impl<'a, 'd, V: TopLeafVisitor<'a>> Checker<'a, 'd, V> {
    /// Runs the pending leaf jobs (in parallel when there are many) and
    /// applies their results in walk order, each chunk as soon as it and
    /// those before it are done: reference marking, then the element
    /// problems, then their sub-buckets (which may queue more jobs).
    pub(super) fn run_jobs(&mut self) {
        // Runs may start in the middle of the walk: keep its place.
        let saved = (
            self.seq,
            self.path.clone(),
            self.path_name.clone(),
            self.ancestors.clone(),
            self.top,
        );
        let mut taken_jobs = std::mem::take(&mut self.jobs);
        let mut taken_ctxs = std::mem::take(&mut self.job_ctxs);
        self.run_taken(&taken_jobs, &taken_ctxs);
        // The next batch reuses the vectors (unless applying these queued
        // one already): no regrowing and no fresh pages every batch.
        taken_jobs.clear();
        taken_ctxs.clear();
        if self.jobs.is_empty() {
            self.jobs = taken_jobs;
        }
        if self.job_ctxs.is_empty() {
            self.job_ctxs = taken_ctxs;
        }
        (
            self.seq,
            self.path,
            self.path_name,
            self.ancestors,
            self.top,
        ) = saved;
    }

    /// [`Self::run_jobs`] on jobs taken out of the queue.
    fn run_taken(&mut self, jobs: &[LeafJob<'a>], ctxs: &[JobCtx<'a>]) {
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
        let mut placed = None;
        if jobs.len() < PARALLEL_MIN_JOBS || rayon::current_num_threads() < 2 {
            for chunk in jobs.chunks(JOB_CHUNK) {
                let result = run(chunk);
                self.apply_chunk(chunk, ctxs, result, &mut placed);
            }
        } else {
            // Every thread runs chunks; this one also applies their results
            // in order as they come in, so the serial part overlaps the
            // parallel one instead of following it.
            let slots: Vec<Mutex<Option<ChunkResult<V::Acc>>>> =
                jobs.chunks(JOB_CHUNK).map(|_| Mutex::new(None)).collect();
            let next = AtomicUsize::new(0);
            let run_next = || {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let chunk = jobs.chunks(JOB_CHUNK).nth(i);
                match (chunk, slots.get(i)) {
                    (Some(chunk), Some(slot)) => {
                        let result = run(chunk);
                        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                        true
                    }
                    _ => false,
                }
            };
            rayon::scope(|s| {
                for _ in 1..rayon::current_num_threads() {
                    s.spawn(|_| while run_next() {});
                }
                for (chunk, slot) in jobs.chunks(JOB_CHUNK).zip(&slots) {
                    let result = loop {
                        let ready = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                        if let Some(r) = ready {
                            break r;
                        }
                        if !run_next() {
                            std::thread::yield_now();
                        }
                    };
                    self.apply_chunk(chunk, ctxs, result, &mut placed);
                }
            });
        }
    }

    /// Applies one chunk's leaf results, chunks in walk order (see
    /// [`Self::run_jobs`]). The walk's place is restored only when it
    /// changes (consecutive jobs are mostly siblings) or when the last job
    /// moved it: `placed` says which context it is at.
    pub(super) fn apply_chunk(
        &mut self,
        jobs: &[LeafJob<'a>],
        ctxs: &[JobCtx<'a>],
        (results, runs): ChunkResult<V::Acc>,
        placed: &mut Option<usize>,
    ) {
        for (top, acc) in runs {
            merge_top(self.visitor, &mut self.tops, top, acc);
        }
        for (job, res) in jobs.iter().zip(results) {
            let Some(ctx) = ctxs.get(job.ctx) else {
                continue;
            };
            self.seq = job.seq;
            if *placed != Some(job.ctx) {
                self.path.clear();
                self.path.extend_from_slice(&ctx.path);
                self.path_name = ctx.bucket.clone();
                self.top = ctx.top;
                *placed = Some(job.ctx);
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
                    *placed = None;
                }
            } else {
                self.check_branch(&node, job.lo, job.hi, ctx.depth);
                *placed = None;
            }
        }
    }
}

/// The parallel part of a leaf job: reads the header and, when the page is
/// a well-formed leaf, checks its elements.
pub(super) fn leaf_job<'a>(
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
    let root = ctx.path.is_empty();
    if let Some(clean) = clean_leaf(&node, job.lo, job.hi, root) {
        res.keys = clean.keys;
        res.has_buckets = clean.has_buckets;
        return (res, Some(node));
    }
    res.has_buckets = (0..node.count).any(|i| {
        layout::u32_at(
            node.bytes,
            layout::PAGE_HEADER_SIZE + i * layout::ELEMENT_SIZE,
        )
        .is_some_and(|f| f & LEAF_FLAG_BUCKET != 0)
    });
    let problems = &mut res.problems;
    res.keys = leaf_contents(&node, job.lo, job.hi, root, &mut |kind, page, o, msg| {
        self_problems_push(problems, job.seq, &ctx.bucket, kind, page, o, msg)
    });
    (res, Some(node))
}

pub(super) fn self_problems_push(
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

pub(super) type Emit<'e> = dyn FnMut(ProblemKind, u64, u64, String) + 'e;
