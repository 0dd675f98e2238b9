//! Command-line definition and dispatch.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use etcdsnap_bbolt::MappedFile;
use etcdsnap_verify::hashkv;

use crate::bolt::{self, BoltCommand};
use crate::extract::Source;
use crate::output::Format;
use crate::snapshot::{self, SnapshotCommand, StatusFormat};

/// Offline tools for etcd's files: check, inspect and verify bbolt
/// databases and snapshots with no etcd running. Input files are only ever
/// read.
#[derive(Debug, Parser)]
#[command(name = "etcdsnap", version, about, long_about = None)]
pub struct Cli {
    /// Answer as this etcd release: X.Y is the newest patch of 3.Y this
    /// build knows (3.4.45, 3.5.30, 3.6.14, 3.7.1), X.Y.Z the rules in
    /// force at that patch. Default: the newest patch of the minor that
    /// wrote the data (the db's storage version, else its cluster version,
    /// else 3.5); stderr says which. `snapshot status`, `hashkv`,
    /// `snapshot restore` (the layout written, never below 3.5), `verify`
    /// and WAL replay follow the release's rules (docs/etcd-compat.md).
    #[arg(long, global = true, value_name = "X.Y[.Z]")]
    etcd_version: Option<etcdsnap_schema::EtcdVersion>,
    /// How to draw `-w table`: ascii (`+---+`, etcd up to 3.6) or box
    /// (box-drawing characters, etcd 3.7 and Debian's etcd 3.5.30
    /// packages). Default: as upstream builds of the chosen release.
    #[arg(long, global = true, value_enum)]
    table_style: Option<TableStyle>,
    #[command(subcommand)]
    command: Command,
}

/// `--table-style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableStyle {
    /// `+---+` rules and `|` bars.
    Ascii,
    /// Box-drawing characters.
    Box,
}

/// The release flags, resolved per command against the data it reads.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseFlags {
    version: Option<etcdsnap_schema::EtcdVersion>,
    table_style: Option<TableStyle>,
}

impl ReleaseFlags {
    /// The release given with `--etcd-version`, if any.
    pub fn chosen(&self) -> Option<etcdsnap_schema::EtcdVersion> {
        self.version
    }

    /// The release to answer as for `db` (`--etcd-version`, else what the
    /// db says), with its note and any warnings on stderr; and the table
    /// style.
    pub fn resolve(
        &self,
        db: &etcdsnap_bbolt::Db<'_>,
    ) -> (
        etcdsnap_schema::EtcdVersion,
        etcdsnap_schema::release::TableStyle,
    ) {
        use etcdsnap_schema::release::{self, Choice};
        let choice = match self.version {
            Some(v) => Choice::chosen(v),
            // A db too damaged to say is read as the default; the command
            // itself then reports the damage where it meets it.
            None => release::detect(db).unwrap_or_else(|e| Choice {
                warnings: vec![format!("the db's etcd version could not be read ({e})")],
                ..Choice::default()
            }),
        };
        for w in &choice.warnings {
            eprintln!("etcdsnap: warning: {w}");
        }
        eprintln!("etcdsnap: {}", choice.note());
        let style = match self.table_style {
            Some(TableStyle::Ascii) => release::TableStyle::Ascii,
            Some(TableStyle::Box) => release::TableStyle::Box,
            None => choice.version.table_style(),
        };
        (choice.version, style)
    }
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
    /// Is this backup restorable? Checks the SHA-256 trailer, the bbolt
    /// structure and etcd's invariants over every bucket, and summarises
    /// what it holds. Exit status: 0 restorable, 1 problems, 2 could not run.
    Verify {
        /// A snapshot file, a db file, or a member's data dir.
        path: PathBuf,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Defragment a stopped member's db offline, as `etcdutl defrag
    /// --data-dir` does: rewritten compactly beside itself and renamed into
    /// place; the contents (and the status hash) stay the same.
    Defrag {
        /// The data dir (holding member/snap/db).
        #[arg(required_unless_present = "data_dir", conflicts_with = "data_dir")]
        dir: Option<PathBuf>,
        /// The data dir, as etcdutl names it.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Accept a db whose snapshot trailer no longer matches (a
        /// snapshot copied in and changed since); refused otherwise.
        #[arg(long)]
        skip_hash_check: bool,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// What a data dir's WAL holds, as `etcd-dump-logs` shows it: the
    /// newest snapshot, the WAL metadata and hard state, then every entry
    /// after the snapshot with its request decoded. A damaged WAL is
    /// reported with file and offset (exit 1) after every entry before the
    /// damage; a torn last write is only a warning.
    Wal {
        /// The data dir (holding member/wal and member/snap).
        data_dir: PathBuf,
        /// Dump the entries after this index instead of after the snapshot.
        #[arg(long)]
        start_index: Option<u64>,
        /// Stop after this index.
        #[arg(long)]
        end_index: Option<u64>,
        /// Entry types to show, comma separated: ConfigChange, Normal,
        /// Request, InternalRaftRequest, IRRRange, IRRPut, IRRDeleteRange,
        /// IRRTxn, IRRCompaction, IRRLeaseGrant, IRRLeaseRevoke,
        /// IRRLeaseCheckpoint.
        #[arg(long, default_value = "Normal,ConfigChange")]
        entry_type: String,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Keys as etcd serves them (`etcdctl get`), read from a snapshot or a
    /// stopped member's data dir: one key or a prefix, at the head or at
    /// an older revision (etcd's errors for compacted and future ones).
    Get {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// A data dir is read at its latest state: the db with the
        /// committed WAL entries it lacks replayed, as etcd replays them on
        /// restart. --no-wal reads the db alone.
        #[arg(long)]
        no_wal: bool,
        /// The key (or prefix).
        key: String,
        /// All keys with this prefix.
        #[arg(long)]
        prefix: bool,
        /// Revision to read at; 0 means the head.
        #[arg(long, default_value_t = 0)]
        rev: i64,
        /// Keys only.
        #[arg(long)]
        keys_only: bool,
        /// Print the values of Kubernetes Secrets (hidden by default).
        #[arg(long)]
        show_secrets: bool,
        /// Output format, as etcdctl's -w.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: crate::extract::GetFormat,
    },
    /// Every live key (under a prefix) at a revision, one JSON object per
    /// line: key and value as text (or `key_base64`/`value_base64`),
    /// create and mod revision, version, lease.
    Dump {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// A data dir is read at its latest state: the db with the
        /// committed WAL entries it lacks replayed, as etcd replays them on
        /// restart. --no-wal reads the db alone.
        #[arg(long)]
        no_wal: bool,
        /// Only keys with this prefix.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Revision to read at; 0 means the head.
        #[arg(long, default_value_t = 0)]
        rev: i64,
        /// Keys only.
        #[arg(long)]
        keys_only: bool,
        /// Print the values of Kubernetes Secrets (hidden by default).
        #[arg(long)]
        show_secrets: bool,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: crate::extract::LinesFormat,
    },
    /// Every stored revision of a key (or prefix), deletes included, oldest
    /// first: what compaction left.
    History {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// A data dir is read at its latest state: the db with the
        /// committed WAL entries it lacks replayed, as etcd replays them on
        /// restart. --no-wal reads the db alone.
        #[arg(long)]
        no_wal: bool,
        /// The key (or prefix).
        key: String,
        /// All keys with this prefix.
        #[arg(long)]
        prefix: bool,
        /// Keys and revisions only, no values.
        #[arg(long)]
        keys_only: bool,
        /// Print the values of Kubernetes Secrets (hidden by default).
        #[arg(long)]
        show_secrets: bool,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: crate::extract::LinesFormat,
    },
    /// Live keys of two snapshots or data dirs compared at their heads:
    /// added, removed and changed keys with their revisions (a summary on
    /// stderr).
    Diff {
        /// The first snapshot, db file or data dir.
        a: PathBuf,
        /// The second.
        b: PathBuf,
        /// Data dirs are read at their latest state: the db with the
        /// committed WAL entries it lacks replayed, as etcd replays them on
        /// restart. --no-wal reads the dbs alone.
        #[arg(long)]
        no_wal: bool,
        /// Only keys with this prefix.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: crate::extract::LinesFormat,
    },
    /// The membership recorded in a snapshot or data dir, from every place
    /// etcd keeps it: the db's members buckets, the newest .snap and the
    /// WAL's conf changes (one line per member per source).
    Members {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Recover what a damaged database still holds: every intact key
    /// revision, found by scanning all pages independently of the tree, and
    /// the other buckets whose trees still read, written as a new snapshot
    /// (with the SHA-256 trailer) that restores; says what was lost.
    Salvage {
        /// The damaged file, or a data dir.
        input: PathBuf,
        /// The snapshot to write (must not exist).
        out: PathBuf,
        /// Output format of the report.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Kubernetes views of a snapshot or data dir.
    #[command(subcommand)]
    K8s(K8sCommand),
    /// The HashKV hash etcd's maintenance API returns for this data
    /// (`etcdctl endpoint hashkv`), computed offline.
    Hashkv {
        /// The snapshot or db file.
        file: PathBuf,
        /// Revision to hash at; 0 means the head.
        #[arg(long, default_value_t = 0)]
        rev: i64,
        /// Output format, as etcdutl 3.6's hashkv prints it.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t = StatusFormat::Simple)]
        write_out: StatusFormat,
    },
    /// etcdutl's `restore`, `status` and `save` are `snapshot restore`,
    /// `snapshot status` and `snapshot save` here.
    #[command(name = "restore", hide = true, aliases = ["status", "save"])]
    EtcdutlWords {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish,
    /// powershell) to stdout, e.g. `etcdsnap completions bash >
    /// /etc/bash_completion.d/etcdsnap`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the etcdsnap(1) man page (roff) to stdout, or, given a
    /// directory, write it there with one page per subcommand
    /// (etcdsnap-snapshot-status.1, ...), e.g. `etcdsnap man
    /// /usr/local/share/man/man1`.
    Man {
        /// Where to write every page; stdout gets etcdsnap.1 alone
        /// without it.
        dir: Option<PathBuf>,
    },
}

/// `etcdsnap k8s ...`.
#[derive(Debug, Subcommand)]
pub enum K8sCommand {
    /// What the API server stored: objects and bytes by resource, namespace
    /// and encoding (JSON, protobuf, encrypted with provider and key name),
    /// the largest objects, and revision churn per resource. Payloads are
    /// never printed.
    Summary {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// How many of the largest objects to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Output format.
        #[arg(short = 'w', long = "write-out", value_enum, default_value_t)]
        write_out: Format,
    },
    /// Objects as the API server returns them, chosen as `kubectl get`
    /// chooses them: `TYPE[,TYPE] [NAME ...]` or `TYPE/NAME ...` (plural,
    /// singular, short names, kinds, `deployments.apps`; custom resources
    /// from the CRDs in the data), in the default namespace unless -n or
    /// -A. Values are decrypted with --encryption-config; Secrets' values
    /// are hidden unless --show-secrets.
    Get {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// TYPE[,TYPE] [NAME ...] or TYPE/NAME ...; none: every object.
        args: Vec<String>,
        #[command(flatten)]
        scope: crate::k8s::ScopeArgs,
        /// Objects deleted whose last version is still stored (the
        /// apiserver compacts every 5 minutes by default, so this is the
        /// window a backup or a dead member holds).
        #[arg(long)]
        deleted: bool,
        /// Print Secrets' data, stringData and last-applied annotation.
        #[arg(long)]
        show_secrets: bool,
        #[command(flatten)]
        read: crate::k8s::ReadArgs,
        /// Output format (-w is accepted too).
        #[arg(
            short = 'o',
            long = "output",
            visible_alias = "write-out",
            short_alias = 'w',
            value_enum
        )]
        output: Option<crate::k8s::GetOutput>,
    },
    /// Every stored version of one object (what compaction left), oldest
    /// first: a table of revisions, event types, generations and changed
    /// fields, or (-o json) a List of watch events.
    History {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// TYPE/NAME, as kubectl names one object.
        object: String,
        /// The namespace (ignored for cluster-scoped types).
        #[arg(short = 'n', long, default_value = "default")]
        namespace: String,
        /// Print Secrets' values.
        #[arg(long)]
        show_secrets: bool,
        #[command(flatten)]
        read: crate::k8s::ReadArgs,
        /// Output format (-w is accepted too).
        #[arg(
            short = 'o',
            long = "output",
            visible_alias = "write-out",
            short_alias = 'w',
            value_enum
        )]
        output: Option<crate::k8s::HistoryOutput>,
    },
    /// Manifests ready for `kubectl apply`: one YAML file per object under
    /// OUT_DIR/<namespace or _cluster>/<plural[.group]>/<name>.yaml, with
    /// what the old cluster assigned removed (resourceVersion, uid,
    /// managedFields, status, cluster IPs, ...). Objects a controller
    /// owns, Events, Endpoints and EndpointSlices, service-account tokens
    /// and kube-root-ca.crt are skipped (--no-skip exports them), Secrets
    /// unless --show-secrets; every skip is listed. OUT_DIR must be absent
    /// or empty; it is written beside and renamed into place.
    Export {
        /// A snapshot or db file, or a data dir.
        path: PathBuf,
        /// [TYPE ...] OUT_DIR: the types to export (none: all), then the
        /// directory.
        #[arg(required = true, num_args = 1..)]
        rest: Vec<String>,
        #[command(flatten)]
        scope: crate::k8s::ScopeArgs,
        /// Keep each object's status.
        #[arg(long)]
        keep_status: bool,
        /// Export what is skipped by default (still stripped).
        #[arg(long)]
        no_skip: bool,
        /// Export Secrets, their values in clear.
        #[arg(long)]
        show_secrets: bool,
        #[command(flatten)]
        read: crate::k8s::ReadArgs,
    },
    /// Objects added, removed and changed between two snapshots or data
    /// dirs (resourceVersion and managedFields times ignored unless
    /// --all-fields); exit 0 whether or not they differ.
    Diff {
        /// The first snapshot, db or data dir.
        a: PathBuf,
        /// The second.
        b: PathBuf,
        /// Only these types (kubectl names).
        types: Vec<String>,
        /// The namespace (ignored for cluster-scoped types).
        #[arg(short = 'n', long, conflicts_with = "all_namespaces")]
        namespace: Option<String>,
        /// Every namespace (the default when no -n is given).
        #[arg(short = 'A', long)]
        all_namespaces: bool,
        /// Compare resourceVersion and managedFields times too.
        #[arg(long)]
        all_fields: bool,
        #[command(flatten)]
        read: crate::k8s::ReadArgs,
        /// Output format (-w is accepted too): text, or one JSON line per object.
        #[arg(
            short = 'o',
            long = "output",
            visible_alias = "write-out",
            short_alias = 'w',
            value_enum
        )]
        output: Option<crate::k8s::DiffOutput>,
    },
}

/// Runs the command; the exit code says how it went.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let release = ReleaseFlags {
        version: cli.etcd_version,
        table_style: cli.table_style,
    };
    match cli.command {
        Command::Check { file, write_out } => crate::check::run(&file, write_out, out),
        Command::EtcdutlWords { .. } => {
            let word = std::env::args().nth(1).unwrap_or_else(|| "restore".into());
            anyhow::bail!(crate::paths::Usage(format!(
                "unrecognized subcommand '{word}': etcdutl's `{word}` is `etcdsnap snapshot {word}` \
                 (see `etcdsnap snapshot --help`)"
            )))
        }
        Command::Completions { shell } => {
            // Generated into memory: the generator panics on a write error
            // (a closed pipe), which must not reach the user.
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "etcdsnap", &mut script);
            out.write_all(&script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir } => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match dir {
                None => clap_mangen::Man::new(cmd).render(out)?,
                Some(dir) => {
                    clap_mangen::generate_to(cmd, &dir)
                        .map_err(|e| anyhow::Error::new(e).context(dir.display().to_string()))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bolt(cmd) => bolt::run(cmd, out),
        Command::Snapshot(cmd) => snapshot::run(cmd, release, out),
        Command::Verify { path, write_out } => crate::verify::run(&path, write_out, release, out),
        Command::Get {
            path,
            no_wal,
            key,
            prefix,
            rev,
            keys_only,
            show_secrets,
            write_out,
        } => crate::extract::get(
            &Source::new(path, no_wal),
            key.as_bytes(),
            prefix,
            rev,
            crate::extract::Show {
                keys_only,
                secrets: show_secrets,
            },
            write_out,
            out,
        ),
        Command::Dump {
            path,
            no_wal,
            prefix,
            rev,
            keys_only,
            show_secrets,
            write_out,
        } => crate::extract::dump(
            &Source::new(path, no_wal),
            prefix.as_bytes(),
            rev,
            keys_only,
            show_secrets,
            write_out,
            out,
        ),
        Command::History {
            path,
            no_wal,
            key,
            prefix,
            keys_only,
            show_secrets,
            write_out,
        } => crate::extract::history(
            &Source::new(path, no_wal),
            key.as_bytes(),
            prefix,
            crate::extract::Show {
                keys_only,
                secrets: show_secrets,
            },
            write_out,
            out,
        ),
        Command::Diff {
            a,
            b,
            no_wal,
            prefix,
            write_out,
        } => crate::extract::diff(
            &Source::new(a, no_wal),
            &Source::new(b, no_wal),
            prefix.as_bytes(),
            write_out,
            out,
        ),
        Command::K8s(K8sCommand::Summary {
            path,
            top,
            write_out,
        }) => crate::k8s::summary(&path, top, write_out, out),
        Command::K8s(K8sCommand::History {
            path,
            object,
            namespace,
            show_secrets,
            read,
            output,
        }) => crate::k8s::history(
            &crate::extract::Source::new(path, read.no_wal),
            &crate::k8s::HistoryArgs {
                read,
                object,
                namespace,
                show_secrets,
                output,
            },
            out,
        ),
        Command::K8s(K8sCommand::Export {
            path,
            mut rest,
            scope,
            keep_status,
            no_skip,
            show_secrets,
            read,
        }) => {
            let out_dir = PathBuf::from(rest.pop().unwrap_or_default());
            crate::k8s::export(
                &crate::extract::Source::new(path, read.no_wal),
                &crate::k8s::ExportArgs {
                    read,
                    types: rest,
                    out_dir,
                    namespace: scope.namespace(),
                    selector: scope.selector,
                    rev: scope.rev,
                    options: etcdsnap_k8s::export::ExportOptions {
                        keep_status,
                        no_skip,
                        secrets: show_secrets,
                    },
                },
                out,
            )
        }
        Command::K8s(K8sCommand::Diff {
            a,
            b,
            types,
            namespace,
            all_namespaces: _,
            all_fields,
            read,
            output,
        }) => crate::k8s::diff(
            &crate::extract::Source::new(a, read.no_wal),
            &crate::extract::Source::new(b, read.no_wal),
            &crate::k8s::DiffArgs {
                read,
                types,
                namespace,
                all_fields,
                output,
            },
            out,
        ),
        Command::K8s(K8sCommand::Get {
            path,
            args,
            scope,
            deleted,
            show_secrets,
            read,
            output,
        }) => crate::k8s::get(
            &crate::extract::Source::new(path, read.no_wal),
            &crate::k8s::GetArgs {
                read,
                args,
                namespace: scope.namespace(),
                selector: scope.selector,
                rev: scope.rev,
                deleted,
                show_secrets,
                output,
            },
            out,
        ),
        Command::Salvage {
            input,
            out: to,
            write_out,
        } => crate::salvage::run(&input, &to, write_out, out),
        Command::Members { path, write_out } => crate::members::run(&path, write_out, out),
        Command::Wal {
            data_dir,
            start_index,
            end_index,
            entry_type,
            write_out,
        } => crate::wal::run(
            &crate::paths::wal_data_dir(&data_dir)?,
            etcdsnap_wal::dump::DumpOptions {
                start_index,
                end_index,
                entry_types: entry_type,
            },
            write_out,
            out,
        ),
        Command::Defrag {
            dir,
            data_dir,
            skip_hash_check,
            write_out,
        } => {
            let data_dir = crate::paths::data_dir(dir.or(data_dir))?;
            let size =
                std::fs::metadata(etcdsnap_datadir::db_file(&data_dir)).map_or(0, |m| m.len());
            let progress = crate::progress::Progress::start("defragmenting", size);
            let s = etcdsnap_restore::defrag::defrag(&data_dir, skip_hash_check)?;
            drop(progress);
            match write_out {
                Format::Json => crate::output::write_json(out, &s)?,
                Format::Text => writeln!(
                    out,
                    "defragmented {}: {} -> {} bytes",
                    s.db.display(),
                    s.size_before,
                    s.size_after
                )?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Hashkv {
            file,
            rev,
            write_out,
        } => {
            let mapped = open_for_scan(&file)?;
            let db = etcdsnap_bbolt::Db::open(mapped.bytes())?;
            let (version, style) = release.resolve(&db);
            let progress = crate::progress::Progress::start("hashing", mapped.bytes().len() as u64);
            let h = hashkv::hashkv_as(&db, rev, version)?;
            drop(progress);
            out.write_all(hashkv::render_in(&h, write_out.into(), style).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Maps the file read-only, for point lookups.
/// A data dir means its `member/snap/db` (see [`crate::paths::db_input`]).
pub fn open(path: &std::path::Path) -> Result<MappedFile> {
    warn_unlocked(MappedFile::open(crate::paths::db_input(path)?)?)
}

/// Maps the file read-only, for commands that read all of it.
/// A data dir means its `member/snap/db` (see [`crate::paths::db_input`]).
pub fn open_for_scan(path: &std::path::Path) -> Result<MappedFile> {
    warn_unlocked(MappedFile::open_for_scan(crate::paths::db_input(path)?)?)
}

/// Says on stderr when a file system could not lock the file.
fn warn_unlocked(file: MappedFile) -> Result<MappedFile> {
    if let Some(w) = file.lock_warning() {
        eprintln!("etcdsnap: warning: {w}");
    }
    Ok(file)
}

/// "1 problem", "2 problems".
pub fn problems(n: usize) -> String {
    format!("{n} {}", if n == 1 { "problem" } else { "problems" })
}

/// Exit status 0 when all is well, 1 when problems were found.
pub fn verdict(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
