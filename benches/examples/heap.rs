//! Peak heap of each whole-file operation on one file (a counting global
//! allocator; the file mapping itself is not heap).
//! Usage: heap FILE
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = NOW.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(n, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn measure(name: &str, f: impl FnOnce()) {
    PEAK.store(NOW.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = NOW.load(Ordering::Relaxed);
    let t = std::time::Instant::now();
    f();
    println!(
        "{name:<10} peak heap {:>8.1} MB  {:?}",
        (PEAK.load(Ordering::Relaxed) - base) as f64 / 1e6,
        t.elapsed()
    );
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: heap FILE");
    let file = etcdsnap_bbolt::MappedFile::open_for_scan(&path).expect("open");
    let db = etcdsnap_bbolt::Db::open(file.bytes()).expect("db");
    measure("check", || drop(etcdsnap_bbolt::check::check(file.bytes())));
    measure("status", || {
        drop(etcdsnap_verify::status::status(&db, &Default::default()))
    });
    measure("hashkv", || drop(etcdsnap_verify::hashkv::hashkv(&db, 0)));
    measure("verify", || drop(etcdsnap_verify::semantic::verify(&db)));
    let all = etcdsnap_mvcc::extract::Selector {
        key: Vec::new(),
        prefix: true,
    };
    measure("range", || {
        drop(etcdsnap_mvcc::extract::range(&db, &all, 0));
    });
    measure("history", || {
        drop(etcdsnap_mvcc::extract::history(&db, &all));
    });
    let tmp = std::env::temp_dir().join(format!("etcdsnap-heap-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    measure("salvage", || {
        etcdsnap_salvage::salvage(std::path::Path::new(&path), &tmp.join("s.db")).expect("salvage");
    });
    measure("restore", || {
        let cfg = etcdsnap_restore::RestoreConfig {
            snapshot: path.clone().into(),
            data_dir: Some(tmp.join("d")),
            ..Default::default()
        };
        etcdsnap_restore::restore(&cfg).expect("restore");
    });
    measure("defrag", || {
        etcdsnap_restore::defrag::defrag(&tmp.join("d"), false).expect("defrag");
    });
    std::fs::remove_dir_all(&tmp).expect("cleanup");
}
