//! `etcdsnap bolt ...`: page-level inspection with the bbolt command's
//! output formats.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Subcommand;
use etcdsnap_bbolt::{stats, Bucket, Db, Error as BoltError};
use serde_json::json;

use crate::cli::open;
use crate::output::{json_bytes, show, BytesFormat, Format};

#[derive(Debug, Subcommand)]
pub enum BoltCommand {
    /// Print basic information (page size, meta pages).
    Info {
        /// The database file.
        file: PathBuf,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// List the top-level buckets.
    Buckets {
        /// The database file.
        file: PathBuf,
        /// How to show names.
        #[arg(long, value_enum, default_value_t)]
        format: BytesFormat,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// List the keys of a bucket (nested buckets: give each name in turn).
    Keys {
        /// The database file.
        file: PathBuf,
        /// Bucket path, outermost first.
        #[arg(required = true)]
        buckets: Vec<String>,
        /// How to show keys.
        #[arg(long, value_enum, default_value_t)]
        format: BytesFormat,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Print the value of a key.
    Get {
        /// The database file.
        file: PathBuf,
        /// Bucket path, outermost first, then the key.
        #[arg(required = true, num_args = 2..)]
        path: Vec<String>,
        /// How to show the value.
        #[arg(long, value_enum, default_value_t)]
        format: BytesFormat,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// List every page with its type, element count and overflow.
    Pages {
        /// The database file.
        file: PathBuf,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Decode pages: header, meta fields, freelist ids or elements.
    Page {
        /// The database file.
        file: PathBuf,
        /// Page ids.
        #[arg(required = true)]
        ids: Vec<u64>,
        /// How to show keys and values.
        #[arg(long, value_enum, default_value_t)]
        format: BytesFormat,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Per-bucket statistics (aggregate over top-level buckets with a prefix).
    Stats {
        /// The database file.
        file: PathBuf,
        /// Only top-level buckets whose names start with this.
        #[arg(default_value = "")]
        prefix: String,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Hex dump of pages.
    Dump {
        /// The database file.
        file: PathBuf,
        /// Page ids.
        #[arg(required = true)]
        ids: Vec<u64>,
        /// Output format (JSON: each page's offset and bytes in hex).
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
}

/// Decodes a name given on the command line: `0x...` means hex bytes.
fn arg_bytes(s: &str) -> Vec<u8> {
    if let Some(h) = s.strip_prefix("0x") {
        if h.len() % 2 == 0 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
            let v: Option<Vec<u8>> = (0..h.len())
                .step_by(2)
                .map(|i| h.get(i..i + 2).and_then(|x| u8::from_str_radix(x, 16).ok()))
                .collect();
            if let Some(v) = v {
                return v;
            }
        }
    }
    s.as_bytes().to_vec()
}

fn with_db<T>(path: &Path, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
    let file = open(path)?;
    let db = Db::open(file.bytes())?;
    for w in db.meta_choice().warnings() {
        eprintln!("etcdsnap: warning: {w}");
    }
    f(&db)
}

fn bucket_at<'a>(db: &Db<'a>, names: &[Vec<u8>]) -> Result<Bucket<'a>, BoltError> {
    let refs: Vec<&[u8]> = names.iter().map(|n| n.as_slice()).collect();
    db.bucket(&refs)
}

pub fn run(cmd: BoltCommand, out: &mut dyn Write) -> Result<ExitCode> {
    match cmd {
        BoltCommand::Info { file, write_out } => with_db(&file, |db| {
            let choice = db.meta_choice();
            match write_out {
                Format::Text => writeln!(out, "Page Size: {}", db.page_size())?,
                Format::Json => {
                    let meta = |m: &Result<_, etcdsnap_bbolt::MetaError>| match m {
                        Ok(m) => json!(m),
                        Err(e) => json!({ "error": e.to_string() }),
                    };
                    let v = json!({
                        "page_size": db.page_size(),
                        "meta": choice.meta,
                        "meta0": meta(&choice.meta0),
                        "meta1": meta(&choice.meta1),
                        "page_size_probed": choice.page_size_probed,
                        "file_size": db.file().len(),
                        "file_pages": db.file_pages(),
                        "sha256_trailer": db.trailer().is_some(),
                    });
                    crate::output::write_json(out, &v)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Buckets {
            file,
            format,
            write_out,
        } => with_db(&file, |db| {
            let mut names = Vec::new();
            for e in db.root_bucket().iter(db) {
                let e = e?;
                if e.is_bucket() {
                    names.push(e.key);
                }
            }
            print_list(out, &names, format, write_out)?;
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Keys {
            file,
            buckets,
            format,
            write_out,
        } => with_db(&file, |db| {
            let names: Vec<Vec<u8>> = buckets.iter().map(|b| arg_bytes(b)).collect();
            let b = bucket_at(db, &names)?;
            let mut keys = Vec::new();
            for e in b.iter(db) {
                keys.push(e?.key);
            }
            print_list(out, &keys, format, write_out)?;
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Get {
            file,
            path,
            format,
            write_out,
        } => with_db(&file, |db| {
            let mut names: Vec<Vec<u8>> = path.iter().map(|b| arg_bytes(b)).collect();
            let key = names.pop().unwrap_or_default();
            let b = bucket_at(db, &names)?;
            let e = match b.get(db, &key)? {
                Some(e) if !e.is_bucket() => e,
                // bbolt's own words for a missing key (a sub-bucket is not a value).
                _ => bail!(
                    "Error key not found for key: {} hex: \"{}\"",
                    crate::output::go_quote_or_hex(&key),
                    crate::output::hex(&key)
                ),
            };
            match write_out {
                Format::Text => {
                    out.write_all(&show(e.value, format))?;
                    writeln!(out)?;
                }
                Format::Json => {
                    serde_json::to_writer(
                        &mut *out,
                        &json!({"key": json_bytes(e.key), "value": json_bytes(e.value)}),
                    )?;
                    writeln!(out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Pages { file, write_out } => with_db(&file, |db| {
            let rows = stats::pages(db)?;
            match write_out {
                Format::Json => {
                    crate::output::write_json(out, &rows)?;
                }
                Format::Text => {
                    writeln!(out, "ID       TYPE       ITEMS  OVRFLW")?;
                    writeln!(out, "======== ========== ====== ======")?;
                    for r in rows {
                        let c = r.count.map(|c| c.to_string()).unwrap_or_default();
                        // bbolt leaves OVRFLW blank when it is 0.
                        let o = r
                            .overflow
                            .filter(|o| *o > 0)
                            .map(|c| c.to_string())
                            .unwrap_or_default();
                        writeln!(out, "{:<8} {:<10} {:<6} {:<6}", r.id, r.kind, c, o)?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Page {
            file,
            ids,
            format,
            write_out,
        } => with_db(&file, |db| {
            crate::bolt_page::print_pages(db, &ids, format, write_out, out)?;
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Stats {
            file,
            prefix,
            write_out,
        } => with_db(&file, |db| {
            let (n, s) = stats::aggregate(db, prefix.as_bytes())?;
            match write_out {
                Format::Json => {
                    // The aggregate bbolt prints, plus each top-level bucket
                    // and the file's free pages.
                    let mut per = Vec::new();
                    for e in db.root_bucket().iter(db) {
                        let e = e?;
                        if e.is_bucket() && e.key.starts_with(prefix.as_bytes()) {
                            let b = Bucket::from_value(db, etcdsnap_bbolt::PageId(0), e.value)?;
                            per.push(json!({
                                "name": json_bytes(e.key),
                                "inline": b.is_inline(),
                                "stats": stats::bucket_stats(db, &b)?,
                            }));
                        }
                    }
                    let free = stats::free_pages(db)?.len();
                    let v = json!({
                        "buckets": n,
                        "stats": s,
                        "per_bucket": per,
                        "page_size": db.page_size(),
                        "high_water_mark": db.hwm(),
                        "free_pages": free,
                        "freelist_synced": db.meta().freelist_synced(),
                    });
                    crate::output::write_json(out, &v)?;
                }
                Format::Text => print_stats(out, n, &s)?,
            }
            Ok(ExitCode::SUCCESS)
        }),
        BoltCommand::Dump {
            file,
            ids,
            write_out,
        } => with_db(&file, |db| {
            let ps = db.page_size();
            let mut pages = Vec::new();
            for (n, id) in ids.iter().enumerate() {
                if n > 0 && write_out == Format::Text {
                    writeln!(out, "{}", crate::bolt_page::SEPARATOR)?;
                }
                // One page exactly, overflow not followed (as bbolt does).
                let off = usize::try_from(*id).ok().and_then(|i| i.checked_mul(ps));
                let bytes = off.and_then(|o| db.data().get(o..o.checked_add(ps)?));
                let Some(bytes) = bytes else {
                    return Err(BoltError::corrupt(
                        etcdsnap_bbolt::PageId(*id),
                        id.saturating_mul(ps as u64),
                        format!(
                            "page lies beyond the end of the file ({} bytes)",
                            db.data().len()
                        ),
                    )
                    .into());
                };
                match write_out {
                    Format::Text => crate::bolt_page::hexdump(out, id * ps as u64, bytes)?,
                    Format::Json => pages.push(json!({
                        "id": id,
                        "offset": id * ps as u64,
                        "hex": crate::output::hex(bytes),
                    })),
                }
            }
            if write_out == Format::Json {
                crate::output::write_json(out, &pages)?;
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}

fn print_list(
    out: &mut dyn Write,
    items: &[&[u8]],
    format: BytesFormat,
    write_out: Format,
) -> Result<()> {
    match write_out {
        Format::Text => {
            for k in items {
                out.write_all(&show(k, format))?;
                writeln!(out)?;
            }
        }
        Format::Json => {
            let v: Vec<_> = items.iter().map(|k| json_bytes(k)).collect();
            crate::output::write_json(out, &v)?;
        }
    }
    Ok(())
}

/// Integer percentage as bbolt computes it (float32, truncated).
fn pct(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (part as f32 * 100.0 / whole as f32) as u64
    }
}

fn print_stats(out: &mut dyn Write, n: u64, s: &stats::BucketStats) -> Result<()> {
    writeln!(out, "Aggregate statistics for {n} buckets\n")?;
    writeln!(out, "Page count statistics")?;
    writeln!(out, "\tNumber of logical branch pages: {}", s.branch_page_n)?;
    writeln!(
        out,
        "\tNumber of physical branch overflow pages: {}",
        s.branch_overflow_n
    )?;
    writeln!(out, "\tNumber of logical leaf pages: {}", s.leaf_page_n)?;
    writeln!(
        out,
        "\tNumber of physical leaf overflow pages: {}",
        s.leaf_overflow_n
    )?;
    writeln!(out, "Tree statistics")?;
    writeln!(out, "\tNumber of keys/value pairs: {}", s.key_n)?;
    writeln!(out, "\tNumber of levels in B+tree: {}", s.depth)?;
    writeln!(out, "Page size utilization")?;
    writeln!(
        out,
        "\tBytes allocated for physical branch pages: {}",
        s.branch_alloc
    )?;
    writeln!(
        out,
        "\tBytes actually used for branch data: {} ({}%)",
        s.branch_inuse,
        pct(s.branch_inuse, s.branch_alloc)
    )?;
    writeln!(
        out,
        "\tBytes allocated for physical leaf pages: {}",
        s.leaf_alloc
    )?;
    writeln!(
        out,
        "\tBytes actually used for leaf data: {} ({}%)",
        s.leaf_inuse,
        pct(s.leaf_inuse, s.leaf_alloc)
    )?;
    writeln!(out, "Bucket statistics")?;
    writeln!(out, "\tTotal number of buckets: {}", s.bucket_n)?;
    writeln!(
        out,
        "\tTotal number on inlined buckets: {} ({}%)",
        s.inline_bucket_n,
        pct(s.inline_bucket_n, s.bucket_n)
    )?;
    writeln!(
        out,
        "\tBytes used for inlined buckets: {} ({}%)",
        s.inline_bucket_inuse,
        pct(s.inline_bucket_inuse, s.leaf_inuse)
    )?;
    Ok(())
}
