//! `k8s history`: every stored version of one object, oldest first (what
//! compaction left), as watch events: ADDED for a version that created
//! the key, MODIFIED for later ones, DELETED for a delete, carrying the
//! last state with the deleting revision as its resourceVersion.

use std::collections::BTreeMap;

use etcdsnap_bbolt::Db;
use etcdsnap_mvcc::extract::{self, Selector as KeySelector};
use etcdsnap_schema::Error;
use serde_json::Value;

use crate::encryption::{self, EncryptionConfig};
use crate::get::{covers, decode_object, Decoder};
use crate::resources::ResourceType;

/// A watch event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventType {
    /// The key was created.
    Added,
    /// The key was written again.
    Modified,
    /// The key was deleted.
    Deleted,
}

/// One version of the object.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its revision (for DELETED: the deleting revision).
    pub revision: i64,
    /// What happened.
    pub event: EventType,
    /// The object (for DELETED: the last state), resourceVersion set.
    pub object: Value,
    /// The same as the API server's JSON serializer writes it.
    pub text: String,
}

/// The history of one key.
#[derive(Debug, Clone)]
pub struct History {
    /// The etcd key.
    pub key: String,
    /// Versions, oldest first.
    pub versions: Vec<Version>,
    /// Versions that could not be read: (revision, why).
    pub unreadable: Vec<(i64, String)>,
}

/// The histories of the keys under `prefix` that hold an object of one
/// of `types` named `name` in `namespace` (ignored for cluster-scoped
/// objects).
pub fn history(
    db: &Db<'_>,
    prefix: &[u8],
    types: &[ResourceType],
    namespace: &str,
    name: &str,
    config: Option<&EncryptionConfig>,
    decode: &Decoder<'_>,
) -> Result<Vec<History>, Error> {
    let sel = KeySelector {
        key: prefix.to_vec(),
        prefix: true,
    };
    let mut by_key: BTreeMap<&[u8], Vec<extract::Event<'_>>> = BTreeMap::new();
    for ev in extract::history(db, &sel)? {
        let Some(res) = crate::resource_of_under(prefix, ev.kv.key) else {
            continue;
        };
        if res.name != name || !(res.namespace.is_empty() || res.namespace == namespace) {
            continue;
        }
        by_key.entry(ev.kv.key).or_default().push(ev);
    }
    let mut out = Vec::new();
    for (key, events) in by_key {
        let mut h = History {
            key: String::from_utf8_lossy(key).into_owned(),
            versions: Vec::new(),
            unreadable: Vec::new(),
        };
        // The last readable plaintext: a delete carries it, read at the
        // deleting revision.
        let mut last: Option<std::borrow::Cow<'_, [u8]>> = None;
        let mut matches_type = false;
        for ev in events {
            let rev = ev.revision.main;
            if ev.deleted {
                if let Some(plain) = last.take() {
                    if let Ok((text, object)) = decode_object(decode, key, &plain, rev) {
                        h.versions.push(Version {
                            revision: rev,
                            event: EventType::Deleted,
                            object,
                            text,
                        });
                    }
                }
                continue;
            }
            let read = encryption::decrypt(config, key, ev.kv.value)
                .map_err(|e| e.to_string())
                .and_then(|plain| {
                    decode_object(decode, key, &plain, rev).map(|(t, o)| (plain, t, o))
                });
            match read {
                Ok((plain, text, object)) => {
                    matches_type |= types.iter().any(|t| covers(t, &object));
                    last = Some(plain);
                    h.versions.push(Version {
                        revision: rev,
                        event: if ev.kv.version == 1 {
                            EventType::Added
                        } else {
                            EventType::Modified
                        },
                        object,
                        text,
                    });
                }
                Err(why) => {
                    last = None;
                    h.unreadable.push((rev, why));
                }
            }
        }
        if matches_type || (h.versions.is_empty() && !h.unreadable.is_empty()) {
            out.push(h);
        }
    }
    Ok(out)
}
