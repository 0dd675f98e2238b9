//! `etcdsnap snapshot ...`: etcdutl-compatible snapshot commands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use etcdsnap_bbolt::Db;
use etcdsnap_verify::status::{self, StatusOptions};
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
        /// Do not verify the SHA-256 trailer (it is one sequential pass over
        /// the whole file, the slowest part of the command).
        #[arg(long)]
        skip_hash_check: bool,
    },
    /// Save a stopped (or killed) member's latest state as a snapshot file
    /// (compact, with the SHA-256 trailer etcdutl restore checks), offline:
    /// the committed WAL entries the db lacks are replayed into it as etcd
    /// would on restart (--no-wal: the db as it is).
    Save {
        /// The member's data dir (or --data-dir), then the snapshot file
        /// to write (must not exist).
        #[arg(num_args = 1..=2, value_names = ["DATA_DIR", "OUT"], required = true)]
        paths: Vec<PathBuf>,
        /// The member's data dir, as etcdutl names it.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Accept a db whose snapshot trailer no longer matches (a
        /// snapshot copied in and changed since); refused otherwise.
        #[arg(long)]
        skip_hash_check: bool,
        /// Save the db as it is, without the committed WAL entries it lacks.
        #[arg(long)]
        no_wal: bool,
        /// Output format of the summary.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: crate::output::Format,
    },
    /// Restore a snapshot into a new data dir that etcd starts from, as
    /// `etcdutl snapshot restore` 3.5 does (same flags and defaults; the
    /// WAL and .snap files are byte-identical to etcdutl's, the db has the
    /// same content hash and is written compactly). With --etcd-version
    /// 3.6 or 3.7, or a snapshot whose storage version says so, the layout
    /// of that release's etcdutl (from its source; docs/etcd-compat.md).
    ///
    /// The output is built beside the target and renamed into place, so a
    /// failure leaves nothing behind; the snapshot is only read.
    Restore {
        /// The snapshot file (or, with --skip-hash-check, a stopped
        /// member's member/snap/db).
        file: PathBuf,
        /// Path to the output data directory [default: <name>.etcd].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Path to the WAL directory [default: <data-dir>/member/wal].
        #[arg(long)]
        wal_dir: Option<PathBuf>,
        /// Human-readable name for this member.
        #[arg(long, default_value = "default")]
        name: String,
        /// Initial cluster configuration for restore bootstrap.
        #[arg(long, default_value = "default=http://localhost:2380")]
        initial_cluster: String,
        /// Initial cluster token for the etcd cluster during restore bootstrap.
        #[arg(long, default_value = "etcd-cluster")]
        initial_cluster_token: String,
        /// List of this member's peer URLs to advertise to the rest of the cluster.
        #[arg(long, default_value = "http://localhost:2380")]
        initial_advertise_peer_urls: String,
        /// Ignore snapshot integrity hash value (required if copied from data directory).
        #[arg(long)]
        skip_hash_check: bool,
        /// How much to increase the latest revision after restore.
        #[arg(long, default_value_t = 0)]
        bump_revision: u64,
        /// Mark the latest revision after restore as the point of scheduled
        /// compaction (required if --bump-revision > 0, disallowed otherwise).
        #[arg(long)]
        mark_compacted: bool,
        /// Initial memory map size of the database in bytes (etcdutl's
        /// flag). Accepted for compatibility: it sets how far etcd maps and
        /// grows the file, not what it holds, and etcdsnap writes the db
        /// compactly whatever it says.
        #[arg(long, value_name = "BYTES")]
        initial_memory_map_size: Option<u64>,
        /// Output format of the summary.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: crate::output::Format,
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

pub fn run(
    cmd: SnapshotCommand,
    release: crate::cli::ReleaseFlags,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    match cmd {
        SnapshotCommand::Save {
            paths,
            data_dir,
            skip_hash_check,
            no_wal,
            write_out,
        } => {
            let (data_dir, path) = match (data_dir, &paths[..]) {
                (Some(d), [out]) => (d, out.clone()),
                (None, [d, out]) => (d.clone(), out.clone()),
                (Some(_), _) => anyhow::bail!(crate::paths::Usage(
                    "snapshot save --data-dir DIR takes the output file alone".into()
                )),
                (None, _) => anyhow::bail!(crate::paths::Usage(
                    "snapshot save needs a data dir and an output file: snapshot save DATA_DIR OUT"
                        .into()
                )),
            };
            let data_dir = crate::paths::data_dir(Some(data_dir))?;
            let s = etcdsnap_restore::save::save(&etcdsnap_restore::save::SaveConfig {
                data_dir,
                out: path,
                no_wal,
                skip_hash_check,
                etcd_version: release.chosen(),
            })?;
            if let Some(r) = &s.replayed {
                eprintln!(
                    "etcdsnap: replayed {} committed WAL entries (index {}..={}) past the db's consistent index; revision {} -> {}",
                    r.entries,
                    r.from_index + 1,
                    r.to_index,
                    r.revisions.0,
                    r.revisions.1
                );
            }
            for w in &s.warnings {
                eprintln!("etcdsnap: warning: {w}");
            }
            if s.entries_left_out > 0 {
                eprintln!(
                    "etcdsnap: warning: {} committed WAL entries past consistent index {} left out (--no-wal)",
                    s.entries_left_out, s.consistent_index
                );
            }
            match write_out {
                crate::output::Format::Json => crate::output::write_json(out, &s)?,
                crate::output::Format::Text => writeln!(
                    out,
                    "Snapshot saved at {} ({} bytes, sha256 {}, consistent index {})",
                    s.out.display(),
                    s.size,
                    s.sha256,
                    s.consistent_index
                )?,
            }
            Ok(ExitCode::SUCCESS)
        }
        SnapshotCommand::Restore {
            file,
            data_dir,
            wal_dir,
            name,
            initial_cluster,
            initial_cluster_token,
            initial_advertise_peer_urls,
            skip_hash_check,
            bump_revision,
            mark_compacted,
            initial_memory_map_size: _,
            write_out,
        } => {
            let cfg = etcdsnap_restore::RestoreConfig {
                snapshot: crate::paths::db_input(&file)?,
                data_dir,
                wal_dir,
                cluster: etcdsnap_restore::ClusterConfig {
                    name,
                    initial_cluster,
                    initial_cluster_token,
                    initial_advertise_peer_urls,
                },
                skip_hash_check,
                bump_revision,
                mark_compacted,
                etcd_version: release.chosen(),
            };
            let size = std::fs::metadata(&cfg.snapshot).map_or(0, |m| m.len());
            let progress = crate::progress::Progress::start("restoring", size);
            let s = etcdsnap_restore::restore(&cfg)?;
            drop(progress);
            eprintln!("etcdsnap: {}", s.etcd_version_note);
            match write_out {
                crate::output::Format::Json => crate::output::write_json(out, &s)?,
                crate::output::Format::Text => {
                    writeln!(
                        out,
                        "restored {} into {}",
                        cfg.snapshot.display(),
                        s.data_dir.display()
                    )?;
                    writeln!(out, "wal dir:     {}", s.wal_dir.display())?;
                    writeln!(out, "hash check:  {}", s.hash_check)?;
                    writeln!(out, "cluster id:  {}", s.cluster_id)?;
                    writeln!(out, "member id:   {}", s.member_id)?;
                    for m in &s.members {
                        writeln!(
                            out,
                            "member:      {} {} {}",
                            m.id,
                            m.name,
                            m.peer_urls.join(",")
                        )?;
                    }
                    writeln!(out, "revision:    {}", s.latest_revision)?;
                    if let Some(b) = s.bumped_revision {
                        writeln!(out, "bumped to:   {b} (marked compacted)")?;
                    }
                    writeln!(out, "db size:     {} (source {})", s.db_size, s.source_size)?;
                    if s.auth_enabled {
                        writeln!(
                            out,
                            "auth:        enabled, users {}: clients need --user from the start (etcdctl --user NAME)",
                            s.users.join(", ")
                        )?;
                    } else {
                        writeln!(out, "auth:        disabled")?;
                    }
                    writeln!(
                        out,
                        "start with:  {} --listen-client-urls URLS --advertise-client-urls URLS",
                        s.etcd_command
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SnapshotCommand::Status {
            file,
            write_out,
            skip_hash_check,
        } => {
            let mapped = open_for_scan(&file)?;
            let db = Db::open(mapped.bytes())?;
            for w in db.meta_choice().warnings() {
                eprintln!("etcdsnap: warning: {w}");
            }
            let (version, style) = release.resolve(&db);
            let opts = StatusOptions { version };
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
            let trailer = trailer.map_err(|e| {
                anyhow::anyhow!(
                    "{e}: the contents changed after the snapshot was saved; `etcdsnap verify` \
                     says what else is wrong, `etcdsnap salvage` recovers what reads (and says it \
                     cannot tell which values changed), --skip-hash-check reports the status of \
                     the changed contents"
                )
            })?;
            match trailer {
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
            out.write_all(status::render_in(&st, write_out.into(), style).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
