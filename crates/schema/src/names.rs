//! The names of etcd's backend buckets and of the keys it keeps in them
//! (etcd 3.4 to 3.7: `server/storage/schema/bucket.go` and the key
//! constants beside it in 3.6; `mvcc/kvstore.go`, `etcdserver/cindex` and
//! `auth/store.go` in 3.4 and 3.5).

/// MVCC revisions: 17-byte revision keys to `mvccpb.KeyValue`.
pub const KEY: &[u8] = b"key";
/// Bookkeeping: consistent index, term, compaction marks, conf state.
pub const META: &[u8] = b"meta";
/// Leases: 8-byte big-endian id to `leasepb.Lease`.
pub const LEASE: &[u8] = b"lease";
/// Auth switches: [`AUTH_ENABLED`], [`AUTH_REVISION`].
pub const AUTH: &[u8] = b"auth";
/// Users: name to `authpb.User`.
pub const AUTH_USERS: &[u8] = b"authUsers";
/// Roles: name to `authpb.Role`.
pub const AUTH_ROLES: &[u8] = b"authRoles";
/// Members: hex id to member JSON.
pub const MEMBERS: &[u8] = b"members";
/// Removed members: hex id to `removed`.
pub const MEMBERS_REMOVED: &[u8] = b"members_removed";
/// Cluster: [`CLUSTER_VERSION`], `downgrade`.
pub const CLUSTER: &[u8] = b"cluster";
/// Alarms: marshaled `AlarmMember` keys.
pub const ALARM: &[u8] = b"alarm";

/// `meta`: the index of the last applied raft entry (u64 big-endian).
pub const CONSISTENT_INDEX: &[u8] = b"consistent_index";
/// `meta`: the term of that entry (u64 big-endian; etcd 3.5 and later).
pub const TERM: &[u8] = b"term";
/// `meta`: raft's conf state as JSON (etcd 3.5 and later).
pub const CONF_STATE: &[u8] = b"confState";
/// `meta`: the revision of the last compaction started (revision key).
pub const SCHEDULED_COMPACT_REV: &[u8] = b"scheduledCompactRev";
/// `meta`: the revision of the last compaction finished (revision key).
pub const FINISHED_COMPACT_REV: &[u8] = b"finishedCompactRev";
/// `meta`: the storage schema version, e.g. `3.6.0` (etcd 3.6 and later).
pub const STORAGE_VERSION: &[u8] = b"storageVersion";
/// `auth`: one byte, 1 when auth is enabled.
pub const AUTH_ENABLED: &[u8] = b"authEnabled";
/// `auth`: the auth store's revision (u64 big-endian).
pub const AUTH_REVISION: &[u8] = b"authRevision";
/// `cluster`: the cluster version, e.g. `3.5.0`.
pub const CLUSTER_VERSION: &[u8] = b"clusterVersion";
/// `cluster` key of the downgrade state (etcd 3.5 on), JSON
/// `{"target-version":...,"enabled":...}`.
pub const CLUSTER_DOWNGRADE: &[u8] = b"downgrade";

/// The buckets etcd creates at start-up, in byte order.
pub const ETCD_BUCKETS: [&[u8]; 10] = [
    ALARM,
    AUTH,
    AUTH_ROLES,
    AUTH_USERS,
    CLUSTER,
    KEY,
    LEASE,
    MEMBERS,
    MEMBERS_REMOVED,
    META,
];
