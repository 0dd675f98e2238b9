//! Salvage of a damaged database: every intact key revision recovered by
//! scanning all pages independently of the tree (as `etcd-dump-db
//! scan-keys` does), the other buckets copied where their trees still
//! read, and a valid snapshot (with the SHA-256 trailer) written from it,
//! with a report of what was lost.
//!
//! A page counts as a `key` bucket leaf when its header says leaf and every
//! element is a revision key (`main_sub`, 17 bytes, or 18 with the
//! tombstone mark) whose value decodes as an `mvccpb.KeyValue` with that
//! mod revision (a tombstone's holds the key alone). Revisions found in several pages (old copies left in free
//! pages) are stored once; revisions etcd's compaction would have removed
//! (below the compact revision, not the newest of their key, or a
//! tombstone) are left out as etcd would.
//!
//! ```no_run
//! let report = etcdsnap_salvage::salvage("damaged.db".as_ref(), "salvaged.db".as_ref())?;
//! println!("{} revisions recovered", report.revisions);
//! # Ok::<(), etcdsnap_restore::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use etcdsnap_bbolt::layout::{ELEMENT_SIZE, FLAG_LEAF, PAGE_HEADER_SIZE};
use etcdsnap_bbolt::writer::{copy_contents, WriteOptions, Writer};
use etcdsnap_bbolt::{Db, MappedFile};
use etcdsnap_restore::{fsutil, Error};
use etcdsnap_schema::names::{self, ETCD_BUCKETS};
use etcdsnap_schema::{decode_kv, Revision};
use serde::Serialize;

/// What salvage found and wrote.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SalvageReport {
    /// Page size used for the scan.
    pub page_size: usize,
    /// Pages scanned.
    pub pages: u64,
    /// Pages recognised as `key` bucket leaves.
    pub key_leaves: u64,
    /// Key revisions recovered (after compaction rules).
    pub revisions: u64,
    /// Distinct user keys among them.
    pub keys: u64,
    /// Lowest and highest revision recovered.
    pub revision_range: Option<(i64, i64)>,
    /// Revisions dropped by etcd's compaction rule.
    pub compacted_away: u64,
    /// Entries of `key` bucket leaves that are not sound revisions (a
    /// malformed revision key, a value that does not decode or names
    /// another revision), with their page: left out.
    pub revisions_rejected: Vec<String>,
    /// Pages that are leaves of some bucket but could not be read whole
    /// (ranges of page ids).
    pub unreadable_pages: Vec<(u64, u64)>,
    /// Top-level buckets copied from the tree.
    pub buckets_copied: Vec<String>,
    /// Top-level buckets whose tree could not be read (with why).
    pub buckets_lost: Vec<String>,
    /// The input's SHA-256 trailer: `valid`, `absent` or `mismatch`.
    pub trailer: String,
    /// When the trailer does not match: the contents changed after the
    /// snapshot was saved, and which values changed cannot be told; the
    /// salvaged file carries what was read under a new trailer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contents_changed: Option<String>,
    /// The snapshot written.
    pub out: PathBuf,
    /// Its size.
    pub size: u64,
}

/// What a page is to the scan.
enum Scanned<'a> {
    /// A `key` bucket leaf: its (revision key, value) pairs, and the keys
    /// of its entries that are not sound revisions.
    KeyLeaf(Vec<(&'a [u8], &'a [u8])>, Vec<&'a [u8]>),
    /// A leaf whose elements do not read.
    Unreadable,
}

/// Scans one page; None when it is not a `key` bucket leaf.
fn key_leaf(page: &[u8]) -> Option<Scanned<'_>> {
    let flags = u16::from_le_bytes(*page.get(8..10)?.first_chunk::<2>()?);
    if flags != FLAG_LEAF {
        return None;
    }
    let count = u16::from_le_bytes(*page.get(10..12)?.first_chunk::<2>()?) as usize;
    if count == 0 {
        return None;
    }
    // The count comes from the file: the capacity is bounded by the
    // elements the page can hold.
    let mut out = Vec::with_capacity(count.min(page.len() / ELEMENT_SIZE));
    let mut rejected = Vec::new();
    for i in 0..count {
        let e = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
        let rd = |o: usize| {
            page.get(e + o..e + o + 4)
                .and_then(|b| b.first_chunk::<4>())
                .map(|b| u32::from_le_bytes(*b) as usize)
        };
        let (Some(eflags), Some(pos), Some(ks), Some(vs)) = (rd(0), rd(4), rd(8), rd(12)) else {
            return Some(Scanned::Unreadable);
        };
        let start = e + pos;
        let (Some(k), Some(v)) = (
            page.get(start..start + ks),
            page.get(start + ks..start + ks + vs),
        ) else {
            return Some(Scanned::Unreadable);
        };
        if eflags != 0 {
            return None;
        }
        // A revision key whose value is its revision's mvccpb.KeyValue (a
        // tombstone's value holds the key alone); anything else on a page
        // of such entries is a damaged revision, left out and reported.
        let good = Revision::decode(k)
            .filter(|_| k.get(8) == Some(&b'_'))
            .and_then(|(rev, tomb)| {
                decode_kv(v)
                    .filter(|kv| kv.mod_revision == rev.main || (tomb && kv.mod_revision == 0))
            })
            .is_some();
        if good {
            out.push((k, v));
        } else {
            rejected.push(k);
        }
    }
    // A key bucket leaf: most of its entries are revisions.
    if out.is_empty() || rejected.len() > out.len() {
        return None;
    }
    Some(Scanned::KeyLeaf(out, rejected))
}

fn ranges(ids: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &id in ids {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == id => *end = id,
            _ => out.push((id, id)),
        }
    }
    out
}

/// Salvages `input` (a file, or a data dir's db) into the snapshot `out`.
pub fn salvage(input: &Path, out: &Path) -> Result<SalvageReport, Error> {
    if out.exists() {
        return Err(Error::Target(format!("{} exists", out.display())));
    }
    let file = MappedFile::open_for_scan(input)?;
    let bytes = file.bytes();
    let FileScan {
        db,
        ps,
        mut report,
        revs,
    } = scan_all(bytes);

    // 3. Write: the other top-level buckets copied where they read, the
    // key bucket from the scan.
    let (size, _) = fsutil::place_new_file(out, |tmp| {
        etcdsnap_restore::write_db(tmp, |w| build(&db, &revs, ps, &mut report, w))?;
        etcdsnap_restore::append_trailer(tmp)
    })?;
    report.out = out.to_path_buf();
    report.size = size;
    Ok(report)
}

/// Records whether the input's bytes are the ones its trailer says were
/// saved: a mismatch means some value may have changed, and salvage cannot
/// tell which (it must not pass the changed bytes off as a good backup).
fn judge_trailer(bytes: &[u8], report: &mut SalvageReport) {
    match etcdsnap_verify::trailer::verify_file(bytes) {
        Ok(etcdsnap_verify::trailer::Trailer::Valid { .. }) => report.trailer = "valid".into(),
        Ok(etcdsnap_verify::trailer::Trailer::Absent) => report.trailer = "absent".into(),
        Err(e) => {
            report.trailer = "mismatch".into();
            report.contents_changed = Some(format!(
                "{e}: the contents changed after the snapshot was saved, and which values changed \
                 cannot be told; the salvaged file holds what was read, changes included, under a \
                 new trailer: compare it with another backup before trusting it"
            ));
        }
    }
}

/// Salvages `bytes` in memory: the report and the new database (without
/// the trailer). What the fuzz target drives.
pub fn salvage_bytes(bytes: &[u8]) -> Result<(SalvageReport, Vec<u8>), Error> {
    let FileScan {
        db,
        ps,
        mut report,
        revs,
    } = scan_all(bytes);
    let mut out = std::io::Cursor::new(Vec::new());
    build(&db, &revs, ps, &mut report, &mut out)?;
    report.size = out.get_ref().len() as u64;
    Ok((report, out.into_inner()))
}

/// What the scan of a whole file found, ready to be written.
struct FileScan<'a> {
    /// The tree, when a meta page still reads.
    db: Option<Db<'a>>,
    /// Page size (4096 when no meta page reads).
    ps: usize,
    /// The report so far.
    report: SalvageReport,
    /// The key revisions kept.
    revs: BTreeMap<&'a [u8], &'a [u8]>,
}

fn scan_all(bytes: &[u8]) -> FileScan<'_> {
    let db = Db::open(bytes).ok();
    let ps = db.as_ref().map_or(4096, |d| d.page_size());
    let mut report = SalvageReport {
        page_size: ps,
        ..SalvageReport::default()
    };
    let revs = scan(bytes, &db, ps, &mut report);
    judge_trailer(bytes, &mut report);
    FileScan {
        db,
        ps,
        report,
        revs,
    }
}

/// Steps 1 and 2: every intact key revision, found page by page, with
/// etcd's compaction rule applied.
fn scan<'a>(
    bytes: &'a [u8],
    db: &Option<Db<'a>>,
    ps: usize,
    report: &mut SalvageReport,
) -> BTreeMap<&'a [u8], &'a [u8]> {
    // 1. Every page, independently of the tree.
    let mut revs: BTreeMap<&[u8], &[u8]> = BTreeMap::new();
    let mut bad = Vec::new();
    let pages = bytes.len() / ps;
    report.pages = pages as u64;
    let mut id = 2;
    while id < pages {
        let Some(head) = bytes.get(id * ps..(id + 1) * ps) else {
            break;
        };
        // A page with overflow spans the pages after it.
        let overflow = head
            .get(12..16)
            .and_then(|b| b.first_chunk::<4>())
            .map_or(0, |b| u32::from_le_bytes(*b) as usize);
        let span = if id + 1 + overflow <= pages {
            1 + overflow
        } else {
            1
        };
        let page = bytes.get(id * ps..(id + span) * ps).unwrap_or(head);
        let this = id;
        id += 1;
        match key_leaf(page) {
            Some(Scanned::KeyLeaf(items, rejected)) => {
                report.key_leaves += 1;
                for k in rejected {
                    let what = match Revision::decode(k) {
                        Some((r, _)) => format!("revision {r}"),
                        None => format!("key {}", etcdsnap_bbolt::check::show_key(k)),
                    };
                    report
                        .revisions_rejected
                        .push(format!("{what} on page {this}"));
                }
                for (k, v) in items {
                    revs.entry(k).or_insert(v);
                }
                id = this + span;
            }
            Some(Scanned::Unreadable) => bad.push(this as u64),
            None => {}
        }
    }
    report.unreadable_pages = ranges(&bad);

    // 2. etcd's compaction rule below the compact revision.
    let compact = db
        .as_ref()
        .and_then(|d| etcdsnap_schema::meta::compact_revision(d).ok())
        .unwrap_or(-1);
    let mut newest: HashMap<&[u8], i64> = HashMap::new();
    for (k, v) in &revs {
        if let (Some((r, _)), Some(kv)) = (Revision::decode(k), decode_kv(v)) {
            if r.main <= compact {
                let e = newest.entry(kv.key).or_insert(r.main);
                *e = (*e).max(r.main);
            }
        }
    }
    revs.retain(|k, v| {
        let (Some((r, tomb)), Some(kv)) = (Revision::decode(k), decode_kv(v)) else {
            return false;
        };
        let keep = r.main > compact || (!tomb && newest.get(kv.key) == Some(&r.main));
        if !keep {
            report.compacted_away += 1;
        }
        keep
    });
    report.revisions = revs.len() as u64;
    report.keys = revs
        .values()
        .filter_map(|v| decode_kv(v).map(|kv| kv.key))
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    report.revision_range = match (revs.keys().next(), revs.keys().next_back()) {
        (Some(a), Some(b)) => Revision::main_of(a).zip(Revision::main_of(b)),
        _ => None,
    };

    revs
}

/// Top-level buckets of a readable tree: name and bucket, or why not.
fn top_buckets<'a>(db: &Db<'a>) -> Vec<(Vec<u8>, Result<etcdsnap_bbolt::Bucket<'a>, String>)> {
    let mut out = Vec::new();
    let root = db.root_bucket();
    let mut it = root.iter(db);
    loop {
        match it.next() {
            None => break,
            Some(Err(e)) => {
                out.push((b"(root)".to_vec(), Err(e.to_string())));
                break;
            }
            Some(Ok(e)) if e.is_bucket() => {
                let page = it.current_page().unwrap_or_default();
                let b = etcdsnap_bbolt::Bucket::from_value(db, page, e.value)
                    .map_err(|x| x.to_string());
                out.push((e.key.to_vec(), b));
            }
            Some(Ok(_)) => {}
        }
    }
    out
}

/// Step 3: the new database, written to `out`.
fn build(
    db: &Option<Db<'_>>,
    revs: &BTreeMap<&[u8], &[u8]>,
    ps: usize,
    report: &mut SalvageReport,
    out: impl std::io::Write + std::io::Seek,
) -> Result<(), Error> {
    // Which buckets copy cleanly: try each into a scratch writer first.
    let mut good: BTreeMap<Vec<u8>, etcdsnap_bbolt::Bucket<'_>> = BTreeMap::new();
    if let Some(db) = db {
        for (name, b) in top_buckets(db) {
            let shown = String::from_utf8_lossy(&name).into_owned();
            if name == names::KEY {
                continue;
            }
            match b {
                Ok(b) => {
                    let mut scratch =
                        Writer::new(std::io::Cursor::new(Vec::new()), WriteOptions::default())?;
                    scratch.begin_bucket(&name, b.sequence)?;
                    match copy_contents(&mut scratch, db, &b, 256) {
                        Ok(()) => {
                            good.insert(name, b);
                        }
                        Err(e) => report.buckets_lost.push(format!("{shown}: {e}")),
                    }
                }
                Err(e) => report.buckets_lost.push(format!("{shown}: {e}")),
            }
        }
    } else {
        report
            .buckets_lost
            .push("all but key: no valid meta page, the tree cannot be read".into());
    }
    let opts = WriteOptions {
        page_size: ps,
        ..WriteOptions::default()
    };
    {
        let mut w = Writer::new(out, opts)?;
        // etcd's buckets, created empty when they could not be copied
        // (etcd and etcdutl expect them to exist).
        let mut all: Vec<Vec<u8>> = good.keys().cloned().collect();
        for b in ETCD_BUCKETS {
            all.push(b.to_vec());
        }
        all.sort();
        all.dedup();
        for name in all {
            if name == names::KEY {
                w.begin_bucket(names::KEY, 0)?;
                for (k, v) in revs {
                    w.put(k, v)?;
                }
                w.end_bucket()?;
            } else if let (Some(b), Some(db)) = (good.get(&name), db) {
                w.begin_bucket(&name, b.sequence)?;
                copy_contents(&mut w, db, b, 256)?;
                w.end_bucket()?;
                report
                    .buckets_copied
                    .push(String::from_utf8_lossy(&name).into_owned());
            } else {
                w.begin_bucket(&name, 0)?;
                w.end_bucket()?;
            }
        }
        w.finish()?;
    }
    Ok(())
}
