//! `etcdsnap check`: the structural checker's report rendered.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

use crate::cli::{problems, verdict};

/// Runs `etcdsnap check`.
pub fn run(path: &Path, format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let file = crate::cli::open_for_scan(path)?;
    let progress = crate::progress::Progress::start("checking", file.bytes().len() as u64);
    let report = etcdsnap_bbolt::check::check(file.bytes());
    drop(progress);
    match format {
        Format::Json => {
            crate::output::write_json(out, &report)?;
        }
        Format::Text => {
            for p in &report.problems {
                writeln!(out, "{p}")?;
            }
            if report.is_clean() {
                writeln!(out, "OK")?;
            } else {
                writeln!(out, "{} found", problems(report.problems.len()))?;
            }
        }
    }
    // `check` is the structure only: say what it did not look at.
    if report.sha256_trailer {
        eprintln!(
            "etcdsnap: the bbolt structure was checked; the SHA-256 trailer (whether these are the \
             bytes that were saved) was not: `etcdsnap verify` checks it and etcd's invariants"
        );
    }
    Ok(verdict(report.is_clean()))
}
