//! `etcdsnap verify`: the verification report rendered.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

use crate::cli::{problems, verdict};

/// Runs `etcdsnap verify`.
pub fn run(path: &Path, format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let file = crate::cli::open_for_scan(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let progress = crate::progress::Progress::start("verifying", file.bytes().len() as u64);
    let mut report = etcdsnap_verify::semantic::verify(&db)?;
    drop(progress);
    if path.is_dir() {
        let findings = etcdsnap_datadir::inspect(path)?;
        for w in &findings.warnings {
            eprintln!("etcdsnap: warning: {w}");
        }
        for p in findings.problems {
            report.push("data dir", p);
        }
    }
    match format {
        Format::Json => {
            crate::output::write_json(out, &report)?;
        }
        Format::Text => {
            let s = &report.summary;
            writeln!(out, "trailer:          {}", s.trailer)?;
            let revs = match s.first_revision {
                Some(f) => format!("{f}..{}", s.revision),
                None => "none".into(),
            };
            let compact = if s.compact_revision >= 0 {
                format!(" (compacted at {})", s.compact_revision)
            } else {
                String::new()
            };
            writeln!(out, "revisions:        {revs}{compact}")?;
            writeln!(
                out,
                "keys:             {} live, {} history entries ({} tombstones)",
                s.live_keys, s.history_entries, s.tombstones
            )?;
            writeln!(
                out,
                "leases:           {} ({} leased keys)",
                s.leases, s.leased_keys
            )?;
            writeln!(
                out,
                "auth:             {}; users [{}]; roles [{}]",
                if s.auth_enabled {
                    "enabled"
                } else {
                    "disabled"
                },
                s.users.join(", "),
                s.roles.join(", ")
            )?;
            writeln!(out, "members:          [{}]", s.members.join(", "))?;
            writeln!(
                out,
                "cluster version:  {}",
                s.cluster_version.as_deref().unwrap_or("-")
            )?;
            let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "consistent index: {}, term {}",
                opt(s.consistent_index),
                opt(s.term)
            )?;
            writeln!(
                out,
                "size:             file {} bytes, db {} bytes",
                s.file_size, s.db_size
            )?;
            for p in &report.problems {
                writeln!(out, "problem [{}]: {}", p.area, p.message)?;
            }
            if report.is_ok() {
                writeln!(out, "OK: restorable")?;
            } else {
                writeln!(out, "NOT OK: {}", problems(report.problems.len()))?;
            }
        }
    }
    Ok(verdict(report.is_ok()))
}
