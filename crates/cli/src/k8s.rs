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

/// `k8s get` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetOutput {
    /// One object, or a List, indented as kubectl prints it.
    Json,
    /// One compact JSON object per line, streamed.
    Jsonl,
    /// `kind.group/name`, as `kubectl get -o name`.
    Name,
}

/// What `k8s get` was asked.
#[derive(Debug)]
pub struct GetArgs {
    pub args: Vec<String>,
    /// None: every namespace.
    pub namespace: Option<String>,
    pub selector: Option<String>,
    pub rev: i64,
    pub deleted: bool,
    pub encryption_config: Option<std::path::PathBuf>,
    pub show_secrets: bool,
    pub etcd_prefix: String,
    pub output: Option<GetOutput>,
}

/// Runs `etcdsnap k8s get`.
pub fn get(src: &crate::extract::Source, a: &GetArgs, out: &mut dyn Write) -> Result<ExitCode> {
    use etcdsnap_k8s::get::{self as kget, Namespace, Query};
    use serde_json::Value;

    let usage = |m: String| anyhow::Error::new(crate::paths::Usage(m));
    let selector = etcdsnap_k8s::selector::Selector::parse(a.selector.as_deref().unwrap_or(""))
        .map_err(|e| usage(e.to_string()))?;
    let config = match &a.encryption_config {
        Some(p) => Some(
            etcdsnap_k8s::encryption::EncryptionConfig::load(p)
                .map_err(|e| usage(e.to_string()))?,
        ),
        None => None,
    };
    let mut prefix = a.etcd_prefix.trim_end_matches('/').as_bytes().to_vec();
    prefix.push(b'/');
    let opened = crate::extract::open(src)?;
    let db = etcdsnap_bbolt::Db::open(opened.bytes())?;
    let decode = |key: &[u8], plain: &[u8]| etcdsnap_k8s::decode_stored(key, plain);
    let known = kget::known_types(&db, &prefix, &decode)?;
    let (types, names) = kget::parse_args(&a.args, &known).map_err(|e| usage(e.to_string()))?;
    let single = names.len() == 1;
    let query = Query {
        types: types.clone(),
        names,
        namespace: a.namespace.clone().map_or(Namespace::All, Namespace::Only),
        selector,
        deleted: a.deleted,
    };
    let mut problems = 0usize;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    let known_ref = &known;
    let mut emit = |mut f: kget::Found| -> std::io::Result<()> {
        if !a.show_secrets {
            kget::hide_secret_values(&mut f.object);
        }
        match a.output {
            None => rows.push(table_row(&f)),
            Some(GetOutput::Jsonl) => {
                serde_json::to_writer(&mut *out, &f.object)?;
                writeln!(out)?;
            }
            Some(GetOutput::Name) => writeln!(out, "{}", name_of(&f.object, known_ref))?,
            Some(GetOutput::Json) => items.push(f.object),
        }
        Ok(())
    };
    let mut problem = |p: kget::Problem| {
        problems += 1;
        eprintln!("etcdsnap: {}: {}", p.key, p.why);
    };
    let (read, missing) = kget::get(
        &db,
        &prefix,
        a.rev,
        &query,
        config.as_ref(),
        &decode,
        &mut emit,
        &mut problem,
    )
    .map_err(|e| match e {
        kget::GetError::Read(e) => anyhow::Error::new(e),
        kget::GetError::Write(e) => anyhow::Error::new(e),
    })?;
    match a.output {
        None => {
            if rows.is_empty() && missing.is_empty() {
                match &a.namespace {
                    Some(ns) => eprintln!("No resources found in {ns} namespace."),
                    None => eprintln!("No resources found"),
                }
            } else if !rows.is_empty() {
                kubectl_table(
                    out,
                    &[
                        "NAMESPACE",
                        "NAME",
                        "APIVERSION",
                        "KIND",
                        "REVISION",
                        "CREATED",
                    ],
                    &rows,
                )?;
            }
        }
        Some(GetOutput::Json) => {
            let doc = if single && items.len() == 1 {
                items.pop().unwrap_or_default()
            } else {
                let mut list = serde_json::Map::new();
                list.insert("apiVersion".into(), "v1".into());
                list.insert("items".into(), Value::Array(items));
                list.insert("kind".into(), "List".into());
                list.insert(
                    "metadata".into(),
                    serde_json::json!({"resourceVersion": read.revision.to_string()}),
                );
                Value::Object(list)
            };
            write_indented(out, &doc)?;
        }
        _ => {}
    }
    for name in &missing {
        problems += 1;
        let what = types
            .as_ref()
            .and_then(|t| t.first())
            .map_or_else(|| "objects".to_string(), |t| t.qualified_plural());
        eprintln!("Error from server (NotFound): {what} {name:?} not found");
    }
    Ok(if problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Columns as kubectl lays them out: left-aligned, three spaces apart.
fn kubectl_table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for r in std::iter::once(&head).chain(rows) {
        let mut line = String::new();
        for (c, w) in r.iter().zip(&widths) {
            line.push_str(c);
            line.push_str(&" ".repeat(w.saturating_sub(c.chars().count()) + 3));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// JSON indented by four spaces, as kubectl prints it.
fn write_indented(out: &mut dyn Write, v: &serde_json::Value) -> Result<()> {
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, fmt);
    serde::Serialize::serialize(v, &mut ser)?;
    writeln!(out)?;
    Ok(())
}

/// A table row: NAMESPACE, NAME, APIVERSION, KIND, REVISION, CREATED.
fn table_row(f: &etcdsnap_k8s::get::Found) -> Vec<String> {
    let s = |p: &str| {
        f.object
            .pointer(p)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    vec![
        s("/metadata/namespace"),
        s("/metadata/name"),
        s("/apiVersion"),
        s("/kind"),
        f.revision.to_string(),
        s("/metadata/creationTimestamp"),
    ]
}

/// `kind.group/name` (`deployment.apps/web`, `pod/x`).
fn name_of(v: &serde_json::Value, known: &[etcdsnap_k8s::resources::ResourceType]) -> String {
    let api = v.get("apiVersion").and_then(|x| x.as_str()).unwrap_or("");
    let kind = v.get("kind").and_then(|x| x.as_str()).unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let name = v
        .pointer("/metadata/name")
        .and_then(|x| x.as_str())
        .unwrap_or("");
    let prefix = known
        .iter()
        .find(|t| t.kind == kind && t.group == group)
        .map_or_else(
            || {
                let k = kind.to_ascii_lowercase();
                if group.is_empty() {
                    k
                } else {
                    format!("{k}.{group}")
                }
            },
            |t| t.name_prefix(),
        );
    format!("{prefix}/{name}")
}
