//! etcd's stored protobuf messages, declared with prost derive (field
//! numbers from etcd's `mvccpb`, `leasepb` and `authpb`). `authpb`'s
//! `Permission` and `UserAddOptions` travel in WAL requests too and are
//! declared once, with the requests, in `etcdsnap_wal::etcdserverpb`.

pub use etcdsnap_wal::etcdserverpb::{Permission, UserAddOptions};

/// `leasepb.Lease`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Lease {
    /// Lease id.
    #[prost(int64, tag = "1")]
    pub id: i64,
    /// Granted TTL in seconds.
    #[prost(int64, tag = "2")]
    pub ttl: i64,
    /// Remaining TTL (checkpointed leases).
    #[prost(int64, tag = "3")]
    pub remaining_ttl: i64,
}

/// `authpb.User`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct User {
    /// User name.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// bcrypt hash of the password.
    #[prost(bytes = "vec", tag = "2")]
    pub password: Vec<u8>,
    /// Granted roles.
    #[prost(string, repeated, tag = "3")]
    pub roles: Vec<String>,
    /// Options.
    #[prost(message, optional, tag = "4")]
    pub options: Option<UserAddOptions>,
}

/// `authpb.Role`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Role {
    /// Role name.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// Permissions.
    #[prost(message, repeated, tag = "2")]
    pub key_permission: Vec<Permission>,
}

/// `mvccpb.KeyValue`, value included (for writing).
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    /// The user key.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// Revision of the key's creation in this generation.
    #[prost(int64, tag = "2")]
    pub create_revision: i64,
    /// Revision of this modification.
    #[prost(int64, tag = "3")]
    pub mod_revision: i64,
    /// Modifications since creation, this one included.
    #[prost(int64, tag = "4")]
    pub version: i64,
    /// The value.
    #[prost(bytes = "vec", tag = "5")]
    pub value: Vec<u8>,
    /// Lease id, 0 for none.
    #[prost(int64, tag = "6")]
    pub lease: i64,
}
