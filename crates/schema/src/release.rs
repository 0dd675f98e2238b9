//! The etcd releases whose answers differ, and which one to follow.
//!
//! etcd's tools changed what they compute from the same file between
//! releases; every rule that differs is tied here to the releases it holds
//! for, and `docs/etcd-compat.md` cites the source lines:
//!
//! | rule | 3.4 / 3.5 | 3.6 |
//! |---|---|---|
//! | `snapshot status` TotalKey | every entry of every bucket | live keys only |
//! | `snapshot status` Version column | absent | `meta/storageVersion` |
//! | `hashkv --rev C` at the compact revision | refused (3.5.1) | hashed |

/// Which etcd release's semantics to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EtcdVersion {
    /// etcdutl 3.5 / etcdctl 3.4 (identical output).
    #[default]
    V3_5,
    /// etcdutl 3.6: live keys only, and a Version column.
    V3_6,
}

impl EtcdVersion {
    /// Whether `hashkv` at exactly the compact revision is refused (etcd
    /// 3.5.1) rather than hashed (3.6, and the 2023 backports:
    /// etcd-io/etcd#14457, #16047, #16048).
    pub fn refuses_hash_at_compact_revision(self) -> bool {
        self == EtcdVersion::V3_5
    }

    /// Whether `snapshot status` counts live keys only and prints a
    /// Version column (etcdutl 3.6).
    pub fn status_counts_live_keys(self) -> bool {
        self == EtcdVersion::V3_6
    }
}
