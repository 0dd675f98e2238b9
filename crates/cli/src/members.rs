//! `etcdsnap members`: renders the membership a file or data dir records
//! (read by `etcdsnap_datadir::membership`), with the data dir's WAL and
//! `.snap` findings.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

/// Runs `etcdsnap members`.
pub fn run(path: &Path, format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    // The same resolution and messages as every command that reads a db.
    crate::paths::db_input(path)?;
    let ms = etcdsnap_datadir::membership::read(path)?;
    let findings = if path.is_dir() {
        etcdsnap_datadir::inspect(path)?
    } else {
        etcdsnap_datadir::Findings::default()
    };
    match format {
        Format::Json => crate::output::write_json(out, &ms)?,
        Format::Text => {
            writeln!(out, "source\tid\tname\tpeer URLs\tclient URLs\tstate")?;
            for m in &ms {
                let state = if m.removed {
                    "removed"
                } else if m.learner {
                    "learner"
                } else {
                    "voter"
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    m.source,
                    m.id,
                    m.name,
                    m.peer_urls.join(","),
                    m.client_urls.join(",")
                )?;
            }
        }
    }
    for w in &findings.warnings {
        eprintln!("etcdsnap: warning: {w}");
    }
    for p in &findings.problems {
        eprintln!("etcdsnap: {p}; the members above come from what is readable");
    }
    Ok(if findings.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
