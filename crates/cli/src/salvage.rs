//! `etcdsnap salvage`: the salvage report rendered.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

/// Runs `etcdsnap salvage`.
pub fn run(input: &Path, to: &Path, write_out: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let input = &crate::paths::db_input(input)?;
    let size = std::fs::metadata(input).map_or(0, |m| m.len());
    let progress = crate::progress::Progress::start("salvaging", size);
    let r = etcdsnap_salvage::salvage(input, to)?;
    drop(progress);
    match write_out {
        Format::Json => crate::output::write_json(out, &r)?,
        Format::Text => {
            writeln!(out, "salvaged into {} ({} bytes)", r.out.display(), r.size)?;
            writeln!(
                out,
                "scanned {} pages of {} bytes: {} key leaves",
                r.pages, r.page_size, r.key_leaves
            )?;
            let range = r
                .revision_range
                .map_or("none".to_string(), |(a, b)| format!("{a}..{b}"));
            writeln!(
                out,
                "recovered {} revisions of {} keys (revisions {range}); {} left out by etcd's compaction rule",
                r.revisions, r.keys, r.compacted_away
            )?;
            writeln!(out, "input trailer: {}", r.trailer)?;
            writeln!(out, "buckets copied: {}", r.buckets_copied.join(", "))?;
            for l in &r.buckets_lost {
                writeln!(out, "bucket lost: {l}")?;
            }
            for (a, b) in &r.unreadable_pages {
                writeln!(out, "unreadable leaf pages: {a}..{b}")?;
            }
            for k in &r.revisions_rejected {
                writeln!(out, "damaged revision left out: {k}")?;
            }
        }
    }
    // Salvage writes what it read even from changed bytes (that is its
    // job), but never as if they were the backup that was saved.
    if let Some(why) = &r.contents_changed {
        eprintln!("etcdsnap: {}: {why}", input.display());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
