//! `etcdsnap k8s summary`: the Kubernetes summary rendered as tables with
//! a header row, column widths from the data and human-readable sizes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use etcdsnap_k8s::Tally;
use etcdsnap_verify::humanize;

use crate::output::Format;

/// "1 object", "2 objects".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes `rows` under `header`, each column as wide as its widest cell;
/// numbers and sizes right-aligned, names left-aligned.
fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> Result<()> {
        let mut s = String::from(" ");
        for ((c, w), h) in cells.iter().zip(&widths).zip(header) {
            let pad = w.saturating_sub(c.chars().count());
            s.push(' ');
            if !matches!(*h, "OBJECTS" | "SIZE" | "REVISIONS") {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
            s.push(' ');
        }
        writeln!(out, "{}", s.trim_end())?;
        Ok(())
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(out, &head)?;
    for r in rows {
        line(out, r)?;
    }
    Ok(())
}

fn tally_rows(m: &BTreeMap<String, Tally>, churn: bool) -> Vec<Vec<String>> {
    let mut rows: Vec<_> = m.iter().collect();
    rows.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then_with(|| a.0.cmp(b.0)));
    rows.into_iter()
        .map(|(k, t)| {
            let name = if k.is_empty() {
                "(cluster)"
            } else {
                k.as_str()
            };
            let mut r = vec![
                name.to_string(),
                t.objects.to_string(),
                humanize::bytes(t.bytes),
            ];
            if churn {
                r.push(t.revisions.to_string());
            }
            r
        })
        .collect()
}

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
                "revision {}: {}, {} ({}); {}",
                s.revision,
                count(s.objects, "object", "objects"),
                humanize::bytes(s.bytes),
                count(s.bytes, "byte", "bytes"),
                count(s.other_keys, "other key", "other keys"),
            )?;
            writeln!(out)?;
            table(
                out,
                &["RESOURCE", "OBJECTS", "SIZE", "REVISIONS"],
                &tally_rows(&s.by_resource, true),
            )?;
            writeln!(out)?;
            table(
                out,
                &["NAMESPACE", "OBJECTS", "SIZE"],
                &tally_rows(&s.by_namespace, false),
            )?;
            writeln!(out)?;
            table(
                out,
                &["ENCODING", "OBJECTS", "SIZE"],
                &tally_rows(&s.by_encoding, false),
            )?;
            writeln!(out)?;
            let largest: Vec<Vec<String>> = s
                .largest
                .iter()
                .map(|l| vec![l.key.clone(), humanize::bytes(l.bytes), l.kind.clone()])
                .collect();
            table(out, &["LARGEST OBJECT", "SIZE", "KIND"], &largest)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_fit_their_widest_cell() {
        let mut out = Vec::new();
        table(
            &mut out,
            &["RESOURCE", "OBJECTS"],
            &[
                vec!["apiregistration.k8s.io/apiservices".into(), "12".into()],
                vec!["pods".into(), "1".into()],
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "  RESOURCE                            OBJECTS\n  apiregistration.k8s.io/apiservices       12\n  pods                                      1\n"
        );
        assert_eq!(count(1, "object", "objects"), "1 object");
        assert_eq!(count(2, "object", "objects"), "2 objects");
    }
}
