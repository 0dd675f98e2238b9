//! Kubernetes objects as the API server stores them in etcd: keys under
//! `/registry/`, values as JSON, as the `k8s\0` protobuf envelope
//! (`runtime.Unknown`: type meta with apiVersion and kind, then the raw
//! object), or encrypted at rest (`k8s:enc:<provider>:<version>:<key
//! name>:` then ciphertext). The summary reads no payload beyond the type
//! meta; encrypted values are only named.
//!
//! [`decode_value`] turns a stored object into the JSON the API server
//! would serve for it, byte for byte as Go writes it: protobuf and JSON
//! objects of any built-in kind (Kubernetes 0.36, every served version,
//! CustomResourceDefinitions included) into their Go types, JSON and CBOR
//! custom resources unstructured. The tables it reads are generated from
//! the Go types ([`table`], `generated/schema.rs`), the decoder
//! interpreting them is [`decode`], with Go's JSON details in `gojson`,
//! Go's JSON reading in `jsonin` and `typedjson`, unstructured objects in
//! `unstructured`, CBOR in `cborin`, and resource quantities in
//! [`quantity`].
//!
//! Around it: [`encryption`] reads back values encrypted at rest,
//! [`resources`] and [`selector`] are kubectl's TYPE and `-l` grammars,
//! [`get`], [`history`], [`compare`] and [`export`] choose and shape
//! objects at a revision, and [`yaml`] writes them as `kubectl get -o
//! yaml` does.
//!
//! ```no_run
//! use etcdsnap_bbolt::{Db, MappedFile};
//!
//! let file = MappedFile::open("snapshot.db")?;
//! let db = Db::open(file.bytes())?;
//! let summary = etcdsnap_k8s::summary(&db, 10)?;
//! println!("{} objects", summary.objects);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```
//! // A stored Pod: the k8s\0 envelope (apiVersion v1, kind Pod) around
//! // a payload with metadata.name "a".
//! let stored = b"k8s\0\x0a\x09\x0a\x02v1\x12\x03Pod\x12\x05\x0a\x03\x0a\x01a";
//! let pod = etcdsnap_k8s::decode_value(stored)?;
//! assert!(pod.json.starts_with(r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}"#));
//! # Ok::<(), etcdsnap_k8s::DecodeError>(())
//! ```

mod cborin;
pub mod decode;
mod generated;
mod gojson;
mod gotime;
mod jsonin;
pub mod quantity;
pub mod table;
mod typedjson;
mod unstructured;

pub use generated::schema::{KINDS, MESSAGES, UNVERSIONED};

pub use decode::{decode_value, DecodeError, Decoded, Layout};
pub use gojson::indent as indent_json;

pub mod changes;
pub mod compare;
pub mod encryption;
pub mod export;
pub mod get;
pub mod history;
pub mod resources;
pub mod selector;
pub mod yaml;

use std::collections::BTreeMap;

use etcdsnap_bbolt::Db;
use serde::Serialize;

use etcdsnap_mvcc::extract::{self, Selector};
use etcdsnap_schema::Error;

/// Where a key points in the Kubernetes API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// `pods`, `services/specs`, `apiregistration.k8s.io/apiservices`...
    pub resource: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Object name.
    pub name: String,
}

/// Names the object of a `/registry/...` key. A resource segment with a
/// dot is an API group and takes the next segment with it; `services`
/// keeps its `specs`/`endpoints` sub-tree. Two segments after the
/// resource are namespace and name, one is a cluster-scoped name.
pub fn resource_of(key: &[u8]) -> Option<Resource> {
    resource_of_under(b"/registry/", key)
}

/// [`resource_of`] for an API server whose `--etcd-prefix` makes its keys
/// start with `prefix` (ending in `/`).
pub fn resource_of_under(prefix: &[u8], key: &[u8]) -> Option<Resource> {
    let rest = key.strip_prefix(prefix)?;
    let s = std::str::from_utf8(rest).ok()?;
    let mut parts: Vec<&str> = s.split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let first = parts.remove(0);
    let resource = if first.contains('.')
        || (first == "services" && matches!(parts.first(), Some(&"specs" | &"endpoints")))
    {
        if parts.len() < 2 {
            return None;
        }
        format!("{first}/{}", parts.remove(0))
    } else {
        first.to_string()
    };
    match parts.as_slice() {
        [name] => Some(Resource {
            resource,
            namespace: String::new(),
            name: (*name).to_string(),
        }),
        [ns, name] => Some(Resource {
            resource,
            namespace: (*ns).to_string(),
            name: (*name).to_string(),
        }),
        _ => None,
    }
}

/// How a value is encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "encoding", rename_all = "snake_case")]
pub enum Encoding {
    /// JSON, with the kind and apiVersion it declares.
    Json {
        /// `kind`.
        kind: String,
        /// `apiVersion`.
        api_version: String,
    },
    /// The `k8s\0` protobuf envelope.
    Protobuf {
        /// `kind` from the type meta.
        kind: String,
        /// `apiVersion` from the type meta.
        api_version: String,
    },
    /// CBOR with the self-described tag (custom resources), with the kind
    /// and apiVersion it declares (empty when it does not decode).
    Cbor {
        /// `kind`.
        kind: String,
        /// `apiVersion`.
        api_version: String,
    },
    /// Encrypted at rest.
    Encrypted {
        /// `aescbc`, `aesgcm`, `secretbox`, `kms`, ...
        provider: String,
        /// Provider format version (`v1`, `v2`).
        version: String,
        /// The key name the API server's config gives.
        key_name: String,
    },
    /// Anything else.
    Other,
}

/// The length-delimited fields of a protobuf message: (number, bytes), up
/// to the first malformed byte.
fn bytes_fields(b: &[u8]) -> Vec<(u64, &[u8])> {
    etcdsnap_schema::wire::fields(b)
        .map_while(|f| f)
        .filter_map(|f| match f {
            etcdsnap_schema::wire::Field::Len(n, x) => Some((u64::from(n), x)),
            _ => None,
        })
        .collect()
}

/// Recognises how `value` is encoded (CBOR values are decoded for their
/// kind; the others are read only as far as their type meta).
pub fn encoding_of(value: &[u8]) -> Encoding {
    if let Some(rest) = value.strip_prefix(b"k8s:enc:") {
        let mut it = rest.splitn(4, |c| *c == b':');
        let (p, v, k) = (it.next(), it.next(), it.next());
        if let (Some(p), Some(v), Some(k), Some(_)) = (p, v, k, it.next()) {
            let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            return Encoding::Encrypted {
                provider: s(p),
                version: s(v),
                key_name: s(k),
            };
        }
        return Encoding::Other;
    }
    if let Some(rest) = value.strip_prefix(b"k8s\0") {
        let fields = bytes_fields(rest);
        if let Some((_, tm)) = fields.iter().find(|(n, _)| *n == 1) {
            let tmf = bytes_fields(tm);
            let get = |n: u64| {
                tmf.iter()
                    .find(|(f, _)| *f == n)
                    .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            return Encoding::Protobuf {
                api_version: get(1),
                kind: get(2),
            };
        }
        return Encoding::Other;
    }
    if value.starts_with(&cborin::SELF_DESCRIBED) {
        let (kind, api_version) = cborin::decode(value)
            .map(|o| (o.kind.clone(), o.api_version.clone()))
            .unwrap_or_default();
        return Encoding::Cbor { kind, api_version };
    }
    if value.first() == Some(&b'{') {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(value) {
            let get = |k: &str| {
                v.get(k)
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            return Encoding::Json {
                kind: get("kind"),
                api_version: get("apiVersion"),
            };
        }
    }
    Encoding::Other
}

/// Count and bytes of a group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Objects.
    pub objects: u64,
    /// Bytes of their values.
    pub bytes: u64,
    /// Stored revisions (history entries, deletes included).
    pub revisions: u64,
}

/// One of the largest objects.
#[derive(Debug, Clone, Serialize)]
pub struct Large {
    /// The key.
    pub key: String,
    /// Value bytes.
    pub bytes: u64,
    /// Kind, when the value names one.
    pub kind: String,
}

/// What a database holds, Kubernetes-wise.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// The revision read at.
    pub revision: i64,
    /// Live objects under `/registry/`.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Keys outside `/registry/` (or not naming an object).
    pub other_keys: u64,
    /// By resource.
    pub by_resource: BTreeMap<String, Tally>,
    /// By namespace (`""`: cluster-scoped).
    pub by_namespace: BTreeMap<String, Tally>,
    /// By encoding: `json`, `protobuf`, `cbor`, `encrypted:<provider>:<key name>`, `other`.
    pub by_encoding: BTreeMap<String, Tally>,
    /// The largest objects, largest first.
    pub largest: Vec<Large>,
}

fn encoding_label(e: &Encoding) -> String {
    match e {
        Encoding::Json { .. } => "json".into(),
        Encoding::Protobuf { .. } => "protobuf".into(),
        Encoding::Cbor { .. } => "cbor".into(),
        Encoding::Encrypted {
            provider, key_name, ..
        } => format!("encrypted:{provider}:{key_name}"),
        Encoding::Other => "other".into(),
    }
}

fn kind_of(e: &Encoding) -> String {
    match e {
        Encoding::Json { kind, .. }
        | Encoding::Protobuf { kind, .. }
        | Encoding::Cbor { kind, .. } => kind.clone(),
        Encoding::Encrypted { .. } => "(encrypted)".into(),
        Encoding::Other => "(unknown)".into(),
    }
}

/// Summarises the live objects at the head, the `top` largest, and the
/// revision churn per resource over the stored history.
pub fn summary(db: &Db<'_>, top: usize) -> Result<Summary, Error> {
    let sel = Selector {
        key: Vec::new(),
        prefix: true,
    };
    let r = extract::range(db, &sel, 0)?;
    let mut s = Summary {
        revision: r.revision,
        ..Summary::default()
    };
    let mut largest: Vec<Large> = Vec::new();
    for kv in &r.kvs {
        let Some(res) = resource_of(kv.key) else {
            s.other_keys += 1;
            continue;
        };
        let enc = encoding_of(kv.value);
        let n = kv.value.len() as u64;
        s.objects += 1;
        s.bytes += n;
        for t in [
            s.by_resource.entry(res.resource.clone()).or_default(),
            s.by_namespace.entry(res.namespace.clone()).or_default(),
            s.by_encoding.entry(encoding_label(&enc)).or_default(),
        ] {
            t.objects += 1;
            t.bytes += n;
        }
        largest.push(Large {
            key: String::from_utf8_lossy(kv.key).into_owned(),
            bytes: n,
            kind: kind_of(&enc),
        });
    }
    largest.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
    largest.truncate(top);
    s.largest = largest;
    for ev in extract::history(db, &sel)? {
        if let Some(res) = resource_of(ev.kv.key) {
            s.by_resource.entry(res.resource).or_default().revisions += 1;
        }
    }
    Ok(s)
}

/// Decodes a stored plaintext (after decryption) into the object the API
/// server returns for it when it reads it at `mod_revision`, as JSON text:
/// client-go's universal deserializer (no conversion, no defaulting) then
/// Go's JSON serializer, `metadata.resourceVersion` set to the revision.
/// Protobuf values and JSON values of built-in kinds (clusters running
/// with `--storage-media-type=application/json`) decode into their Go
/// types and print in Go's field order; JSON and CBOR custom resources
/// decode unstructured and print with their keys sorted. What Go refuses
/// is an error. See [`decode::decode_value_at`].
/// A protobuf value of a kind this build does not know fails with its raw
/// field tree as the fallback to show (see [`decode::raw_tree`]).
pub fn decode_stored(key: &[u8], plain: &[u8], mod_revision: i64) -> Result<String, get::Failure> {
    decode_stored_laid_out(key, plain, mod_revision, Layout::Compact)
}

/// [`decode_stored`] with the JSON laid out as `layout` says.
pub fn decode_stored_laid_out(
    _key: &[u8],
    plain: &[u8],
    mod_revision: i64,
    layout: Layout,
) -> Result<String, get::Failure> {
    let rv = mod_revision.to_string();
    decode::decode_value_laid_out(plain, Some(&rv), layout)
        .map(|d| d.json)
        .map_err(|e| get::Failure {
            fallback: match e {
                DecodeError::UnknownKind { .. } => decode::raw_tree(plain, Some(&rv), layout),
                _ => None,
            },
            why: e.to_string(),
        })
}

/// JSON text laid out again (its key order and strings kept); `None` when
/// it is not valid JSON.
pub fn relayout(text: &str, layout: Layout) -> Option<String> {
    let mut compact = String::with_capacity(text.len());
    gojson::write_compact(&mut compact, text.as_bytes())?;
    Some(layout.apply(compact))
}

#[cfg(test)]
mod tests {

    #[test]
    fn encrypted_and_unknown_values_have_a_kind_that_says_so() {
        let enc = encoding_of(b"k8s:enc:aescbc:v1:key1:\x00\x01");
        assert_eq!(kind_of(&enc), "(encrypted)");
        assert_eq!(kind_of(&encoding_of(b"\x00garbage")), "(unknown)");
    }

    use super::*;

    #[test]
    fn names_keys() {
        let r = resource_of(b"/registry/pods/default/x").unwrap();
        assert_eq!(
            (r.resource.as_str(), r.namespace.as_str(), r.name.as_str()),
            ("pods", "default", "x")
        );
        let r = resource_of(b"/registry/services/specs/default/kubernetes").unwrap();
        assert_eq!(r.resource, "services/specs");
        let r = resource_of(b"/registry/apiregistration.k8s.io/apiservices/v1.apps").unwrap();
        assert_eq!(
            (r.resource.as_str(), r.namespace.as_str(), r.name.as_str()),
            ("apiregistration.k8s.io/apiservices", "", "v1.apps")
        );
        let r = resource_of(b"/registry/nodes/n1").unwrap();
        assert_eq!((r.namespace.as_str(), r.name.as_str()), ("", "n1"));
        assert!(resource_of(b"/other/x").is_none());
        assert!(resource_of(b"/registry/pods").is_none());
    }

    #[test]
    fn recognises_encodings() {
        // k8s\0 + runtime.Unknown{typeMeta{apiVersion "v1", kind "Pod"}, raw}
        let tm = [0x0a, 0x02, b'v', b'1', 0x12, 0x03, b'P', b'o', b'd'];
        let mut v = b"k8s\0".to_vec();
        v.push(0x0a);
        v.push(tm.len() as u8);
        v.extend_from_slice(&tm);
        v.extend_from_slice(&[0x12, 0x01, 0x00]);
        assert_eq!(
            encoding_of(&v),
            Encoding::Protobuf {
                kind: "Pod".into(),
                api_version: "v1".into()
            }
        );
        assert_eq!(
            encoding_of(b"k8s:enc:aescbc:v1:key1:\x01\x02secret"),
            Encoding::Encrypted {
                provider: "aescbc".into(),
                version: "v1".into(),
                key_name: "key1".into()
            }
        );
        assert_eq!(
            encoding_of(br#"{"kind":"Pod","apiVersion":"v1"}"#),
            Encoding::Json {
                kind: "Pod".into(),
                api_version: "v1".into()
            }
        );
        assert_eq!(encoding_of(b"plain"), Encoding::Other);
        // {"apiVersion": "v", "kind": "W"} after the self-described tag.
        let mut cbor = vec![0xd9, 0xd9, 0xf7, 0xa2, 0x6a];
        cbor.extend_from_slice(b"apiVersion");
        cbor.extend_from_slice(&[0x61, b'v', 0x64, b'k', b'i', b'n', b'd', 0x61, b'W']);
        assert_eq!(
            encoding_of(&cbor),
            Encoding::Cbor {
                kind: "W".into(),
                api_version: "v".into()
            }
        );
    }
}
