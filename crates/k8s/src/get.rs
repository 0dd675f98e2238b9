//! `k8s get`: the objects under the API server's prefix at a revision,
//! chosen with kubectl's grammar (types, names, namespace, label
//! selector), decrypted and decoded, handed out one at a time so output
//! streams (memory grows with the number of keys, not with value sizes).
//!
//! The decoder is a parameter: this module picks keys, reads revisions,
//! decrypts and filters; turning plaintext into an object is the
//! decoder's business.

use std::collections::BTreeMap;

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Kv, Selector as KeySelector};
use etcdsnap_schema::Error;
use serde_json::Value;

use crate::encryption::{self, EncryptionConfig};
use crate::resources::{self, ResourceType, UnknownType};
use crate::selector::Selector;

/// Turns a stored plaintext (after decryption) of the given key, written
/// at the given revision, into the JSON text of the object the API server
/// would return, or says why it cannot.
pub type Decoder<'d> = dyn Fn(&[u8], &[u8], i64) -> Result<String, String> + 'd;

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
    /// The decoded object, `metadata.resourceVersion` set to `revision`.
    pub object: Value,
    /// The same object as the API server's JSON serializer writes it
    /// (compact; Go's field order).
    pub text: String,
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
fn group_kind(v: &Value) -> (&str, &str) {
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    (group, v.get("kind").and_then(Value::as_str).unwrap_or(""))
}

fn meta_str<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Whether `t` covers the object `v`. Events are one set of objects in
/// etcd whichever group's name asks for them.
pub(crate) fn covers(t: &ResourceType, v: &Value) -> bool {
    let (group, kind) = group_kind(v);
    t.kind == kind
        && (t.group == group || (kind == "Event" && matches!(group, "" | "events.k8s.io")))
}

/// Lists what `query` asks for at `rev` (0: the head), calling `emit` on
/// each object in key order and `problem` on each that cannot be shown.
/// Returns the revisions read and the requested names not found.
#[allow(clippy::too_many_arguments)]
pub fn get(
    db: &Db<'_>,
    prefix: &[u8],
    rev: i64,
    query: &Query,
    config: Option<&EncryptionConfig>,
    decode: &Decoder<'_>,
    emit: &mut dyn FnMut(Found) -> std::io::Result<()>,
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
    let mut seen_names: BTreeMap<&str, bool> =
        query.names.iter().map(|n| (n.as_str(), false)).collect();
    for (kv, deleted_at) in versions {
        let key = String::from_utf8_lossy(kv.key).into_owned();
        // The key names the object: skip by name before decoding.
        let res = crate::resource_of_under(prefix, kv.key);
        if !query.names.is_empty()
            && !res
                .as_ref()
                .is_some_and(|r| seen_names.contains_key(r.name.as_str()))
        {
            continue;
        }
        let plain = match encryption::decrypt(config, kv.key, kv.value) {
            Ok(p) => p,
            Err(e) => {
                if type_may_match(query, res.as_ref()) {
                    problem(Problem {
                        key,
                        why: e.to_string(),
                    });
                }
                continue;
            }
        };
        let (text, object) = match decode_object(decode, kv.key, &plain, kv.mod_revision) {
            Ok(v) => v,
            Err(why) => {
                if type_may_match(query, res.as_ref()) {
                    problem(Problem { key, why });
                }
                continue;
            }
        };
        if let Some(types) = &query.types {
            if !types.iter().any(|t| covers(t, &object)) {
                continue;
            }
        }
        let namespaced = !meta_str(&object, "namespace").is_empty();
        if let (Namespace::Only(ns), true) = (&query.namespace, namespaced) {
            if meta_str(&object, "namespace") != ns {
                continue;
            }
        }
        if !query.selector.matches_object(&object) {
            continue;
        }
        if let Some(seen) = seen_names.get_mut(meta_str(&object, "name")) {
            *seen = true;
        }
        emit(Found {
            key,
            revision: kv.mod_revision,
            deleted_at,
            object,
            text,
        })?;
    }
    let missing = seen_names
        .into_iter()
        .filter(|(_, seen)| !seen)
        .map(|(n, _)| n.to_string())
        .collect();
    Ok((read, missing))
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
