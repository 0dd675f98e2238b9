//! `etcdsnap k8s summary`: the Kubernetes summary rendered as tables with
//! a header row, column widths from the data and human-readable sizes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use etcdsnap_k8s::{Layout, Tally};
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
    /// One object, or a List, as kubectl's -o yaml prints it.
    Yaml,
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
    pub read: ReadArgs,
    pub show_secrets: bool,
    pub output: Option<GetOutput>,
}

/// Runs `etcdsnap k8s get`.
pub fn get(src: &crate::extract::Source, a: &GetArgs, out: &mut dyn Write) -> Result<ExitCode> {
    use etcdsnap_k8s::get::{self as kget, Namespace, Query};

    let usage = |m: String| anyhow::Error::new(crate::paths::Usage(m));
    let selector = etcdsnap_k8s::selector::Selector::parse(a.selector.as_deref().unwrap_or(""))
        .map_err(|e| usage(e.to_string()))?;
    let (config, prefix) = setup(&a.read)?;
    let opened = crate::extract::open(src)?;
    let db = etcdsnap_bbolt::Db::open(opened.bytes())?;
    let decode = decoder();
    // The custom resources' types (read from their CRDs, one more pass over
    // the keys) are needed to resolve TYPE arguments and to name objects.
    let known = if a.args.is_empty() && a.output != Some(GetOutput::Name) {
        etcdsnap_k8s::resources::built_in()
    } else {
        kget::known_types(&db, &prefix, decode)?
    };
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
    // -o json: a single object waits (a List is streamed); -o yaml: all wait.
    let mut held: Vec<kget::Found> = Vec::new();
    let mut listed = 0usize;
    let mut objects: Vec<serde_json::Value> = Vec::new();
    let known_ref = &known;
    // -o json: objects are decoded straight into kubectl's layout, at the
    // nesting they are printed at (a List's items, or the object itself).
    let layout = match a.output {
        Some(GetOutput::Json) => Layout::Indented {
            unit: "    ",
            level: if single { 0 } else { 2 },
        },
        _ => Layout::Compact,
    };
    let laid_out = move |key: &[u8], plain: &[u8], rev: i64| {
        etcdsnap_k8s::decode_stored_laid_out(key, plain, rev, layout)
    };
    // Runs on every core: everything an object's output needs but the
    // order.
    let prepare = |mut f: kget::Found| -> std::io::Result<Prepared> {
        let mut object = None;
        if !a.show_secrets && f.is_secret() {
            let mut v = f.object().map_err(std::io::Error::other)?;
            if kget::hide_secret_values(&mut v) {
                f.text = layout.apply(v.to_string());
            }
            object = Some(v);
        }
        Ok(match a.output {
            None => Prepared::Row(table_row(&f)),
            Some(GetOutput::Jsonl) => Prepared::Line(f.text),
            Some(GetOutput::Name) => Prepared::Line(name_of(f.head(), known_ref)),
            Some(GetOutput::Yaml) => Prepared::Object(match object {
                Some(v) => v,
                None => f.object().map_err(std::io::Error::other)?,
            }),
            Some(GetOutput::Json) if single => Prepared::Held(f),
            Some(GetOutput::Json) => Prepared::Item(f.text),
        })
    };
    let mut emit = |p: Prepared| -> std::io::Result<()> {
        match p {
            Prepared::Row(r) => rows.push(r),
            Prepared::Line(l) => writeln!(out, "{l}")?,
            Prepared::Object(v) => objects.push(v),
            Prepared::Held(f) => held.push(f),
            Prepared::Item(s) => {
                out.write_all(if listed == 0 {
                    b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        "
                } else {
                    b",\n        "
                })?;
                out.write_all(s.as_bytes())?;
                listed += 1;
            }
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
        &laid_out,
        &prepare,
        &mut emit,
        &mut problem,
    )
    .map_err(get_error)?;
    let rv = read.revision.to_string();
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
        Some(GetOutput::Json) if single && held.len() == 1 => {
            if let Some(f) = held.first() {
                writeln!(out, "{}", f.text)?;
            }
        }
        Some(GetOutput::Json) => {
            let mut s = String::new();
            if listed == 0 && held.is_empty() {
                s.push_str("{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n");
            } else {
                // A single name that matched more than once is a List too.
                for (i, f) in held.iter().enumerate() {
                    s.push_str(if i == 0 {
                        "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        "
                    } else {
                        ",\n        "
                    });
                    // Laid out for printing alone: again, as an item.
                    let item = Layout::Indented {
                        unit: "    ",
                        level: 2,
                    };
                    s.push_str(&etcdsnap_k8s::relayout(&f.text, item).unwrap_or_default());
                }
                s.push_str("\n    ],\n");
            }
            s.push_str(&format!(
                "    \"kind\": \"List\",\n    \"metadata\": {{\n        \"resourceVersion\": \"{rv}\"\n    }}\n}}\n"
            ));
            out.write_all(s.as_bytes())?;
        }
        Some(GetOutput::Yaml) => {
            let doc = if single && objects.len() == 1 {
                objects.pop().unwrap_or_default()
            } else {
                list_of(objects, &rv)
            };
            out.write_all(yaml(&doc)?.as_bytes())?;
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

/// kubectl's `-o yaml` text of `v`.
fn yaml(v: &serde_json::Value) -> Result<String> {
    etcdsnap_k8s::yaml::to_yaml(v).map_err(|e| anyhow::anyhow!("cannot be written as YAML: {e}"))
}

/// JSON indented by four spaces, as kubectl prints it.
fn write_indented(out: &mut dyn Write, v: &serde_json::Value) -> Result<()> {
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, fmt);
    serde::Serialize::serialize(v, &mut ser)?;
    writeln!(out)?;
    Ok(())
}

/// One object's output, made ready in parallel, written in key order.
enum Prepared {
    /// A table row.
    Row(Vec<String>),
    /// A line (`-o jsonl`, `-o name`).
    Line(String),
    /// An item of a `-o json` List, indented.
    Item(String),
    /// An object `-o json` prints alone if it is the only one.
    Held(etcdsnap_k8s::get::Found),
    /// An object for `-o yaml`.
    Object(serde_json::Value),
}

/// A table row: NAMESPACE, NAME, APIVERSION, KIND, REVISION, CREATED.
fn table_row(f: &etcdsnap_k8s::get::Found) -> Vec<String> {
    let h = f.head();
    vec![
        h.namespace.clone(),
        h.name.clone(),
        h.api_version.clone(),
        h.kind.clone(),
        f.revision.to_string(),
        h.creation_timestamp.clone(),
    ]
}

/// `kind.group/name` (`deployment.apps/web`, `pod/x`).
fn name_of(h: &etcdsnap_k8s::get::Head, known: &[etcdsnap_k8s::resources::ResourceType]) -> String {
    let prefix = etcdsnap_k8s::resources::type_of(known, h.group(), &h.kind).name_prefix();
    let name = h.name.as_str();
    format!("{prefix}/{name}")
}

/// How every k8s command reads the apiserver's data.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// The kube-apiserver's EncryptionConfiguration file, to decrypt
    /// values encrypted at rest.
    #[arg(long)]
    pub encryption_config: Option<std::path::PathBuf>,
    /// The apiserver's --etcd-prefix.
    #[arg(long, default_value = "/registry")]
    pub etcd_prefix: String,
    /// A data dir is read at its latest state (its WAL replayed);
    /// --no-wal reads the db alone.
    #[arg(long)]
    pub no_wal: bool,
}

/// Which objects `k8s get` and `k8s export` read: a namespace or all,
/// a label selector, a revision.
#[derive(Debug, clap::Args)]
pub struct ScopeArgs {
    /// The namespace (cluster-scoped types ignore it; `export` takes the
    /// Namespace object itself too).
    #[arg(short = 'n', long, conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Every namespace (`export`: and cluster-scoped objects).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// A label selector, as kubectl's -l (`app=web,tier!=db`, `env in (a,b)`).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Revision to read at; 0 means the head.
    #[arg(long, default_value_t = 0)]
    pub rev: i64,
}

impl ScopeArgs {
    /// The namespace to read (`default` unless given), or None for all.
    pub fn namespace(&self) -> Option<String> {
        match (&self.namespace, self.all_namespaces) {
            (_, true) => None,
            (Some(n), false) => Some(n.clone()),
            (None, false) => Some("default".into()),
        }
    }
}

/// The encryption keys (a bad file is a usage error) and the key prefix
/// (`--etcd-prefix` with one trailing `/`).
fn setup(read: &ReadArgs) -> Result<(Option<etcdsnap_k8s::encryption::EncryptionConfig>, Vec<u8>)> {
    let (encryption_config, etcd_prefix) = (read.encryption_config.as_deref(), &read.etcd_prefix);
    let config = match encryption_config {
        Some(p) => Some(
            etcdsnap_k8s::encryption::EncryptionConfig::load(p)
                .map_err(|e| anyhow::Error::new(crate::paths::Usage(e.to_string())))?,
        ),
        None => None,
    };
    let mut prefix = etcd_prefix.trim_end_matches('/').as_bytes().to_vec();
    prefix.push(b'/');
    Ok((config, prefix))
}

/// The object decoder every k8s command uses.
fn decoder() -> &'static etcdsnap_k8s::get::Decoder<'static> {
    &etcdsnap_k8s::decode_stored
}

fn get_error(e: etcdsnap_k8s::get::GetError) -> anyhow::Error {
    match e {
        etcdsnap_k8s::get::GetError::Read(e) => anyhow::Error::new(e),
        etcdsnap_k8s::get::GetError::Write(e) => anyhow::Error::new(e),
    }
}

/// `k8s history` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryOutput {
    /// A List of watch events.
    Json,
    /// The same List as YAML.
    Yaml,
    /// Unified diffs of the YAML between consecutive versions.
    Diff,
}

/// What `k8s history` was asked.
#[derive(Debug)]
pub struct HistoryArgs {
    pub object: String,
    pub namespace: String,
    pub read: ReadArgs,
    pub show_secrets: bool,
    pub output: Option<HistoryOutput>,
}

/// The CHANGED FIELDS cell of a history row.
fn changed_cell(prev: Option<&serde_json::Value>, v: &etcdsnap_k8s::history::Version) -> String {
    use etcdsnap_k8s::changes;
    match (prev, v.event) {
        (_, etcdsnap_k8s::history::EventType::Deleted) => "(deleted)".into(),
        (None, _) => "(first stored version)".into(),
        (Some(p), _) => {
            let (mut x, mut y) = (p.clone(), v.object.clone());
            changes::strip_volatile(&mut x);
            changes::strip_volatile(&mut y);
            let s = changes::summary(&changes::changes(&x, &y));
            if s.is_empty() {
                "(no change)".into()
            } else {
                s.join(", ")
            }
        }
    }
}

/// Runs `etcdsnap k8s history`.
pub fn history(
    src: &crate::extract::Source,
    a: &HistoryArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let usage = |m: String| anyhow::Error::new(crate::paths::Usage(m));
    let (config, prefix) = setup(&a.read)?;
    let (type_arg, name) = a
        .object
        .split_once('/')
        .ok_or_else(|| usage(format!("{:?}: expected TYPE/NAME", a.object)))?;
    let opened = crate::extract::open(src)?;
    let db = etcdsnap_bbolt::Db::open(opened.bytes())?;
    let decode = decoder();
    let known = etcdsnap_k8s::get::known_types(&db, &prefix, decode)?;
    let types =
        etcdsnap_k8s::resources::resolve(type_arg, &known).map_err(|e| usage(e.to_string()))?;
    let mut found = etcdsnap_k8s::history::history(
        &db,
        &prefix,
        &types,
        &a.namespace,
        name,
        config.as_ref(),
        decode,
    )?;
    let mut rc = ExitCode::SUCCESS;
    for h in &found {
        for (rev, why) in &h.unreadable {
            eprintln!("etcdsnap: {} at revision {rev}: {why}", h.key);
            rc = ExitCode::from(1);
        }
    }
    if found.is_empty() {
        let what = types
            .first()
            .map_or_else(String::new, |t| t.qualified_plural());
        eprintln!("Error from server (NotFound): {what} {name:?} not found (no stored version)");
        return Ok(ExitCode::from(1));
    }
    if !a.show_secrets {
        for v in found.iter_mut().flat_map(|h| h.versions.iter_mut()) {
            etcdsnap_k8s::get::hide_secret_values(&mut v.object);
        }
    }
    let events = || -> Vec<serde_json::Value> {
        found
            .iter()
            .flat_map(|h| &h.versions)
            .map(|v| serde_json::json!({"type": v.event, "object": v.object}))
            .collect()
    };
    match a.output {
        Some(HistoryOutput::Json) => write_indented(out, &list_of(events(), ""))?,
        Some(HistoryOutput::Yaml) => out.write_all(yaml(&list_of(events(), ""))?.as_bytes())?,
        Some(HistoryOutput::Diff) => {
            for h in &found {
                let mut prev: Option<(i64, String)> = None;
                for v in &h.versions {
                    let text = if v.event == etcdsnap_k8s::history::EventType::Deleted {
                        String::new()
                    } else {
                        yaml(&v.object)?
                    };
                    let (from_rev, from) = prev.take().unwrap_or((0, String::new()));
                    let d = similar::TextDiff::from_lines(&from, &text);
                    let header_a = if from_rev == 0 {
                        "/dev/null".to_string()
                    } else {
                        format!("{}@{from_rev}", h.key)
                    };
                    let header_b = if text.is_empty() {
                        "/dev/null".to_string()
                    } else {
                        format!("{}@{}", h.key, v.revision)
                    };
                    write!(
                        out,
                        "{}",
                        d.unified_diff()
                            .context_radius(3)
                            .header(&header_a, &header_b)
                    )?;
                    prev = Some((v.revision, text));
                }
            }
        }
        None => {
            let mut rows = Vec::new();
            for h in &found {
                let mut prev: Option<&serde_json::Value> = None;
                for v in &h.versions {
                    let generation = v
                        .object
                        .pointer("/metadata/generation")
                        .map_or_else(String::new, |g| g.to_string());
                    let event = serde_json::to_value(v.event)?
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    rows.push(vec![
                        v.revision.to_string(),
                        event,
                        generation,
                        changed_cell(prev, v),
                    ]);
                    prev = Some(&v.object);
                }
            }
            kubectl_table(
                out,
                &["REVISION", "TYPE", "GENERATION", "CHANGED FIELDS"],
                &rows,
            )?;
        }
    }
    Ok(rc)
}

/// kubectl's List wrapper.
fn list_of(items: Vec<serde_json::Value>, resource_version: &str) -> serde_json::Value {
    let mut list = serde_json::Map::new();
    list.insert("apiVersion".into(), "v1".into());
    list.insert("items".into(), serde_json::Value::Array(items));
    list.insert("kind".into(), "List".into());
    list.insert(
        "metadata".into(),
        serde_json::json!({ "resourceVersion": resource_version }),
    );
    serde_json::Value::Object(list)
}

/// `k8s diff` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffOutput {
    /// One JSON object per line: op, ref, changes.
    Json,
}

/// What `k8s diff` was asked.
#[derive(Debug)]
pub struct DiffArgs {
    pub types: Vec<String>,
    /// None: every namespace.
    pub namespace: Option<String>,
    pub all_fields: bool,
    pub read: ReadArgs,
    pub output: Option<DiffOutput>,
}

/// A text line of `k8s diff`.
fn diff_line(d: &etcdsnap_k8s::compare::ObjectDiff) -> String {
    let r = &d.reference;
    let op = serde_json::to_value(d.op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let at = if r.namespace.is_empty() {
        r.name.clone()
    } else {
        format!("{}/{}", r.namespace, r.name)
    };
    let fields = etcdsnap_k8s::changes::summary(&d.changes);
    let mut line = format!("{op:<8} {} {} {at}", r.api_version, r.kind);
    if !fields.is_empty() {
        line.push_str(": ");
        line.push_str(&fields.join(", "));
    }
    line
}

/// Runs `etcdsnap k8s diff`.
pub fn diff(
    a_src: &crate::extract::Source,
    b_src: &crate::extract::Source,
    a: &DiffArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    use etcdsnap_k8s::compare::DiffQuery;
    use etcdsnap_k8s::get::Namespace;
    let (config, prefix) = setup(&a.read)?;
    let (oa, ob) = (crate::extract::open(a_src)?, crate::extract::open(b_src)?);
    let (da, db) = (
        etcdsnap_bbolt::Db::open(oa.bytes())?,
        etcdsnap_bbolt::Db::open(ob.bytes())?,
    );
    let decode = decoder();
    let mut known = etcdsnap_k8s::get::known_types(&db, &prefix, decode)?;
    known.extend(etcdsnap_k8s::get::known_types(&da, &prefix, decode)?);
    let types = resolve_types(&a.types, &known)?;
    let q = DiffQuery {
        types,
        namespace: a.namespace.clone().map_or(Namespace::All, Namespace::Only),
        all_fields: a.all_fields,
    };
    let mut problems = 0usize;
    let mut emit = |d: etcdsnap_k8s::compare::ObjectDiff| -> std::io::Result<()> {
        match a.output {
            Some(DiffOutput::Json) => serde_json::to_writer(&mut *out, &d)?,
            None => write!(out, "{}", diff_line(&d))?,
        }
        writeln!(out)
    };
    let mut problem = |p: etcdsnap_k8s::get::Problem| {
        problems += 1;
        eprintln!("etcdsnap: {}: {}", p.key, p.why);
    };
    etcdsnap_k8s::compare::diff(
        &da,
        &db,
        &prefix,
        &q,
        config.as_ref(),
        decode,
        &mut emit,
        &mut problem,
    )
    .map_err(get_error)?;
    Ok(if problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What `k8s export` was asked.
#[derive(Debug)]
pub struct ExportArgs {
    pub types: Vec<String>,
    pub out_dir: std::path::PathBuf,
    /// None: every namespace and cluster-scoped objects.
    pub namespace: Option<String>,
    pub selector: Option<String>,
    pub rev: i64,
    pub options: etcdsnap_k8s::export::ExportOptions,
    pub read: ReadArgs,
}

/// Runs `etcdsnap k8s export`.
pub fn export(
    src: &crate::extract::Source,
    a: &ExportArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    use etcdsnap_k8s::export;
    use etcdsnap_k8s::get::{self as kget, Namespace, Query};
    let usage = |m: String| anyhow::Error::new(crate::paths::Usage(m));
    if let Some(why) = etcdsnap_restore::fsutil::why_not_free(&a.out_dir) {
        return Err(usage(format!(
            "{}: {why}; export writes a new directory: name one that does not exist or is empty",
            a.out_dir.display()
        )));
    }
    let selector = etcdsnap_k8s::selector::Selector::parse(a.selector.as_deref().unwrap_or(""))
        .map_err(|e| usage(e.to_string()))?;
    let (config, prefix) = setup(&a.read)?;
    let opened = crate::extract::open(src)?;
    let db = etcdsnap_bbolt::Db::open(opened.bytes())?;
    let decode = decoder();
    let known = kget::known_types(&db, &prefix, decode)?;
    let mut types = resolve_types(&a.types, &known)?;
    // -n NS exports the Namespace too.
    if let (Some(t), Some(_)) = (&mut types, &a.namespace) {
        t.extend(etcdsnap_k8s::resources::resolve("namespaces", &known).unwrap_or_default());
    }
    let query = Query {
        types,
        names: Vec::new(),
        namespace: a.namespace.clone().map_or(Namespace::All, Namespace::Only),
        selector,
        deleted: false,
    };
    let tmp = etcdsnap_restore::fsutil::TempDir::beside(&a.out_dir)?;
    let mut written = 0usize;
    let mut skipped: Vec<String> = Vec::new();
    let problems = std::cell::Cell::new(0usize);
    let mut failure: Option<anyhow::Error> = None;
    let known_ref = &known;
    let prepare =
        |f: kget::Found| -> std::io::Result<(kget::Found, Result<serde_json::Value, String>)> {
            let object = f.object();
            Ok((f, object))
        };
    let mut emit =
        |(f, object): (kget::Found, Result<serde_json::Value, String>)| -> std::io::Result<()> {
            let mut object = match object {
                Ok(v) => v,
                Err(why) => {
                    problems.set(problems.get() + 1);
                    eprintln!("etcdsnap: {}: {why}", f.key);
                    return Ok(());
                }
            };
            let ns = f.head().namespace.clone();
            let name = name_of(f.head(), known_ref);
            if let (Some(want), true) = (&a.namespace, ns.is_empty()) {
                // With -n, the only cluster-scoped object is the Namespace.
                let is_it = f.head().kind == "Namespace" && f.head().name == *want;
                if !is_it {
                    return Ok(());
                }
            }
            if let Some(why) = export::skip_reason(&object, a.options) {
                let at = if ns.is_empty() {
                    String::new()
                } else {
                    format!(" -n {ns}")
                };
                skipped.push(format!("{name}{at}: {why}"));
                return Ok(());
            }
            export::strip(&mut object, a.options);
            let Some(rel) = export::relative_path(&object, known_ref) else {
                problems.set(problems.get() + 1);
                eprintln!("etcdsnap: {}: no safe file name for {name}", f.key);
                return Ok(());
            };
            let text = match yaml(&object) {
                Ok(t) => t,
                Err(e) => {
                    problems.set(problems.get() + 1);
                    eprintln!("etcdsnap: {}: {e:#}", f.key);
                    return Ok(());
                }
            };
            let path = tmp.path().join(&rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            if let Err(e) = std::fs::write(&path, text) {
                failure = Some(anyhow::Error::new(e).context(path.display().to_string()));
                return Err(std::io::Error::other("export stopped"));
            }
            written += 1;
            Ok(())
        };
    let mut problem = |p: kget::Problem| {
        problems.set(problems.get() + 1);
        eprintln!("etcdsnap: {}: {}", p.key, p.why);
    };
    // A kind not decoded is an error here: its raw fields are no manifest.
    let strict = |key: &[u8], plain: &[u8], rev: i64| {
        decode(key, plain, rev).map_err(|f| kget::Failure {
            fallback: None,
            ..f
        })
    };
    let result = kget::get(
        &db,
        &prefix,
        a.rev,
        &query,
        config.as_ref(),
        &strict,
        &prepare,
        &mut emit,
        &mut problem,
    );
    if let Some(e) = failure {
        return Err(e);
    }
    result.map_err(get_error)?;
    etcdsnap_restore::fsutil::sync_tree(tmp.path())?;
    tmp.place(&a.out_dir)?;
    writeln!(
        out,
        "exported {written} objects to {}; skipped {}",
        a.out_dir.display(),
        skipped.len()
    )?;
    for s in &skipped {
        writeln!(out, "  skipped {s}")?;
    }
    Ok(if problems.get() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The types named by TYPE arguments (each may be a comma-separated
/// list); None when there are none (every type). An unknown one is a
/// usage error.
fn resolve_types(
    args: &[String],
    known: &[etcdsnap_k8s::resources::ResourceType],
) -> Result<Option<Vec<etcdsnap_k8s::resources::ResourceType>>> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut t = Vec::new();
    for arg in args.iter().flat_map(|s| s.split(',')) {
        t.extend(
            etcdsnap_k8s::resources::resolve(arg, known)
                .map_err(|e| anyhow::Error::new(crate::paths::Usage(e.to_string())))?,
        );
    }
    Ok(Some(t))
}
