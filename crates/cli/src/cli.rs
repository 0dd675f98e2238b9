//! Command-line definition and dispatch.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use etcdsnap_bbolt::{check, MappedFile};
use etcdsnap_verify::hashkv;

use crate::bolt::{self, BoltCommand};
use crate::output::Format;
use crate::snapshot::{self, SnapshotCommand};

/// Offline tools for etcd's files: check, inspect and verify bbolt
/// databases and snapshots with no etcd running. Input files are only ever
/// read.
#[derive(Debug, Parser)]
#[command(name = "etcdsnap", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the structure of a bbolt file (a snapshot or member/snap/db).
    ///
    /// Reports every problem found, with page id and byte offset.
    /// Exit status: 0 clean, 1 problems found, 2 could not run.
    Check {
        /// The database or snapshot file.
        file: PathBuf,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Inspect a bbolt file page by page (like the bbolt command).
    #[command(subcommand)]
    Bolt(BoltCommand),
    /// Snapshot commands compatible with etcdutl.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// The HashKV hash etcd's maintenance API returns for this data
    /// (`etcdctl endpoint hashkv`), computed offline.
    Hashkv {
        /// The snapshot or db file.
        file: PathBuf,
        /// Revision to hash at; 0 means the head.
        #[arg(long, default_value_t = 0)]
        rev: i64,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t = HashkvFormat::Simple)]
        write_out: HashkvFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum HashkvFormat {
    Simple,
    Json,
}

/// Runs the command; the exit code says how it went.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<ExitCode> {
    match cli.command {
        Command::Check { file, write_out } => run_check(&file, write_out, out),
        Command::Bolt(cmd) => bolt::run(cmd, out),
        Command::Snapshot(cmd) => snapshot::run(cmd, out),
        Command::Hashkv {
            file,
            rev,
            write_out,
        } => {
            let mapped = open_for_scan(&file)?;
            let db = etcdsnap_bbolt::Db::open(mapped.bytes())?;
            let h = hashkv::hashkv(&db, rev)?;
            match write_out {
                HashkvFormat::Json => {
                    serde_json::to_writer(&mut *out, &h)?;
                    writeln!(out)?;
                }
                HashkvFormat::Simple => writeln!(
                    out,
                    "{}, {}, {}",
                    h.hash, h.hash_revision, h.compact_revision
                )?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Maps the file read-only, for point lookups.
pub fn open(path: &std::path::Path) -> Result<MappedFile> {
    Ok(MappedFile::open(path)?)
}

/// Maps the file read-only, for commands that read all of it.
pub fn open_for_scan(path: &std::path::Path) -> Result<MappedFile> {
    Ok(MappedFile::open_for_scan(path)?)
}

fn run_check(path: &std::path::Path, format: Format, out: &mut dyn Write) -> Result<ExitCode> {
    let file = open_for_scan(path)?;
    let report = check::check(file.bytes());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
        Format::Text => {
            for p in &report.problems {
                writeln!(out, "{p}")?;
            }
            if report.is_clean() {
                writeln!(out, "OK")?;
            } else {
                let n = report.problems.len();
                writeln!(
                    out,
                    "{n} {} found",
                    if n == 1 { "problem" } else { "problems" }
                )?;
            }
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
