//! Rewriting a database through the writer with edits: every bucket
//! copied in key order, with given puts and deletes per top-level bucket
//! merged in on the way, so the new file is compact and written in one
//! sequential pass.

use std::collections::BTreeMap;
use std::io::{Seek, Write};

use crate::writer::{copy_contents, CopyError as Error, WriteOptions, WriteSummary, Writer};
use crate::{Bucket, Db};

/// Nesting deeper than this is refused rather than recursed into.
const MAX_NESTING: usize = 256;

/// What to change in one top-level bucket.
#[derive(Debug, Default, Clone)]
pub struct BucketEdit {
    /// Drop every entry of the source bucket first.
    pub clear: bool,
    /// Keys to set (`Some`) or delete (`None`).
    pub puts: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

/// The edits for each top-level bucket; a bucket named here that the
/// source lacks is created.
pub type Edits = BTreeMap<Vec<u8>, BucketEdit>;

/// What the rewrite saw.
#[derive(Debug, Clone, Default)]
pub struct RewriteSummary {
    /// Writer figures.
    pub write: WriteSummary,
    /// Entries of the edited buckets written.
    pub entries: u64,
}

/// Writes `db`'s contents, with `edits` applied, as a fresh compact bbolt
/// file into `out`.
pub fn rewrite<W: Write + Seek>(
    db: &Db<'_>,
    out: W,
    opts: WriteOptions,
    edits: &Edits,
) -> Result<RewriteSummary, Error> {
    let mut w = Writer::new(out, opts)?;
    let mut summary = RewriteSummary::default();
    let root = db.root_bucket();
    let mut iter = root.iter(db);
    let mut pending = edits.iter().peekable();
    loop {
        let entry = iter.next().transpose()?;
        // Buckets only in the edits come before the next source bucket.
        while let Some((name, edit)) = pending.peek() {
            if entry.as_ref().is_some_and(|e| e.key <= name.as_slice()) {
                break;
            }
            write_edited(&mut w, db, name, None, edit, &mut summary)?;
            pending.next();
        }
        let Some(e) = entry else { break };
        if !e.is_bucket() {
            return Err(Error::Shape(format!(
                "the root bucket holds a plain key {:?}; bbolt's root holds only buckets",
                String::from_utf8_lossy(e.key)
            )));
        }
        let page = iter.current_page().unwrap_or_default();
        let src = Bucket::from_value(db, page, e.value)?;
        match pending.peek() {
            Some((name, edit)) if name.as_slice() == e.key => {
                write_edited(&mut w, db, e.key, Some(&src), edit, &mut summary)?;
                pending.next();
            }
            _ => {
                w.begin_bucket(e.key, src.sequence)?;
                copy_contents(&mut w, db, &src, MAX_NESTING)?;
                w.end_bucket()?;
            }
        }
    }
    summary.write = w.finish()?;
    Ok(summary)
}

fn write_edited<W: Write + Seek>(
    w: &mut Writer<W>,
    db: &Db<'_>,
    name: &[u8],
    src: Option<&Bucket<'_>>,
    edit: &BucketEdit,
    summary: &mut RewriteSummary,
) -> Result<(), Error> {
    w.begin_bucket(name, src.map_or(0, |b| b.sequence))?;
    let mut puts = edit.puts.iter().peekable();
    if let (Some(src), false) = (src, edit.clear) {
        let mut iter = src.iter(db);
        while let Some(e) = iter.next().transpose()? {
            while let Some((k, v)) = puts.peek() {
                if k.as_slice() >= e.key {
                    break;
                }
                if let Some(v) = v {
                    w.put(k, v)?;
                    summary.entries += 1;
                }
                puts.next();
            }
            if let Some((k, v)) = puts.peek() {
                if k.as_slice() == e.key {
                    if e.is_bucket() {
                        return Err(Error::Shape(format!(
                            "{:?} in bucket {:?} is a bucket, not a key",
                            String::from_utf8_lossy(e.key),
                            String::from_utf8_lossy(name)
                        )));
                    }
                    if let Some(v) = v {
                        w.put(k, v)?;
                        summary.entries += 1;
                    }
                    puts.next();
                    continue;
                }
            }
            let page = iter.current_page().unwrap_or_default();
            copy_entry(w, db, &page, &e, &mut summary.entries)?;
        }
    }
    for (k, v) in puts {
        if let Some(v) = v {
            w.put(k, v)?;
            summary.entries += 1;
        }
    }
    w.end_bucket()?;
    Ok(())
}

fn copy_entry<W: Write + Seek>(
    w: &mut Writer<W>,
    db: &Db<'_>,
    page: &crate::PageId,
    e: &crate::Entry<'_>,
    entries: &mut u64,
) -> Result<(), Error> {
    if e.is_bucket() {
        let sub = Bucket::from_value(db, *page, e.value)?;
        w.begin_bucket(e.key, sub.sequence)?;
        copy_contents(w, db, &sub, MAX_NESTING)?;
        w.end_bucket()?;
    } else {
        w.put(e.key, e.value)?;
    }
    *entries += 1;
    Ok(())
}
