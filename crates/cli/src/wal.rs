//! `etcdsnap wal`: a data dir's WAL rendered, with its damage.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

/// Runs `etcdsnap wal`.
pub fn run(
    data_dir: &Path,
    opts: etcdsnap_wal::dump::DumpOptions,
    write_out: Format,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let d = etcdsnap_wal::dump::dump(data_dir, &opts)?;
    for t in &d.unknown_entry_types {
        eprintln!("etcdsnap: warning: [{t}] is not a valid entry-type, ignored");
    }
    for b in &d.bad_snapshots {
        eprintln!("etcdsnap: snapshot {b}; an older one is used, as etcd does on start");
    }
    match write_out {
        Format::Json => crate::output::write_json(out, &d)?,
        Format::Text => out.write_all(
            etcdsnap_wal::dump::render_text(&d, opts.start_index.is_some()).as_bytes(),
        )?,
    }
    match &d.damage {
        Some(dmg) if dmg.torn => {
            eprintln!(
                "etcdsnap: warning: torn last write in {} at offset {} (the last record was cut by a crash; etcd repairs this on start): {}",
                dmg.file, dmg.offset, dmg.message
            );
            Ok(if d.bad_snapshots.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(dmg) => {
            eprintln!(
                "etcdsnap: WAL damaged in {} at offset {}: {}; {} entries before it are shown",
                dmg.file,
                dmg.offset,
                dmg.message,
                d.entries.len()
            );
            Ok(ExitCode::from(1))
        }
        None if d.bad_snapshots.is_empty() => Ok(ExitCode::SUCCESS),
        None => Ok(ExitCode::from(1)),
    }
}
