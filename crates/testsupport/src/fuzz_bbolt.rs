//! Entry points shared by the fuzz targets in `fuzz/` and the test that
//! replays their corpora and crash artifacts. Each one drives a parser with
//! arbitrary bytes; failures are a panic, hang or unbounded allocation, and
//! the invariants asserted here (the checker's report is the same on one
//! thread as on the pool; a compacted copy holds what its source holds).

use etcdsnap_bbolt::bucket::Bucket;
use etcdsnap_bbolt::db::Db;
use etcdsnap_bbolt::layout::PAGE_HEADER_SIZE;
use etcdsnap_bbolt::page::{Node, Page, PageHeader};
use etcdsnap_bbolt::{check, freelist, meta, stats, PageId};

/// Meta page decoding, validation and selection.
pub fn meta_pages(data: &[u8]) {
    let m = meta::Meta::decode(0, data);
    if let Ok(m) = m {
        let _ = m.validate();
    }
    if let Ok(c) = meta::choose(data) {
        let _ = c.warnings();
    }
}

/// A single page image: header, elements, freelist ids, inline view.
pub fn single_page(data: &[u8]) {
    let Some(header) = PageHeader::decode(data) else {
        return;
    };
    let page = Page {
        id: header.id,
        offset: 0,
        header,
        bytes: data,
    };
    if let Ok(node) = Node::from_page(&page) {
        for i in 0..node.count {
            let _ = node.key(i);
            let _ = node.leaf(i);
            let _ = node.branch(i);
        }
        let _ = node.used_bytes();
    }
    if let Ok(ids) = freelist::read(&page) {
        let _ = ids.iter().count();
    }
    if let Ok(node) = Node::inline(PageId(0), 0, data) {
        for i in 0..node.count {
            let _ = node.leaf(i);
        }
    }
    let _ = data.get(PAGE_HEADER_SIZE..);
}

/// Opens the bytes as a database, walks every bucket with cursors, and runs
/// the checker and the statistics.
pub fn whole_file(data: &[u8]) {
    let report = check::check(data);
    let _ = report.bbolt_messages();
    // Leaf jobs run on the pool's other threads as the walk queues them;
    // one thread must report the same, in the same order.
    let one = single_thread().install(|| check::check(data));
    assert_eq!(
        one.problems, report.problems,
        "one thread and the pool differ"
    );
    assert_eq!(one.counts, report.counts, "one thread and the pool differ");
    let Ok(db) = Db::open(data) else {
        return;
    };
    let _ = stats::aggregate(&db, b"");
    let _ = stats::pages(&db);
    walk(&db, db.root_bucket(), 0);
    // Seeks at a few keys exercise the branch search.
    for key in [&b""[..], b"a", b"key", b"\xff\xff"] {
        let _ = db.root_bucket().cursor(&db).seek(key);
    }
}

/// A one-thread rayon pool, made once.
fn single_thread() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
    })
}

fn walk(db: &Db<'_>, b: Bucket<'_>, depth: usize) {
    if depth > 8 {
        return;
    }
    let mut it = b.iter(db);
    let mut n = 0usize;
    while let Some(Ok(e)) = it.next() {
        n += 1;
        if n > 100_000 {
            return;
        }
        if e.is_bucket() {
            let page = it.current_page().unwrap_or(PageId(0));
            if let Ok(child) = Bucket::from_value(db, page, e.value) {
                walk(db, child, depth + 1);
            }
        }
    }
}

/// Opens the bytes as a database and copies it through the writer; when
/// the copy succeeds, the copy must pass the checker and hold exactly what
/// the source holds.
#[allow(clippy::panic)]
pub fn compact_round_trip(data: &[u8]) {
    let Ok(db) = Db::open(data) else {
        return;
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let opts = etcdsnap_bbolt::writer::WriteOptions {
        page_size: db.page_size(),
        ..Default::default()
    };
    if etcdsnap_bbolt::writer::compact(&db, &mut out, opts).is_err() {
        return;
    }
    let written = out.into_inner();
    let report = check::check(&written);
    assert!(
        report.is_clean(),
        "copy fails the check: {:?}",
        report.problems
    );
    let Ok(copy) = Db::open(&written) else {
        panic!("copy does not open");
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    listing(&db, db.root_bucket(), 0, &mut a);
    listing(&copy, copy.root_bucket(), 0, &mut b);
    assert!(a == b, "copy holds different contents");
}

/// Every entry, depth first: (depth, key, value or sequence).
fn listing(db: &Db<'_>, b: Bucket<'_>, depth: usize, out: &mut Vec<(usize, Vec<u8>, Vec<u8>)>) {
    let mut it = b.iter(db);
    while let Some(Ok(e)) = it.next() {
        if e.is_bucket() {
            let page = it.current_page().unwrap_or(PageId(0));
            if let Ok(child) = Bucket::from_value(db, page, e.value) {
                out.push((depth, e.key.to_vec(), child.sequence.to_le_bytes().to_vec()));
                listing(db, child, depth + 1, out);
            }
        } else {
            out.push((depth, e.key.to_vec(), e.value.to_vec()));
        }
    }
}
