//! `k8s get`: the objects under the API server's prefix at a revision,
//! chosen with kubectl's grammar (types, names, namespace, label
//! selector), decrypted and decoded, handed out one at a time so output
//! streams (memory grows with the number of keys, not with value sizes).
//!
//! The decoder is a parameter: this module picks keys, reads revisions,
//! decrypts and filters; turning plaintext into an object is the
//! decoder's business.
//!
//! Objects are read in batches: each batch is decrypted, decoded, filtered
//! and prepared for output on every core, then handed out in key order, so
//! memory holds one batch at a time.

use std::collections::{BTreeMap, BTreeSet};

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Kv, Selector as KeySelector};
use etcdsnap_schema::Error;
use rayon::prelude::*;
use serde_json::Value;

use crate::encryption::{self, EncryptionConfig};
use crate::resources::{self, ResourceType, UnknownType};
use crate::selector::Selector;

/// Turns a stored plaintext (after decryption) of the given key, written
/// at the given revision, into the JSON text of the object the API server
/// would return, or says why it cannot.
pub type Decoder<'d> = dyn Fn(&[u8], &[u8], i64) -> Result<String, Failure> + Sync + 'd;

/// Why a value could not be decoded, and what `get` may show instead (a
/// kind this build does not know, as its raw protobuf fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Why.
    pub why: String,
    /// JSON text to show in its place, with the reason as a warning.
    pub fallback: Option<String>,
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Failure {
            why,
            fallback: None,
        }
    }
}

impl From<Failure> for String {
    fn from(f: Failure) -> Self {
        f.why
    }
}

/// Objects decoded, filtered and prepared together before they are handed
/// out: enough to keep every core busy, few enough to keep memory small.
const BATCH: usize = 2048;

/// Decodes and parses: the object's text and its value.
pub(crate) fn decode_object(
    decode: &Decoder<'_>,
    key: &[u8],
    plain: &[u8],
    revision: i64,
) -> Result<(String, Value), String> {
    let text = decode(key, plain, revision)?;
    let value = serde_json::from_str(&text).map_err(|e| format!("decoded object: {e}"))?;
    Ok((text, value))
}

/// Which namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespace {
    /// Every namespace (`-A`).
    All,
    /// One namespace (`-n NS`, `default` without a flag); ignored for
    /// cluster-scoped types.
    Only(String),
}

/// What to list.
#[derive(Debug, Clone)]
pub struct Query {
    /// The types asked for; None means every object.
    pub types: Option<Vec<ResourceType>>,
    /// Names asked for (empty: every name).
    pub names: Vec<String>,
    /// The namespace.
    pub namespace: Namespace,
    /// The label selector.
    pub selector: Selector,
    /// Deleted objects (their last version) instead of live ones.
    pub deleted: bool,
}

/// One object found.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its etcd key.
    pub key: String,
    /// The revision of the version shown (for a deleted object: the
    /// revision of its deletion is in `deleted_at`).
    pub revision: i64,
    /// For `--deleted`: the revision that deleted it.
    pub deleted_at: Option<i64>,
    /// The object as the API server's JSON serializer writes it (compact;
    /// Go's field order), `metadata.resourceVersion` set to `revision`.
    pub text: String,
    /// What names and filters read of the object, read from `text` when
    /// first asked for (a query that chooses by type, namespace or name has
    /// read it already).
    head: std::sync::OnceLock<Head>,
}

impl Found {
    /// What names and filters read of the object (empty fields if `text`
    /// is not a JSON object).
    pub fn head(&self) -> &Head {
        self.head
            .get_or_init(|| Head::parse(&self.text).unwrap_or_default())
    }

    /// A Secret of the core group (its values are hidden unless asked
    /// for). The decoder writes `kind` unescaped, so an object whose text
    /// has no `"Secret"` is not one, and its head need not be read.
    pub fn is_secret(&self) -> bool {
        memchr::memmem::find(self.text.as_bytes(), b"\"Secret\"").is_some()
            && self.head().is_secret()
    }

    /// The decoded object as a value (parsed from `text` on each call).
    pub fn object(&self) -> Result<Value, String> {
        serde_json::from_str(&self.text).map_err(|e| format!("decoded object: {e}"))
    }
}

/// The fields of an object that choose it and name it: `apiVersion`,
/// `kind`, and `metadata`'s `name`, `namespace` and `creationTimestamp`,
/// each empty when absent or not a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.creationTimestamp`.
    pub creation_timestamp: String,
}

impl Head {
    /// Reads the fields from an object's JSON text without building the
    /// whole object (it is built only when the text holds something the
    /// quick reading does not take: a field that is not a string, say).
    pub fn parse(text: &str) -> Result<Head, String> {
        if let Some(head) = Scan::new(text).head() {
            return Ok(head);
        }
        if let Ok(head) = serde_json::from_str::<Head>(text) {
            return Ok(head);
        }
        let v: Value = serde_json::from_str(text).map_err(|e| format!("decoded object: {e}"))?;
        Ok(Head::of(&v))
    }

    /// The fields of a decoded object.
    pub fn of(v: &Value) -> Head {
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        Head {
            api_version: s("/apiVersion"),
            kind: s("/kind"),
            name: s("/metadata/name"),
            namespace: s("/metadata/namespace"),
            creation_timestamp: s("/metadata/creationTimestamp"),
        }
    }

    /// The API group (empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// A Secret of the core group.
    pub fn is_secret(&self) -> bool {
        self.group().is_empty() && self.kind == "Secret"
    }

    /// Whether `t` covers the object (as [`covers`]).
    pub fn covered_by(&self, t: &ResourceType) -> bool {
        covers_group_kind(t, self.group(), &self.kind)
    }
}

/// A quick reading of the head from the text the decoder wrote: members
/// are found by their quotes and brackets (strings skipped with a byte
/// search), the values of other members are not checked. Anything
/// unusual (a name with escapes, a wanted member that is not a string,
/// null or object) gives `None`, and the text is read by serde then.
struct Scan<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Scan<'t> {
    fn new(text: &'t str) -> Self {
        Scan { text, at: 0 }
    }

    fn peek(&mut self) -> Option<u8> {
        let b = self.text.as_bytes();
        while let Some(&c) = b.get(self.at) {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(c);
            }
            self.at += 1;
        }
        None
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// A string, quotes included, and whether it has escapes.
    fn string(&mut self) -> Option<(&'t str, bool)> {
        self.peek()?;
        let start = self.at;
        self.eat(b'"')?;
        let b = self.text.as_bytes();
        let mut escaped = false;
        loop {
            let at = memchr::memchr2(b'"', b'\\', b.get(self.at..)?)?;
            self.at += at + 1;
            if b.get(self.at - 1) == Some(&b'"') {
                return Some((self.text.get(start..self.at)?, escaped));
            }
            escaped = true;
            self.at += 1;
        }
    }

    /// A string's value, or "" for null.
    fn text_value(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' => {
                let (quoted, escaped) = self.string()?;
                if escaped {
                    serde_json::from_str(quoted).ok()
                } else {
                    Some(quoted.get(1..quoted.len() - 1)?.to_string())
                }
            }
            b'n' => {
                let rest = self.text.get(self.at..)?;
                rest.starts_with("null").then(|| {
                    self.at += 4;
                    String::new()
                })
            }
            _ => None,
        }
    }

    /// Any value, unchecked: to the comma or bracket that ends it.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' | b',' if depth == 0 => return Some(()),
                b'}' | b']' => {
                    depth -= 1;
                    self.at += 1;
                }
                _ => self.at += 1,
            }
        }
    }

    /// The members of an object, each name (without quotes) handed to
    /// `member` with the reader placed at its value, which `member` reads.
    fn object(&mut self, member: &mut dyn FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let (quoted, escaped) = self.string()?;
            if escaped {
                return None;
            }
            self.eat(b':')?;
            member(self, quoted.get(1..quoted.len() - 1)?)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn head(mut self) -> Option<Head> {
        let mut head = Head::default();
        // A member given twice counts once, the last time, as in a value.
        self.object(&mut |scan, name| {
            match name {
                "apiVersion" => head.api_version = scan.text_value()?,
                "kind" => head.kind = scan.text_value()?,
                "metadata" => {
                    let mut meta = Head::default();
                    if scan.peek()? == b'{' {
                        scan.object(&mut |scan, name| {
                            match name {
                                "name" => meta.name = scan.text_value()?,
                                "namespace" => meta.namespace = scan.text_value()?,
                                "creationTimestamp" => {
                                    meta.creation_timestamp = scan.text_value()?;
                                }
                                _ => scan.skip()?,
                            }
                            Some(())
                        })?;
                    } else {
                        scan.text_value().filter(String::is_empty)?;
                    }
                    head.name = meta.name;
                    head.namespace = meta.namespace;
                    head.creation_timestamp = meta.creation_timestamp;
                }
                _ => scan.skip()?,
            }
            Some(())
        })?;
        self.peek().is_none().then_some(head)
    }
}

/// A JSON object read for its head: the members named are taken (a string
/// or null), the others skipped; anything else (an array, a member of
/// another type) is an error, and the caller reads the whole value then.
impl<'de> serde::Deserialize<'de> for Head {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeadVisitor { top: true })
    }
}

struct HeadVisitor {
    /// The object itself, not its `metadata`.
    top: bool,
}

/// `metadata`, read into a [`Head`].
struct Meta(Head);

impl<'de> serde::Deserialize<'de> for Meta {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeadVisitor { top: false }).map(Meta)
    }
}

/// A member name, matched without allocating when it has no escapes.
struct Name<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Name<'de>, E> {
                Ok(Name(std::borrow::Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::de::Visitor<'de> for HeadVisitor {
    type Value = Head;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        use serde::de::IgnoredAny;
        let mut head = Head::default();
        // A member given twice counts once, the last time, as in a value.
        while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
            let slot = match (self.top, &*name) {
                (true, "apiVersion") => &mut head.api_version,
                (true, "kind") => &mut head.kind,
                (true, "metadata") => {
                    let m = map.next_value::<Option<Meta>>()?;
                    let m = m.map(|Meta(m)| m).unwrap_or_default();
                    head.name = m.name;
                    head.namespace = m.namespace;
                    head.creation_timestamp = m.creation_timestamp;
                    continue;
                }
                (false, "name") => &mut head.name,
                (false, "namespace") => &mut head.namespace,
                (false, "creationTimestamp") => &mut head.creation_timestamp,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value::<Option<String>>()?.unwrap_or_default();
        }
        Ok(head)
    }
}

/// An object that could not be shown.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Its etcd key.
    pub key: String,
    /// Why.
    pub why: String,
}

/// The revisions read.
#[derive(Debug, Clone, Copy)]
pub struct Read {
    /// The revision read at.
    pub revision: i64,
    /// etcd's head revision.
    pub head: i64,
    /// The compact revision (-1: never compacted).
    pub compact: i64,
}

/// Splits kubectl's positional arguments: `TYPE[,TYPE] [NAME ...]` or
/// `TYPE/NAME ...` (no argument: every type).
pub fn parse_args(
    args: &[String],
    known: &[ResourceType],
) -> Result<(Option<Vec<ResourceType>>, Vec<String>), UnknownType> {
    let Some(first) = args.first() else {
        return Ok((None, Vec::new()));
    };
    if first.contains('/') {
        let mut types = Vec::new();
        let mut names = Vec::new();
        for a in args {
            let (t, n) = a.split_once('/').ok_or_else(|| UnknownType(a.clone()))?;
            types.extend(resources::resolve(t, known)?);
            names.push(n.to_string());
        }
        types.dedup();
        return Ok((Some(types), names));
    }
    let mut types = Vec::new();
    for t in first.split(',').filter(|t| !t.is_empty()) {
        types.extend(resources::resolve(t, known)?);
    }
    Ok((Some(types), args.get(1..).unwrap_or_default().to_vec()))
}

/// Built-in types plus those the CustomResourceDefinitions under
/// `prefix` define (decoded with `decode`).
pub fn known_types(
    db: &Db<'_>,
    prefix: &[u8],
    decode: &Decoder<'_>,
) -> Result<Vec<ResourceType>, Error> {
    let mut known = resources::built_in();
    let mut crd_prefix = prefix.to_vec();
    crd_prefix.extend_from_slice(b"apiextensions.k8s.io/customresourcedefinitions/");
    let r = extract::range(
        db,
        &KeySelector {
            key: crd_prefix,
            prefix: true,
        },
        0,
    )?;
    for kv in r.kvs {
        if let Ok(plain) = encryption::decrypt(None, kv.key, kv.value) {
            if let Ok((_, v)) = decode_object(decode, kv.key, &plain, kv.mod_revision) {
                known.extend(resources::from_crd(&v));
            }
        }
    }
    Ok(known)
}

/// The group and kind of a decoded object.
pub(crate) fn group_kind(v: &Value) -> (&str, &str) {
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    (group, v.get("kind").and_then(Value::as_str).unwrap_or(""))
}

/// Whether `t` covers the object `v`. Events are one set of objects in
/// etcd whichever group's name asks for them.
pub(crate) fn covers(t: &ResourceType, v: &Value) -> bool {
    let (group, kind) = group_kind(v);
    covers_group_kind(t, group, kind)
}

fn covers_group_kind(t: &ResourceType, group: &str, kind: &str) -> bool {
    t.kind == kind
        && (t.group == group || (kind == "Event" && matches!(group, "" | "events.k8s.io")))
}

/// Lists what `query` asks for at `rev` (0: the head), turning each
/// object into output with `prepare` (on any core, in any order) and
/// calling `emit` on the results in key order, `problem` on each object
/// that cannot be shown. Returns the revisions read and the requested
/// names not found.
#[allow(clippy::too_many_arguments)]
pub fn get<R: Send>(
    db: &Db<'_>,
    prefix: &[u8],
    rev: i64,
    query: &Query,
    config: Option<&EncryptionConfig>,
    decode: &Decoder<'_>,
    prepare: &(dyn Fn(Found) -> std::io::Result<R> + Sync),
    emit: &mut dyn FnMut(R) -> std::io::Result<()>,
    problem: &mut dyn FnMut(Problem),
) -> Result<(Read, Vec<String>), GetError> {
    let sel = KeySelector {
        key: prefix.to_vec(),
        prefix: true,
    };
    let r = extract::range(db, &sel, rev)?;
    let read = Read {
        revision: r.revision,
        head: r.head,
        compact: r.compact,
    };
    // (kv shown, deleted at)
    let versions: Vec<(Kv<'_>, Option<i64>)> = if query.deleted {
        deleted_versions(db, &sel, r.revision)?
    } else {
        r.kvs.into_iter().map(|kv| (kv, None)).collect()
    };
    let names: BTreeSet<&str> = query.names.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    let names_ref = &names;
    let run = |batch: &[(Kv<'_>, Option<i64>)]| -> Vec<Step<R>> {
        batch
            .par_iter()
            .map(|(kv, deleted_at)| {
                step(
                    prefix,
                    query,
                    names_ref,
                    config,
                    decode,
                    prepare,
                    kv,
                    *deleted_at,
                )
            })
            .collect()
    };
    let mut show = |steps: Vec<Step<R>>| -> Result<(), GetError> {
        for s in steps {
            match s {
                Step::Skip => {}
                Step::Problem(p) => problem(p),
                Step::Show(name, r, warning) => {
                    if let Some(w) = warning {
                        problem(w);
                    }
                    if let Some(n) = names_ref.get(name.as_str()) {
                        seen.insert(*n);
                    }
                    emit(r?)?;
                }
            }
        }
        Ok(())
    };
    // Each batch is emitted here, in order, while the next one is decoded
    // on the pool's threads.
    std::thread::scope(|threads| -> Result<(), GetError> {
        let mut pending = None;
        for batch in versions.chunks(BATCH) {
            let next = threads.spawn(|| run(batch));
            if let Some(done) = pending.replace(next) {
                show(joined(done))?;
            }
        }
        if let Some(done) = pending {
            show(joined(done))?;
        }
        Ok(())
    })?;
    let missing = names
        .into_iter()
        .filter(|n| !seen.contains(n))
        .map(str::to_string)
        .collect();
    Ok((read, missing))
}

/// A batch's steps from the thread that made them (its panic carried on).
fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match h.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// What became of one key.
enum Step<R> {
    /// Not asked for.
    Skip,
    /// Asked for (or maybe), and unreadable.
    Problem(Problem),
    /// Shown: its name, its output, and what to warn of (shown as
    /// something other than the decoded object).
    Show(String, std::io::Result<R>, Option<Problem>),
}

/// Decrypts, decodes, filters and prepares one key's value.
#[allow(clippy::too_many_arguments)]
fn step<R>(
    prefix: &[u8],
    query: &Query,
    names: &BTreeSet<&str>,
    config: Option<&EncryptionConfig>,
    decode: &Decoder<'_>,
    prepare: &(dyn Fn(Found) -> std::io::Result<R> + Sync),
    kv: &Kv<'_>,
    deleted_at: Option<i64>,
) -> Step<R> {
    let key = || String::from_utf8_lossy(kv.key).into_owned();
    // The key names the object: skip by name before decoding.
    let res = || crate::resource_of_under(prefix, kv.key);
    if !names.is_empty()
        && !res()
            .as_ref()
            .is_some_and(|r| names.contains(r.name.as_str()))
    {
        return Step::Skip;
    }
    let unreadable = |why: String| {
        if type_may_match(query, res().as_ref()) {
            Step::Problem(Problem { key: key(), why })
        } else {
            Step::Skip
        }
    };
    let plain = match encryption::decrypt(config, kv.key, kv.value) {
        Ok(p) => p,
        Err(e) => return unreadable(e.to_string()),
    };
    let (text, warning) = match decode(kv.key, &plain, kv.mod_revision) {
        Ok(v) => (v, None),
        Err(Failure {
            why,
            fallback: Some(raw),
        }) if type_may_match(query, res().as_ref()) => (
            raw,
            Some(Problem {
                key: key(),
                why: format!("{why}; shown as its raw protobuf fields"),
            }),
        ),
        Err(f) => return unreadable(f.why),
    };
    let filtered =
        query.types.is_some() || matches!(query.namespace, Namespace::Only(_)) || !names.is_empty();
    let head = std::sync::OnceLock::new();
    if filtered {
        let h = match Head::parse(&text) {
            Ok(h) => h,
            Err(why) => return unreadable(why),
        };
        if let Some(types) = &query.types {
            if !types.iter().any(|t| h.covered_by(t)) {
                return Step::Skip;
            }
        }
        if let (Namespace::Only(ns), false) = (&query.namespace, h.namespace.is_empty()) {
            if &h.namespace != ns {
                return Step::Skip;
            }
        }
        let _ = head.set(h);
    }
    if !query.selector.is_empty() {
        let matches = serde_json::from_str::<Value>(&text)
            .is_ok_and(|object| query.selector.matches_object(&object));
        if !matches {
            return Step::Skip;
        }
    }
    let found = Found {
        key: key(),
        revision: kv.mod_revision,
        deleted_at,
        text,
        head,
    };
    let name = if names.is_empty() {
        String::new()
    } else {
        found.head().name.clone()
    };
    Step::Show(name, prepare(found), warning)
}

/// Whether an object at a key that could not be decoded may be one the
/// query asks for (its problem is reported then): by the key's namespace
/// segment and its resource segment, which names the plural in the
/// default layout.
fn type_may_match(query: &Query, res: Option<&crate::Resource>) -> bool {
    if let (Namespace::Only(ns), Some(r)) = (&query.namespace, res) {
        if !r.namespace.is_empty() && &r.namespace != ns {
            return false;
        }
    }
    let (Some(types), Some(res)) = (&query.types, res) else {
        return true;
    };
    let last = res.resource.rsplit('/').next().unwrap_or("");
    types.iter().any(|t| {
        t.plural == last
            || res.resource == format!("{}/{}", t.group, t.plural)
            || matches!(
                (t.kind.as_str(), last),
                ("Service", "specs")
                    | ("Endpoints", "endpoints")
                    | ("Node", "minions")
                    | ("ReplicationController", "controllers")
                    | ("Ingress", "ingress")
            )
    })
}

/// For every key under `sel` whose newest event at or before `at` is a
/// delete, the last version before it, if compaction left it: (that
/// version, the deleting revision).
fn deleted_versions<'a>(
    db: &Db<'a>,
    sel: &KeySelector,
    at: i64,
) -> Result<Vec<(Kv<'a>, Option<i64>)>, Error> {
    let mut last: BTreeMap<&'a [u8], (Option<Kv<'a>>, Option<i64>)> = BTreeMap::new();
    for ev in extract::history(db, sel)? {
        if ev.revision.main > at {
            continue;
        }
        let slot = last.entry(ev.kv.key).or_insert((None, None));
        if ev.deleted {
            slot.1 = Some(ev.revision.main);
        } else {
            *slot = (Some(ev.kv), None);
        }
    }
    Ok(last
        .into_values()
        .filter_map(|(kv, del)| Some((kv?, Some(del?))))
        .collect())
}

/// Why `get` stopped.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    /// Reading the data failed (or the revision is compacted or future).
    #[error(transparent)]
    Read(#[from] Error),
    /// Writing the output failed.
    #[error(transparent)]
    Write(#[from] std::io::Error),
}

/// Replaces a Secret's values by a note of their size: `data` (base64 in
/// JSON: the decoded size), `stringData`, and the last-applied annotation
/// (it holds the data in clear). True when it changed anything.
pub fn hide_secret_values(object: &mut Value) -> bool {
    let (group, kind) = group_kind(object);
    if !(group.is_empty() && kind == "Secret") {
        return false;
    }
    let note = |n: usize| {
        Value::String(format!(
            "<secret: {n} bytes hidden; --show-secrets to print>"
        ))
    };
    for field in ["data", "stringData"] {
        if let Some(Value::Object(m)) = object.get_mut(field) {
            for v in m.values_mut() {
                let n = match (&*v, field) {
                    (Value::String(s), "data") => {
                        use base64::Engine as _;
                        base64::engine::general_purpose::STANDARD
                            .decode(s)
                            .map_or(s.len(), |b| b.len())
                    }
                    (Value::String(s), _) => s.len(),
                    _ => 0,
                };
                *v = note(n);
            }
        }
    }
    if let Some(Value::Object(ann)) = object.pointer_mut("/metadata/annotations") {
        if let Some(v) = ann.get_mut("kubectl.kubernetes.io/last-applied-configuration") {
            let n = v.as_str().map_or(0, str::len);
            *v = note(n);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden() {
        let mut s = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":1}"}},
            "data": {"a": "aGVsbG8="}, "stringData": {"b": "xyz"}});
        hide_secret_values(&mut s);
        assert_eq!(
            s["data"]["a"],
            "<secret: 5 bytes hidden; --show-secrets to print>"
        );
        assert_eq!(
            s["stringData"]["b"],
            "<secret: 3 bytes hidden; --show-secrets to print>"
        );
        assert_eq!(
            s["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            "<secret: 10 bytes hidden; --show-secrets to print>"
        );
        let mut cm =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
        hide_secret_values(&mut cm);
        assert_eq!(cm["data"]["a"], "b");
    }

    #[test]
    fn the_head_is_read_as_from_the_whole_value() {
        let cases = [
            r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"ns","creationTimestamp":"2020-01-01T00:00:00Z","labels":{"x":"}"}},"spec":{"a":[1,{"b":"]"}],"c":null}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w\u003cx\"y","namespace":null}}"#,
            r#" { "kind" : "A" , "metadata" : { } , "kind" : "B" } "#,
            r#"{"metadata":{"name":"first"},"metadata":{"namespace":"second"}}"#,
            r#"{"kind":1,"metadata":{"name":"n"}}"#,
            r#"{"kind":"K","metadata":"text"}"#,
            r#"{"kind":"K","metadata":null,"x":"\\"}"#,
            r#"{"k\u0069nd":"Escaped","kind":"Plain"}"#,
            r#"{"metadata":{"name":["a"]}}"#,
            r#"{"kind":"日本","metadata":{"name":"ключ"},"z":{}}"#,
            r#"{}"#,
            r#"[]"#,
        ];
        for text in cases {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(Head::parse(text).unwrap(), Head::of(&v), "{text}");
        }
        for bad in [r#"{"kind":"Pod""#, r#"{"kind":"P\q"}"#, "", r#"{"a":1} x"#] {
            assert!(Head::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kubectl_positional_arguments() {
        let known = resources::built_in();
        let (t, n) = parse_args(&["deploy/web".into(), "po/x".into()], &known).unwrap();
        let kinds: Vec<_> = t.unwrap().iter().map(|t| t.kind.clone()).collect();
        assert!(kinds.contains(&"Pod".to_string()) && kinds.contains(&"Deployment".to_string()));
        assert_eq!(n, ["web", "x"]);
        let (t, n) = parse_args(&["po,svc".into(), "a".into()], &known).unwrap();
        assert_eq!(t.unwrap().len(), 2);
        assert_eq!(n, ["a"]);
        assert!(parse_args(&["nope".into()], &known).is_err());
        assert!(parse_args(&[], &known).unwrap().0.is_none());
    }
}
