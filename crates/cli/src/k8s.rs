//! `etcdsnap k8s summary`: the Kubernetes summary rendered.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::Format;

/// Runs `etcdsnap k8s summary`.
pub fn summary(
    path: &Path,
    top: usize,
    write_out: Format,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let file = crate::cli::open_for_scan(path)?;
    let db = etcdsnap_bbolt::Db::open(file.bytes())?;
    let progress = crate::progress::Progress::start("summarising", db.file().len() as u64);
    let s = etcdsnap_k8s::summary(&db, top)?;
    drop(progress);
    match write_out {
        Format::Json => crate::output::write_json(out, &s)?,
        Format::Text => {
            writeln!(
                out,
                "revision {}: {} objects, {} bytes ({} other keys)",
                s.revision, s.objects, s.bytes, s.other_keys
            )?;
            let table = |out: &mut dyn Write,
                         title: &str,
                         m: &std::collections::BTreeMap<String, etcdsnap_k8s::Tally>,
                         churn: bool|
             -> Result<()> {
                writeln!(out, "\n{title}")?;
                let mut rows: Vec<_> = m.iter().collect();
                rows.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then_with(|| a.0.cmp(b.0)));
                for (k, t) in rows {
                    let name = if k.is_empty() {
                        "(cluster)"
                    } else {
                        k.as_str()
                    };
                    if churn {
                        writeln!(
                            out,
                            "  {name:<40} {:>8} objects {:>12} bytes {:>8} revisions",
                            t.objects, t.bytes, t.revisions
                        )?;
                    } else {
                        writeln!(
                            out,
                            "  {name:<40} {:>8} objects {:>12} bytes",
                            t.objects, t.bytes
                        )?;
                    }
                }
                Ok(())
            };
            table(out, "by resource", &s.by_resource, true)?;
            table(out, "by namespace", &s.by_namespace, false)?;
            table(out, "by encoding", &s.by_encoding, false)?;
            writeln!(out, "\nlargest")?;
            for l in &s.largest {
                writeln!(out, "  {:>12} {} {}", l.bytes, l.key, l.kind)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
