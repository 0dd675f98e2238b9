//! Leaf jobs: the leaves of each branch checked in parallel, and their
//! results applied in walk order so reports are the same on every run.
//!
//! The walk queues a branch's leaves as jobs and hands every full chunk
//! of them to the other threads at once ([`Pipe`]), so leaves are read while
//! the walk goes on through later branches. Every [`JOB_BATCH`] jobs the
//! walking thread stops and applies the batch's chunks in order (computing
//! any the other threads have not taken): the apply points, and so the
//! report, are the same with one thread or many. A sound leaf takes one
//! tight pass on its thread ([`clean_leaf`]) and a few state updates in
//! the apply; anything else goes through the element-by-element checks
//! that say what is wrong.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

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

/// Pending leaf jobs are applied once this many have queued up, so memory
/// stays small whatever the file size.
pub(super) const JOB_BATCH: usize = 8192;

/// Leaf jobs per parallel task.
pub(super) const JOB_CHUNK: usize = 64;

/// A run of leaf jobs computed as one task, with the walk places its jobs
/// refer to (`ctxs[job.ctx - base]`) and, once computed, each job's result
/// and the visitor's results for runs of consecutive leaves of one
/// top-level bucket (one accumulator per run, so merging costs one step
/// per run). Chunks are reused, buffers and all, once applied.
pub(super) struct Chunk<'a, A> {
    id: u64,
    jobs: Vec<LeafJob<'a>>,
    ctxs: Vec<Arc<JobCtx<'a>>>,
    base: usize,
    results: Vec<LeafResult>,
    runs: Vec<(usize, A)>,
}

impl<A> Default for Chunk<'_, A> {
    fn default() -> Self {
        Self {
            id: 0,
            jobs: Vec::with_capacity(JOB_CHUNK),
            ctxs: Vec::new(),
            base: 0,
            results: Vec::with_capacity(JOB_CHUNK),
            runs: Vec::new(),
        }
    }
}

/// The parallel part of a chunk of leaf jobs: fills its results.
pub(super) fn compute<'a, V: TopLeafVisitor<'a>>(
    db: &Db<'a>,
    file_pages: u64,
    visitor: &V,
    chunk: &mut Chunk<'a, V::Acc>,
) {
    let Chunk {
        jobs,
        ctxs,
        base,
        results,
        runs,
        ..
    } = chunk;
    for (i, job) in jobs.iter().enumerate() {
        // Leaves come in key order, scattered over the file: start loading
        // a coming one while this one is read.
        if let Some(next) = jobs.get(i + 2) {
            crate::prefetch::leaf(db, PageId(next.id));
        }
        // Every job has its context (they are queued together).
        let Some(ctx) = job.ctx.checked_sub(*base).and_then(|c| ctxs.get(c)) else {
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
}

/// Chunks queued by the walk as it goes, computed by the pool's other
/// threads (and by the walking thread when it needs one not yet taken), so the parallel
/// part of the leaf jobs runs while the walk goes on instead of after it.
/// Results are applied in walk order by the walking thread alone, at the
/// same points as without the pipe: the report does not depend on it.
pub(super) struct Pipe<'a, A> {
    state: Mutex<PipeState<'a, A>>,
    /// Signalled when a chunk is queued or the pipe closes.
    work: Condvar,
    /// Signalled when a chunk is done (or the worker failed).
    done: Condvar,
}

struct PipeState<'a, A> {
    todo: VecDeque<Chunk<'a, A>>,
    done: HashMap<u64, Chunk<'a, A>>,
    closed: bool,
    /// The worker panicked (a chunk it took will never come).
    failed: bool,
}

impl<'a, A: Send> Pipe<'a, A> {
    pub(super) fn new() -> Self {
        Self {
            state: Mutex::new(PipeState {
                todo: VecDeque::new(),
                done: HashMap::new(),
                closed: false,
                failed: false,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PipeState<'a, A>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn send(&self, chunk: Chunk<'a, A>) {
        self.lock().todo.push_back(chunk);
        self.work.notify_one();
    }

    /// Ends [`Pipe::work`] once the queue is empty.
    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.work.notify_all();
    }

    /// A worker thread: computes queued chunks until the pipe closes.
    pub(super) fn work(&self, compute: impl Fn(&mut Chunk<'a, A>)) {
        /// Tells a waiting walker when the worker dies with a chunk.
        struct OnPanic<'p, 'a, A: Send>(&'p Pipe<'a, A>);
        impl<A: Send> Drop for OnPanic<'_, '_, A> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.lock().failed = true;
                    self.0.done.notify_all();
                }
            }
        }
        let _guard = OnPanic(self);
        loop {
            let mut chunk = {
                let mut st = self.lock();
                loop {
                    if let Some(c) = st.todo.pop_front() {
                        break c;
                    }
                    if st.closed {
                        return;
                    }
                    st = self.work.wait(st).unwrap_or_else(PoisonError::into_inner);
                }
            };
            compute(&mut chunk);
            self.lock().done.insert(chunk.id, chunk);
            self.done.notify_all();
        }
    }

    /// Chunk `id`, computed: taken when done, else computed here from the
    /// queue (the chunks before it first), else waited for.
    fn take(&self, id: u64, compute: impl Fn(&mut Chunk<'a, A>)) -> Chunk<'a, A> {
        let mut st = self.lock();
        loop {
            if let Some(d) = st.done.remove(&id) {
                return d;
            }
            if let Some(mut chunk) = st.todo.pop_front() {
                drop(st);
                compute(&mut chunk);
                if chunk.id == id {
                    return chunk;
                }
                st = self.lock();
                st.done.insert(chunk.id, chunk);
                continue;
            }
            if st.failed {
                std::panic::resume_unwind(Box::new("a leaf job thread of the check panicked"));
            }
            st = self.done.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<'a, 'd, V: TopLeafVisitor<'a>> Checker<'a, 'd, V> {
    /// Queues the leaf jobs of one branch (sharing the walk place `ctx`),
    /// hands full chunks to the pipe, and applies the batch once it is
    /// [`JOB_BATCH`] jobs long.
    pub(super) fn queue_jobs(&mut self, ctx: JobCtx<'a>, jobs: impl Iterator<Item = LeafJob<'a>>) {
        self.job_ctxs.push(Arc::new(ctx));
        let before = self.jobs.len();
        self.jobs.extend(jobs);
        self.batch_jobs += self.jobs.len() - before;
        if let Some(pipe) = self.pipe {
            while self.jobs.len() >= JOB_CHUNK {
                let chunk = self.chunk_of(JOB_CHUNK);
                pipe.send(chunk);
            }
        }
        if self.batch_jobs >= JOB_BATCH {
            self.run_jobs();
        }
    }

    /// A chunk of the first `n` queued jobs (a spare one refilled), with
    /// the next chunk id.
    fn chunk_of(&mut self, n: usize) -> Chunk<'a, V::Acc> {
        let mut chunk = self.spare_chunks.pop().unwrap_or_default();
        chunk.id = self.next_chunk;
        self.next_chunk += 1;
        chunk.jobs.extend(self.jobs.drain(..n.min(self.jobs.len())));
        if let (Some(first), Some(last)) = (chunk.jobs.first(), chunk.jobs.last()) {
            chunk.base = first.ctx;
            if let Some(ctxs) = self.job_ctxs.get(first.ctx..=last.ctx) {
                chunk.ctxs.extend_from_slice(ctxs);
            }
        }
        chunk
    }

    /// Whether leaf jobs are queued and not yet applied.
    pub(super) fn jobs_pending(&self) -> bool {
        self.batch_jobs > 0
    }

    /// Applies the batch's leaf jobs in walk order, each chunk as soon as
    /// it is computed (by the pipe's thread, or here): reference marking,
    /// then the element problems, then their sub-buckets (which may queue
    /// more jobs, a batch of their own).
    pub(super) fn run_jobs(&mut self) {
        // Runs may start in the middle of the walk: keep its place.
        let saved = (
            self.seq,
            self.path.clone(),
            self.path_name.clone(),
            self.ancestors.clone(),
            self.top,
        );
        // The jobs not handed to the pipe become chunks of their own.
        let mut tail = Vec::new();
        while !self.jobs.is_empty() {
            let chunk = self.chunk_of(JOB_CHUNK);
            tail.push(chunk);
        }
        let piped = self.batch_first_chunk..self.next_chunk - tail.len() as u64;
        self.batch_first_chunk = self.next_chunk;
        self.batch_jobs = 0;
        self.job_ctxs.clear();
        let (db, file_pages, visitor) = (self.db, self.file_pages, self.visitor);
        let run = |c: &mut Chunk<'a, V::Acc>| compute(db, file_pages, visitor, c);
        let mut placed = None;
        if let Some(pipe) = self.pipe {
            for id in piped {
                let chunk = pipe.take(id, run);
                self.apply_chunk(chunk, &mut placed);
            }
        }
        for mut chunk in tail {
            run(&mut chunk);
            self.apply_chunk(chunk, &mut placed);
        }
        (
            self.seq,
            self.path,
            self.path_name,
            self.ancestors,
            self.top,
        ) = saved;
    }

    /// Applies one chunk's leaf results, chunks in walk order (see
    /// [`Self::run_jobs`]), and keeps the chunk for reuse. The walk's place
    /// is restored only when it changes (consecutive jobs are mostly
    /// siblings) or when the last job moved it: `placed` says which walk
    /// place (index in the batch) it is at.
    pub(super) fn apply_chunk(&mut self, mut chunk: Chunk<'a, V::Acc>, placed: &mut Option<usize>) {
        for (top, acc) in chunk.runs.drain(..) {
            merge_top(self.visitor, &mut self.tops, top, acc);
        }
        for (job, res) in chunk.jobs.iter().zip(chunk.results.drain(..)) {
            if res.leaf && res.problems.is_empty() && !res.has_buckets {
                if let Some(header) = res.header {
                    if self.reach_sound_leaf(job.id, header) {
                        self.counts.keys += res.keys;
                        continue;
                    }
                }
            }
            let Some(ctx) = job
                .ctx
                .checked_sub(chunk.base)
                .and_then(|c| chunk.ctxs.get(c))
            else {
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
        chunk.jobs.clear();
        chunk.ctxs.clear();
        self.spare_chunks.push(chunk);
    }
}

impl<'a, 'd, V: TopLeafVisitor<'a>> Checker<'a, 'd, V> {
    /// What [`Self::visit_with`] does for a leaf page when it finds nothing
    /// to report, for the common case of a sound leaf: marks the page and
    /// its overflow pages reached and counts them. False, with nothing
    /// done, when `visit_with` would report something (the caller then runs
    /// it for the messages).
    #[inline]
    fn reach_sound_leaf(&mut self, id: u64, header: PageHeader) -> bool {
        let last = id.saturating_add(u64::from(header.overflow));
        let sound = header.id.0 == id
            && header.flags == layout::FLAG_LEAF
            && last < self.file_pages
            && last < self.hwm
            && (id..=last).all(|p| self.state(p) == 0);
        if sound {
            for p in id..=last {
                self.set(p, REACHED);
            }
            self.counts.leaf_pages += 1;
            self.counts.overflow_pages += u64::from(header.overflow);
        }
        sound
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
    res.has_buckets = (0..node.count).any(|i| node.leaf_flags(i) & LEAF_FLAG_BUCKET != 0);
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
