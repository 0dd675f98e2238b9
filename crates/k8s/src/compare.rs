//! `k8s diff`: objects added, removed and changed between two snapshots
//! or data dirs, matched by etcd key (resource, namespace and name), in
//! key order. Both sides are read at their head; values stream from the
//! two mappings side by side, so memory holds one pair of objects at a
//! time besides the key lists.

use std::cmp::Ordering;

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Kv, Selector as KeySelector};
use serde_json::Value;

use crate::changes::{changes, strip_volatile, Change};
use crate::encryption::{self, EncryptionConfig};
use crate::get::{covers, decode_object, Decoder, GetError, Namespace, Problem};
use crate::resources::ResourceType;

/// What happened to an object between A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, different.
    Changed,
}

/// Which object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectRef {
    /// `apiVersion` (B's when both sides have it).
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// One object that differs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ObjectDiff {
    /// What happened.
    pub op: Op,
    /// Which object.
    #[serde(rename = "ref")]
    pub reference: ObjectRef,
    /// The changed fields (empty for added and removed objects).
    pub changes: Vec<Change>,
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct DiffQuery {
    /// Only these types (None: all).
    pub types: Option<Vec<ResourceType>>,
    /// The namespace.
    pub namespace: Namespace,
    /// Compare resourceVersion and managedFields times too.
    pub all_fields: bool,
}

fn reference(v: &Value) -> ObjectRef {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    ObjectRef {
        api_version: s("/apiVersion"),
        kind: s("/kind"),
        namespace: s("/metadata/namespace"),
        name: s("/metadata/name"),
    }
}

fn wanted(q: &DiffQuery, v: &Value) -> bool {
    if let Some(types) = &q.types {
        if !types.iter().any(|t| covers(t, v)) {
            return false;
        }
    }
    match &q.namespace {
        Namespace::All => true,
        Namespace::Only(ns) => {
            let on = v
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            on.is_empty() || on == ns
        }
    }
}

/// Compares the objects under `prefix` in `a` and `b`, calling `emit` on
/// each difference in key order and `problem` on each value either side
/// cannot read (named with the side, `A:` or `B:`).
#[allow(clippy::too_many_arguments)]
pub fn diff(
    a: &Db<'_>,
    b: &Db<'_>,
    prefix: &[u8],
    q: &DiffQuery,
    config: Option<&EncryptionConfig>,
    decode: &Decoder<'_>,
    emit: &mut dyn FnMut(ObjectDiff) -> std::io::Result<()>,
    problem: &mut dyn FnMut(Problem),
) -> Result<(), GetError> {
    let sel = KeySelector {
        key: prefix.to_vec(),
        prefix: true,
    };
    let ra = extract::range(a, &sel, 0)?;
    let rb = extract::range(b, &sel, 0)?;
    let mut read = |side: &str, kv: &Kv<'_>| -> Option<Value> {
        let r = encryption::decrypt(config, kv.key, kv.value)
            .map_err(|e| e.to_string())
            .and_then(|p| decode_object(decode, kv.key, &p, kv.mod_revision));
        match r {
            Ok((_, v)) => Some(v),
            Err(why) => {
                problem(Problem {
                    key: format!("{side}: {}", String::from_utf8_lossy(kv.key)),
                    why,
                });
                None
            }
        }
    };
    let (mut i, mut j) = (ra.kvs.iter().peekable(), rb.kvs.iter().peekable());
    loop {
        let order = match (i.peek(), j.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.key.cmp(y.key),
        };
        match order {
            Ordering::Less => {
                if let Some(v) = i.next().and_then(|kv| read("A", kv)) {
                    if wanted(q, &v) {
                        emit(ObjectDiff {
                            op: Op::Removed,
                            reference: reference(&v),
                            changes: Vec::new(),
                        })?;
                    }
                }
            }
            Ordering::Greater => {
                if let Some(v) = j.next().and_then(|kv| read("B", kv)) {
                    if wanted(q, &v) {
                        emit(ObjectDiff {
                            op: Op::Added,
                            reference: reference(&v),
                            changes: Vec::new(),
                        })?;
                    }
                }
            }
            Ordering::Equal => {
                let (x, y) = (i.next(), j.next());
                if let (Some(x), Some(y)) = (x, y) {
                    if x.value == y.value && !q.all_fields {
                        continue;
                    }
                    let (Some(mut va), Some(mut vb)) = (read("A", x), read("B", y)) else {
                        continue;
                    };
                    if !wanted(q, &va) && !wanted(q, &vb) {
                        continue;
                    }
                    if !q.all_fields {
                        strip_volatile(&mut va);
                        strip_volatile(&mut vb);
                    }
                    let c = changes(&va, &vb);
                    if !c.is_empty() {
                        emit(ObjectDiff {
                            op: Op::Changed,
                            reference: reference(&vb),
                            changes: c,
                        })?;
                    }
                }
            }
        }
    }
    Ok(())
}
