//! `etcdsnap snapshot ...`: etcdutl-compatible snapshot commands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use etcdsnap_bbolt::Db;
use etcdsnap_verify::status::{self, EtcdVersion, StatusOptions};
use etcdsnap_verify::trailer::{self, Trailer};

use crate::cli::open_for_scan;

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Hash, revision, key count and size of a snapshot or db file, printed
    /// exactly as `etcdutl snapshot status` prints them.
    ///
    /// A SHA-256 trailer, when present, is verified too (stderr says so; a
    /// mismatch is exit 1).
    Status {
        /// The snapshot file (or a member's member/snap/db).
        file: PathBuf,
        /// Output format, as etcdutl's -w.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t = StatusFormat::Simple)]
        write_out: StatusFormat,
        /// Follow this etcd release's semantics (3.6: live keys only, and
        /// the storage version).
        #[arg(long, value_enum, default_value_t = Release::V3_5)]
        etcd_version: Release,
        /// Do not verify the SHA-256 trailer (it is one sequential pass over
        /// the whole file, the slowest part of the command).
        #[arg(long)]
        skip_hash_check: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Simple,
    Json,
    Table,
    Fields,
}

impl From<StatusFormat> for status::Format {
    fn from(f: StatusFormat) -> Self {
        match f {
            StatusFormat::Simple => Self::Simple,
            StatusFormat::Json => Self::Json,
            StatusFormat::Table => Self::Table,
            StatusFormat::Fields => Self::Fields,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Release {
    /// etcdutl 3.5 (and etcdctl 3.4): the default.
    #[value(name = "3.5", alias = "3.4")]
    V3_5,
    /// etcdutl 3.6.
    #[value(name = "3.6")]
    V3_6,
}

pub fn run(cmd: SnapshotCommand, out: &mut dyn Write) -> Result<ExitCode> {
    match cmd {
        SnapshotCommand::Status {
            file,
            write_out,
            etcd_version,
            skip_hash_check,
        } => {
            let mapped = open_for_scan(&file)?;
            let db = Db::open(mapped.bytes())?;
            for w in db.meta_choice().warnings() {
                eprintln!("etcdsnap: warning: {w}");
            }
            let opts = StatusOptions {
                version: match etcd_version {
                    Release::V3_5 => EtcdVersion::V3_5,
                    Release::V3_6 => EtcdVersion::V3_6,
                },
            };
            let progress = crate::progress::Progress::start("reading", mapped.bytes().len() as u64);
            // The trailer, the structure check and the status pass are
            // independent reads of the same mapping: run them side by side.
            let (trailer, checked) = rayon::join(
                || (!skip_hash_check).then(|| trailer::verify(&db)).transpose(),
                || status::checked_status(&db, &opts),
            );
            drop(progress);
            let (warnings, st) = checked?;
            for w in &warnings.0 {
                eprintln!("etcdsnap: warning: {w}");
            }
            match trailer? {
                Some(Trailer::Valid { sha256 }) => {
                    eprintln!("etcdsnap: SHA-256 trailer verified ({sha256})")
                }
                Some(Trailer::Absent) => eprintln!(
                    "etcdsnap: no SHA-256 trailer (a raw db file, not made by snapshot save)"
                ),
                None if db.trailer().is_some() => {
                    eprintln!("etcdsnap: SHA-256 trailer not verified (--skip-hash-check)")
                }
                None => {}
            }
            out.write_all(status::render(&st, write_out.into()).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
