//! `snapshot status` as etcdutl 3.5 (and etcdctl 3.4) compute and print it,
//! and the etcd 3.6 variant.
//!
//! - Hash: one CRC-32C stream over, for every top-level bucket in order, the
//!   bucket name and then every key and value of the bucket's own entries
//!   (sub-bucket entries contribute their key only; nested contents are not
//!   descended into).
//! - Revision: the main revision of the last key of the `key` bucket.
//! - TotalKey: 3.4/3.5: every entry of every top-level bucket; 3.6: the
//!   keys live at the head revision.
//! - TotalSize: high-water mark × page size.

use etcdsnap_schema::names;
use std::fmt::Write as _;

use etcdsnap_bbolt::{check, Bucket, Db, PageId};
use serde::Serialize;

use crate::crc::CrcPart;
use crate::{humanize, Error};
use etcdsnap_bbolt::scan::fold_entries;
use etcdsnap_schema::release::TableStyle;
use etcdsnap_schema::{EtcdVersion, Revision};

/// Options for [`status`].
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    /// Semantics to follow.
    pub version: EtcdVersion,
}

/// The result, field for field as etcdutl's `snapshot.Status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// CRC-32C hash.
    pub hash: u32,
    /// Head revision.
    pub revision: i64,
    /// Key count.
    pub total_key: u64,
    /// High-water mark × page size.
    pub total_size: u64,
    /// Storage version (3.6 semantics only; empty when absent).
    pub version: Option<String>,
}

/// Problems the structural check found that Go bbolt's `tx.Check()` does
/// not report (etcd's tools accept such a file, so status goes on; the
/// caller should warn).
#[derive(Debug, Clone, Default)]
pub struct Warnings(pub Vec<String>);

/// Judges a structural check as etcdutl would: problems Go bbolt's
/// `tx.Check()` also reports, and damage that would crash it, fail;
/// others come back as warnings.
pub fn judge(report: &check::Report) -> Result<Warnings, Error> {
    let go: Vec<String> = report
        .bbolt_messages()
        .into_iter()
        .map(str::to_string)
        .collect();
    // Damage that would crash Go's check (and so etcdutl) is refused too,
    // and a top-level plain key, which etcdutl cannot hash.
    let fatal = report.problems.iter().any(|p| {
        use check::ProblemKind as K;
        matches!(
            p.kind,
            K::Truncated
                | K::BeyondEndOfFile
                | K::Cycle
                | K::CountTooLarge
                | K::ElementOutOfBounds
                | K::OverflowPastEndOfFile
                | K::EmptyBranch
                | K::FreelistInvalid
                | K::BadBucketValue
                | K::TooDeep
                | K::BadHighWaterMark
                | K::NotABucket
        ) || (
            // A top-level inline bucket etcdutl hashes entry by entry (a
            // nested one it never opens).
            p.kind == K::BadInlineBucket && p.bucket.as_deref().is_some_and(|b| !b.contains('/'))
        )
    });
    if fatal {
        return Err(Error::Integrity {
            problems: report.problems.iter().map(|p| p.to_string()).collect(),
        });
    }
    if !go.is_empty() {
        return Err(Error::Integrity { problems: go });
    }
    Ok(Warnings(
        report.problems.iter().map(|p| p.to_string()).collect(),
    ))
}

/// Runs the structural check as etcdutl does first (see [`judge`]).
pub fn integrity(db: &Db<'_>) -> Result<Warnings, Error> {
    judge(&check::check(db.file()))
}

/// Per leaf and per run of leaves: the CRC of the entries, their number,
/// and the last key.
#[derive(Debug, Default)]
struct Leaves<'a> {
    crc: CrcPart,
    count: u64,
    last: Option<&'a [u8]>,
}

/// Hashes the entries of top-level buckets' leaves as the check walks them.
struct StatusVisitor;

impl<'a> check::TopLeafVisitor<'a> for StatusVisitor {
    type Acc = Leaves<'a>;

    fn leaf(&self, acc: &mut Leaves<'a>, node: &etcdsnap_bbolt::page::Node<'a>) {
        // Keys and values are hashed in order; bbolt lays them out back to
        // back, so runs of adjacent bytes are hashed in one call.
        let base = node.bytes.as_ptr() as usize;
        let mut span: Option<(usize, usize)> = None;
        let flush = |acc: &mut Leaves<'a>, span: &mut Option<(usize, usize)>| {
            if let Some((a, b)) = span.take() {
                acc.crc.update(node.bytes.get(a..b).unwrap_or(&[]));
            }
        };
        for i in 0..node.count {
            // The check reports any element that does not read.
            let Some(e) = node.leaf_if_sound(i) else {
                continue;
            };
            let k0 = e.key.as_ptr() as usize - base;
            let k1 = k0 + e.key.len();
            let end = if e.is_bucket() {
                k1
            } else {
                k1 + e.value.len()
            };
            // A value always follows its key directly.
            span = match span {
                Some((a, b)) if b == k0 => Some((a, end)),
                _ => {
                    flush(acc, &mut span);
                    Some((k0, end))
                }
            };
            if e.is_bucket() {
                flush(acc, &mut span);
            }
            acc.count += 1;
            acc.last = Some(e.key);
        }
        flush(acc, &mut span);
    }

    fn merge(&self, a: Leaves<'a>, b: Leaves<'a>) -> Leaves<'a> {
        Leaves {
            crc: a.crc.then(b.crc),
            count: a.count + b.count,
            last: b.last.or(a.last),
        }
    }
}

/// The structural check and the status in one pass over the file: fails
/// as etcdutl fails on damage (see [`judge`]), else returns the status
/// with the warnings.
pub fn checked_status(db: &Db<'_>, opts: &StatusOptions) -> Result<(Warnings, Status), Error> {
    let (report, tops) = check::check_with(db.file(), &StatusVisitor);
    let warnings = judge(&report)?;
    let mut hash = CrcPart::default();
    let mut total_key = 0u64;
    let mut revision = 0i64;
    for (name, leaves) in &tops {
        let mut n = CrcPart::default();
        n.update(name);
        hash = hash.then(n).then(leaves.crc);
        total_key += leaves.count;
        if *name == b"key" {
            revision = leaves.last.and_then(Revision::main_of).unwrap_or(0);
        }
    }
    if opts.version.status_counts_live_keys() {
        total_key = match db.root_bucket().sub_bucket(db, names::KEY)? {
            Some(b) => live_keys(db, &b)?,
            None => 0,
        };
    }
    let version = if opts.version.status_counts_live_keys() {
        Some(storage_version(db)?)
    } else {
        None
    };
    Ok((
        warnings,
        Status {
            hash: hash.crc,
            revision,
            total_key,
            total_size: db.hwm().0.saturating_mul(db.page_size() as u64),
            version,
        },
    ))
}

/// Computes the status of `db` on its own (a second pass when the check
/// has already run; [`checked_status`] does both in one).
pub fn status(db: &Db<'_>, opts: &StatusOptions) -> Result<Status, Error> {
    let root = db.root_bucket();
    let mut hash = CrcPart::default();
    let mut total_key = 0u64;
    let mut revision = 0i64;
    let mut it = root.iter(db);
    while let Some(e) = it.next() {
        let e = e?;
        let page = it.current_page().unwrap_or(PageId(0));
        let mut name = CrcPart::default();
        name.update(e.key);
        hash = hash.then(name);
        if !e.is_bucket() {
            continue;
        }
        let b = Bucket::from_value(db, page, e.value)?;
        let is_key = e.key == b"key";
        let (part, count, last) = fold_entries(
            db,
            &b,
            || (CrcPart::default(), 0u64, None::<&[u8]>),
            |s, entry| {
                s.0.update(entry.key);
                if !entry.is_bucket() {
                    s.0.update(entry.value);
                }
                s.1 += 1;
                s.2 = Some(entry.key);
            },
            |a, b| (a.0.then(b.0), a.1 + b.1, b.2.or(a.2)),
        )?;
        hash = hash.then(part);
        if is_key {
            if let Some(k) = last {
                revision = Revision::main_of(k).unwrap_or(0);
            }
            if opts.version.status_counts_live_keys() {
                total_key += live_keys(db, &b)?;
            }
        }
        if !opts.version.status_counts_live_keys() {
            total_key += count;
        }
    }
    let version = if opts.version.status_counts_live_keys() {
        Some(storage_version(db)?)
    } else {
        None
    };
    Ok(Status {
        hash: hash.crc,
        revision,
        total_key,
        total_size: db.hwm().0.saturating_mul(db.page_size() as u64),
        version,
    })
}

/// Keys whose newest revision is not a tombstone (etcd 3.6's TotalKey).
fn live_keys(db: &Db<'_>, key_bucket: &Bucket<'_>) -> Result<u64, Error> {
    // The newest revision of each user key wins; revisions ascend, so the
    // last entry seen for a user key is its newest.
    let mut newest: std::collections::HashMap<Vec<u8>, bool> = std::collections::HashMap::new();
    for e in key_bucket.iter(db) {
        let e = e?;
        let tomb = Revision::decode(e.key).is_some_and(|(_, t)| t);
        // An empty value (a revision bump marker) decodes to the empty key,
        // as etcd counts it.
        let k = etcdsnap_schema::kv::key_of(e.value);
        newest.insert(k.to_vec(), tomb);
    }
    Ok(newest.values().filter(|t| !**t).count() as u64)
}

/// `meta/storageVersion`, empty when absent or not a version (etcd 3.6).
fn storage_version(db: &Db<'_>) -> Result<String, Error> {
    let Some(meta) = db.root_bucket().sub_bucket(db, names::META)? else {
        return Ok(String::new());
    };
    // etcd prints the value parsed as a semantic version, or nothing.
    let v = meta
        .get(db, names::STORAGE_VERSION)?
        .map(|e| String::from_utf8_lossy(e.value).into_owned())
        .unwrap_or_default();
    let semver = {
        let core = v.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    Ok(if semver { v } else { String::new() })
}

/// Output formats of `snapshot status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `d2c7e515, 53, 57, 86 kB`
    Simple,
    /// `{"hash":...,"revision":...,"totalKey":...,"totalSize":...}`
    Json,
    /// An ASCII table.
    Table,
    /// `"Hash" : ...` lines.
    Fields,
}

/// Renders a status exactly as etcdutl prints it (tables in ASCII).
pub fn render(st: &Status, format: Format) -> String {
    render_in(st, format, TableStyle::Ascii)
}

/// [`render`], a table drawn in `style`.
pub fn render_in(st: &Status, format: Format, style: TableStyle) -> String {
    let size = humanize::bytes(st.total_size);
    let mut out = String::new();
    match format {
        Format::Simple => {
            let _ = write!(
                out,
                "{:x}, {}, {}, {}",
                st.hash, st.revision, st.total_key, size
            );
            if let Some(v) = &st.version {
                let _ = write!(out, ", {v}");
            }
            out.push('\n');
        }
        Format::Json => {
            let _ = write!(
                out,
                "{{\"hash\":{},\"revision\":{},\"totalKey\":{},\"totalSize\":{}",
                st.hash, st.revision, st.total_key, st.total_size
            );
            if let Some(v) = &st.version {
                let _ = write!(out, ",\"version\":{}", etcdsnap_schema::gojson::string(v));
            }
            out.push_str("}\n");
        }
        Format::Fields => {
            let _ = writeln!(out, "\"Hash\" : {}", st.hash);
            let _ = writeln!(out, "\"Revision\" : {}", st.revision);
            let _ = writeln!(out, "\"Keys\" : {}", st.total_key);
            let _ = writeln!(out, "\"Size\" : {}", st.total_size);
            if let Some(v) = &st.version {
                let _ = writeln!(out, "\"Version\" : {v}");
            }
        }
        Format::Table => {
            let mut header = vec!["HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"];
            let mut row = vec![
                format!("{:x}", st.hash),
                st.revision.to_string(),
                st.total_key.to_string(),
                size,
            ];
            if let Some(v) = &st.version {
                header.push("VERSION");
                row.push(v.clone());
            }
            out = table_in(style, &header, &row);
        }
    }
    out
}

/// The table layout etcd's printer produces: a ruled box, centred headers,
/// right-aligned cells, one space of padding, drawn in ASCII as etcd 3.4
/// to 3.6 print it.
pub fn table(header: &[&str], row: &[String]) -> String {
    table_in(TableStyle::Ascii, header, row)
}

/// [`table`] drawn in `style`: tablewriter 1.x (etcd 3.7, Debian's etcd
/// 3.5.30) lays out the same cells with box-drawing characters.
pub fn table_in(style: TableStyle, header: &[&str], row: &[String]) -> String {
    // Corners and joints of the top, middle and bottom rules, then the
    // horizontal and vertical strokes.
    let (top, mid, bottom, across, down) = match style {
        TableStyle::Ascii => (['+'; 3], ['+'; 3], ['+'; 3], '-', '|'),
        TableStyle::Box => (['┌', '┬', '┐'], ['├', '┼', '┤'], ['└', '┴', '┘'], '─', '│'),
    };
    let widths: Vec<usize> = header
        .iter()
        .zip(row)
        .map(|(h, c)| h.chars().count().max(c.chars().count()))
        .collect();
    let rule = |[left, join, right]: [char; 3]| {
        let mut s = String::new();
        s.push(left);
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                s.push(join);
            }
            s.extend(std::iter::repeat_n(across, w + 2));
        }
        s.push(right);
        s.push('\n');
        s
    };
    let mut out = rule(top);
    out.push(down);
    for (h, w) in header.iter().zip(&widths) {
        let gap = w - h.chars().count();
        let left = gap / 2;
        let _ = write!(
            out,
            " {}{}{} {down}",
            " ".repeat(left),
            h,
            " ".repeat(gap - left)
        );
    }
    out.push('\n');
    out.push_str(&rule(mid));
    out.push(down);
    for (c, w) in row.iter().zip(&widths) {
        let _ = write!(out, " {c:>w$} {down}");
    }
    out.push('\n');
    out.push_str(&rule(bottom));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_etcd_layout() {
        let st = Status {
            hash: 0x6c78d185,
            revision: 75,
            total_key: 60,
            total_size: 1134592,
            version: None,
        };
        assert_eq!(
            render(&st, Format::Table),
            "+----------+----------+------------+------------+\n\
             |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |\n\
             +----------+----------+------------+------------+\n\
             | 6c78d185 |       75 |         60 |     1.1 MB |\n\
             +----------+----------+------------+------------+\n"
        );
        assert_eq!(render(&st, Format::Simple), "6c78d185, 75, 60, 1.1 MB\n");
        // As Debian's etcdutl 3.5.30 printed it for the same file.
        assert_eq!(
            render_in(&st, Format::Table, TableStyle::Box),
            "┌──────────┬──────────┬────────────┬────────────┐\n\
             │   HASH   │ REVISION │ TOTAL KEYS │ TOTAL SIZE │\n\
             ├──────────┼──────────┼────────────┼────────────┤\n\
             │ 6c78d185 │       75 │         60 │     1.1 MB │\n\
             └──────────┴──────────┴────────────┴────────────┘\n"
        );
    }
}
