//! The requests etcd proposes through raft, as typed messages: etcd's
//! `etcdserverpb.InternalRaftRequest` and every request etcd 3.4 and 3.5 put
//! in it, the v2 `Request` of older logs, and the `membershippb` and
//! `authpb` messages they carry, declared with prost derive. Field numbers
//! and types follow etcd 3.5's `raft_internal.proto`, `rpc.proto`,
//! `etcdserver.proto`, `membership.proto` and `auth.proto`; 3.5 added
//! `auth_status`, the `hashedPassword` fields and the three `membershippb`
//! requests, which a 3.4 log never holds (they decode as absent).
//!
//! Decoding gives what etcd's gogoproto code gives for the same bytes:
//!
//! - an absent field is its zero value (an absent message is `None`);
//! - a scalar, string or bytes field seen twice keeps the last value; a
//!   message field seen twice is merged; repeated fields append;
//! - a oneof keeps the last member seen, and a message member seen again
//!   replaces the earlier one rather than merging into it (gogo decodes
//!   each into a fresh message): [`RequestOp`] is decoded by hand for that;
//! - proto3 `string` fields are bytes here: gogo does not check that they
//!   are UTF-8, so neither does this;
//! - enums are `i32` fields holding whatever number was written (the
//!   getters prost derives map numbers etcd does not know to the default:
//!   use `TryFrom<i32>` where an unknown value matters);
//! - unknown fields are skipped.
//!
//! Two pathological differences remain, neither written by etcd: prost
//! rejects a 10-byte varint whose last byte is above 1 (its value does not
//! fit in 64 bits; Go keeps the low 64 bits), and it stops at 100 levels of
//! nested messages (about 50 nested txns) where Go has no limit.
//!
//! ```
//! use etcdsnap_wal::etcdserverpb::{InternalRaftRequest, PutRequest};
//! use prost::Message;
//!
//! let bytes = InternalRaftRequest {
//!     put: Some(PutRequest { key: b"k".to_vec(), value: b"v".to_vec(), ..Default::default() }),
//!     ..Default::default()
//! }
//! .encode_to_vec();
//! let req = InternalRaftRequest::decode(bytes.as_slice())?;
//! assert_eq!(req.put.map(|p| p.key), Some(b"k".to_vec()));
//! # Ok::<(), prost::DecodeError>(())
//! ```

use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType};
use prost::DecodeError;

/// `etcdserverpb.RequestHeader`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RequestHeader {
    /// `ID`: the request id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// `username`: the user whose token came with the request.
    #[prost(bytes = "vec", tag = "2")]
    pub username: Vec<u8>,
    /// `auth_revision`: the auth store revision the token was checked at.
    #[prost(uint64, tag = "3")]
    pub auth_revision: u64,
}

/// `etcdserverpb.InternalRaftRequest`: one request proposed through raft.
/// etcd sets one of the request fields; when several are set, etcd 3.5's
/// apply loop applies the first in its own order (see `etcdsnap-replay`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct InternalRaftRequest {
    /// `header`.
    #[prost(message, optional, tag = "100")]
    pub header: Option<RequestHeader>,
    /// `ID` (requests from before 3.1 carry the id here, not in the header).
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// `v2`: a v2 store request.
    #[prost(message, optional, tag = "2")]
    pub v2: Option<Request>,
    /// `range`.
    #[prost(message, optional, tag = "3")]
    pub range: Option<RangeRequest>,
    /// `put`.
    #[prost(message, optional, tag = "4")]
    pub put: Option<PutRequest>,
    /// `delete_range`.
    #[prost(message, optional, tag = "5")]
    pub delete_range: Option<DeleteRangeRequest>,
    /// `txn`.
    #[prost(message, optional, tag = "6")]
    pub txn: Option<TxnRequest>,
    /// `compaction`.
    #[prost(message, optional, tag = "7")]
    pub compaction: Option<CompactionRequest>,
    /// `lease_grant`.
    #[prost(message, optional, tag = "8")]
    pub lease_grant: Option<LeaseGrantRequest>,
    /// `lease_revoke`.
    #[prost(message, optional, tag = "9")]
    pub lease_revoke: Option<LeaseRevokeRequest>,
    /// `alarm`.
    #[prost(message, optional, tag = "10")]
    pub alarm: Option<AlarmRequest>,
    /// `lease_checkpoint` (3.4).
    #[prost(message, optional, tag = "11")]
    pub lease_checkpoint: Option<LeaseCheckpointRequest>,
    /// `auth_enable`.
    #[prost(message, optional, tag = "1000")]
    pub auth_enable: Option<AuthEnableRequest>,
    /// `auth_disable`.
    #[prost(message, optional, tag = "1011")]
    pub auth_disable: Option<AuthDisableRequest>,
    /// `auth_status` (3.5).
    #[prost(message, optional, tag = "1013")]
    pub auth_status: Option<AuthStatusRequest>,
    /// `authenticate`.
    #[prost(message, optional, tag = "1012")]
    pub authenticate: Option<InternalAuthenticateRequest>,
    /// `auth_user_add`.
    #[prost(message, optional, tag = "1100")]
    pub auth_user_add: Option<AuthUserAddRequest>,
    /// `auth_user_delete`.
    #[prost(message, optional, tag = "1101")]
    pub auth_user_delete: Option<AuthUserDeleteRequest>,
    /// `auth_user_get`.
    #[prost(message, optional, tag = "1102")]
    pub auth_user_get: Option<AuthUserGetRequest>,
    /// `auth_user_change_password`.
    #[prost(message, optional, tag = "1103")]
    pub auth_user_change_password: Option<AuthUserChangePasswordRequest>,
    /// `auth_user_grant_role`.
    #[prost(message, optional, tag = "1104")]
    pub auth_user_grant_role: Option<AuthUserGrantRoleRequest>,
    /// `auth_user_revoke_role`.
    #[prost(message, optional, tag = "1105")]
    pub auth_user_revoke_role: Option<AuthUserRevokeRoleRequest>,
    /// `auth_user_list`.
    #[prost(message, optional, tag = "1106")]
    pub auth_user_list: Option<AuthUserListRequest>,
    /// `auth_role_list`.
    #[prost(message, optional, tag = "1107")]
    pub auth_role_list: Option<AuthRoleListRequest>,
    /// `auth_role_add`.
    #[prost(message, optional, tag = "1200")]
    pub auth_role_add: Option<AuthRoleAddRequest>,
    /// `auth_role_delete`.
    #[prost(message, optional, tag = "1201")]
    pub auth_role_delete: Option<AuthRoleDeleteRequest>,
    /// `auth_role_get`.
    #[prost(message, optional, tag = "1202")]
    pub auth_role_get: Option<AuthRoleGetRequest>,
    /// `auth_role_grant_permission`.
    #[prost(message, optional, tag = "1203")]
    pub auth_role_grant_permission: Option<AuthRoleGrantPermissionRequest>,
    /// `auth_role_revoke_permission`.
    #[prost(message, optional, tag = "1204")]
    pub auth_role_revoke_permission: Option<AuthRoleRevokePermissionRequest>,
    /// `cluster_version_set` (3.5).
    #[prost(message, optional, tag = "1300")]
    pub cluster_version_set: Option<ClusterVersionSetRequest>,
    /// `cluster_member_attr_set` (3.5).
    #[prost(message, optional, tag = "1301")]
    pub cluster_member_attr_set: Option<ClusterMemberAttrSetRequest>,
    /// `downgrade_info_set` (3.5).
    #[prost(message, optional, tag = "1302")]
    pub downgrade_info_set: Option<DowngradeInfoSetRequest>,
    /// `downgrade_version_test` (3.6, for etcd's own tests: applied as
    /// nothing; v3.6.14 `api/etcdserverpb/raft_internal.proto:75`).
    #[prost(message, optional, tag = "9900")]
    pub downgrade_version_test: Option<DowngradeVersionTestRequest>,
}

/// `etcdserverpb.Request`: a v2 store request (proto2; `PrevExist` and
/// `Refresh` are the only fields gogo keeps nullable).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    /// `ID`.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// `Method`: `PUT`, `DELETE`, `QGET`, `SYNC`...
    #[prost(bytes = "vec", tag = "2")]
    pub method: Vec<u8>,
    /// `Path`.
    #[prost(bytes = "vec", tag = "3")]
    pub path: Vec<u8>,
    /// `Val`.
    #[prost(bytes = "vec", tag = "4")]
    pub val: Vec<u8>,
    /// `Dir`.
    #[prost(bool, tag = "5")]
    pub dir: bool,
    /// `PrevValue`.
    #[prost(bytes = "vec", tag = "6")]
    pub prev_value: Vec<u8>,
    /// `PrevIndex`.
    #[prost(uint64, tag = "7")]
    pub prev_index: u64,
    /// `PrevExist`.
    #[prost(bool, optional, tag = "8")]
    pub prev_exist: Option<bool>,
    /// `Expiration`.
    #[prost(int64, tag = "9")]
    pub expiration: i64,
    /// `Wait`.
    #[prost(bool, tag = "10")]
    pub wait: bool,
    /// `Since`.
    #[prost(uint64, tag = "11")]
    pub since: u64,
    /// `Recursive`.
    #[prost(bool, tag = "12")]
    pub recursive: bool,
    /// `Sorted`.
    #[prost(bool, tag = "13")]
    pub sorted: bool,
    /// `Quorum`.
    #[prost(bool, tag = "14")]
    pub quorum: bool,
    /// `Time`.
    #[prost(int64, tag = "15")]
    pub time: i64,
    /// `Stream`.
    #[prost(bool, tag = "16")]
    pub stream: bool,
    /// `Refresh`.
    #[prost(bool, optional, tag = "17")]
    pub refresh: Option<bool>,
}

/// `RangeRequest.SortOrder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SortOrder {
    /// `NONE`.
    None = 0,
    /// `ASCEND`.
    Ascend = 1,
    /// `DESCEND`.
    Descend = 2,
}

/// `RangeRequest.SortTarget`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SortTarget {
    /// `KEY`.
    Key = 0,
    /// `VERSION`.
    Version = 1,
    /// `CREATE`.
    Create = 2,
    /// `MOD`.
    Mod = 3,
    /// `VALUE`.
    Value = 4,
}

/// `etcdserverpb.RangeRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RangeRequest {
    /// `key`.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// `range_end`.
    #[prost(bytes = "vec", tag = "2")]
    pub range_end: Vec<u8>,
    /// `limit`.
    #[prost(int64, tag = "3")]
    pub limit: i64,
    /// `revision`.
    #[prost(int64, tag = "4")]
    pub revision: i64,
    /// `sort_order`.
    #[prost(enumeration = "SortOrder", tag = "5")]
    pub sort_order: i32,
    /// `sort_target`.
    #[prost(enumeration = "SortTarget", tag = "6")]
    pub sort_target: i32,
    /// `serializable`.
    #[prost(bool, tag = "7")]
    pub serializable: bool,
    /// `keys_only`.
    #[prost(bool, tag = "8")]
    pub keys_only: bool,
    /// `count_only`.
    #[prost(bool, tag = "9")]
    pub count_only: bool,
    /// `min_mod_revision`.
    #[prost(int64, tag = "10")]
    pub min_mod_revision: i64,
    /// `max_mod_revision`.
    #[prost(int64, tag = "11")]
    pub max_mod_revision: i64,
    /// `min_create_revision`.
    #[prost(int64, tag = "12")]
    pub min_create_revision: i64,
    /// `max_create_revision`.
    #[prost(int64, tag = "13")]
    pub max_create_revision: i64,
}

/// `etcdserverpb.PutRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PutRequest {
    /// `key`.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// `value`.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
    /// `lease`: the lease to attach, 0 for none.
    #[prost(int64, tag = "3")]
    pub lease: i64,
    /// `prev_kv`.
    #[prost(bool, tag = "4")]
    pub prev_kv: bool,
    /// `ignore_value`: keep the key's current value.
    #[prost(bool, tag = "5")]
    pub ignore_value: bool,
    /// `ignore_lease`: keep the key's current lease.
    #[prost(bool, tag = "6")]
    pub ignore_lease: bool,
}

/// `etcdserverpb.DeleteRangeRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DeleteRangeRequest {
    /// `key`.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// `range_end`.
    #[prost(bytes = "vec", tag = "2")]
    pub range_end: Vec<u8>,
    /// `prev_kv`.
    #[prost(bool, tag = "3")]
    pub prev_kv: bool,
}

/// `etcdserverpb.RequestOp`: one operation of a txn branch.
///
/// Decoded by hand around the derived oneof: when a member is seen again,
/// gogo replaces the earlier message with a fresh one where prost's
/// derived code would merge into it.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct RequestOp {
    /// The `request` oneof.
    pub request: Option<request_op::Request>,
}

/// The oneof of [`RequestOp`].
pub mod request_op {
    /// `RequestOp.request`.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Request {
        /// `request_range`.
        #[prost(message, tag = "1")]
        RequestRange(super::RangeRequest),
        /// `request_put`.
        #[prost(message, tag = "2")]
        RequestPut(super::PutRequest),
        /// `request_delete_range`.
        #[prost(message, tag = "3")]
        RequestDeleteRange(super::DeleteRangeRequest),
        /// `request_txn`.
        #[prost(message, tag = "4")]
        RequestTxn(super::TxnRequest),
    }
}

impl prost::Message for RequestOp {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if let Some(r) = &self.request {
            r.encode(buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1..=4 => {
                let mut fresh = None;
                request_op::Request::merge(&mut fresh, tag, wire_type, buf, ctx)?;
                self.request = fresh;
                Ok(())
            }
            _ => prost::encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        self.request
            .as_ref()
            .map_or(0, request_op::Request::encoded_len)
    }

    fn clear(&mut self) {
        self.request = None;
    }
}

/// `Compare.CompareResult`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum CompareResult {
    /// `EQUAL`.
    Equal = 0,
    /// `GREATER`.
    Greater = 1,
    /// `LESS`.
    Less = 2,
    /// `NOT_EQUAL`.
    NotEqual = 3,
}

/// `Compare.CompareTarget`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum CompareTarget {
    /// `VERSION`.
    Version = 0,
    /// `CREATE`.
    Create = 1,
    /// `MOD`.
    Mod = 2,
    /// `VALUE`.
    Value = 3,
    /// `LEASE`.
    Lease = 4,
}

/// `etcdserverpb.Compare`: one condition of a txn.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Compare {
    /// `result`.
    #[prost(enumeration = "CompareResult", tag = "1")]
    pub result: i32,
    /// `target`.
    #[prost(enumeration = "CompareTarget", tag = "2")]
    pub target: i32,
    /// `key`.
    #[prost(bytes = "vec", tag = "3")]
    pub key: Vec<u8>,
    /// The `target_union` oneof: what to compare with.
    #[prost(oneof = "compare::TargetUnion", tags = "4, 5, 6, 7, 8")]
    pub target_union: Option<compare::TargetUnion>,
    /// `range_end`.
    #[prost(bytes = "vec", tag = "64")]
    pub range_end: Vec<u8>,
}

/// The oneof of [`Compare`].
pub mod compare {
    /// `Compare.target_union`.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum TargetUnion {
        /// `version`.
        #[prost(int64, tag = "4")]
        Version(i64),
        /// `create_revision`.
        #[prost(int64, tag = "5")]
        CreateRevision(i64),
        /// `mod_revision`.
        #[prost(int64, tag = "6")]
        ModRevision(i64),
        /// `value`.
        #[prost(bytes, tag = "7")]
        Value(Vec<u8>),
        /// `lease`.
        #[prost(int64, tag = "8")]
        Lease(i64),
    }
}

/// `etcdserverpb.TxnRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TxnRequest {
    /// `compare`.
    #[prost(message, repeated, tag = "1")]
    pub compare: Vec<Compare>,
    /// `success`: applied when every compare holds.
    #[prost(message, repeated, tag = "2")]
    pub success: Vec<RequestOp>,
    /// `failure`: applied otherwise.
    #[prost(message, repeated, tag = "3")]
    pub failure: Vec<RequestOp>,
}

/// `etcdserverpb.CompactionRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CompactionRequest {
    /// `revision`.
    #[prost(int64, tag = "1")]
    pub revision: i64,
    /// `physical`.
    #[prost(bool, tag = "2")]
    pub physical: bool,
}

/// `etcdserverpb.LeaseGrantRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeaseGrantRequest {
    /// `TTL`, in seconds.
    #[prost(int64, tag = "1")]
    pub ttl: i64,
    /// `ID`.
    #[prost(int64, tag = "2")]
    pub id: i64,
}

/// `etcdserverpb.LeaseRevokeRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeaseRevokeRequest {
    /// `ID`.
    #[prost(int64, tag = "1")]
    pub id: i64,
}

/// `etcdserverpb.LeaseCheckpoint`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeaseCheckpoint {
    /// `ID`.
    #[prost(int64, tag = "1")]
    pub id: i64,
    /// `remaining_TTL`.
    #[prost(int64, tag = "2")]
    pub remaining_ttl: i64,
}

/// `etcdserverpb.LeaseCheckpointRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LeaseCheckpointRequest {
    /// `checkpoints`.
    #[prost(message, repeated, tag = "1")]
    pub checkpoints: Vec<LeaseCheckpoint>,
}

/// `AlarmRequest.AlarmAction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum AlarmAction {
    /// `GET`.
    Get = 0,
    /// `ACTIVATE`.
    Activate = 1,
    /// `DEACTIVATE`.
    Deactivate = 2,
}

/// `etcdserverpb.AlarmType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum AlarmType {
    /// `NONE`.
    None = 0,
    /// `NOSPACE`.
    Nospace = 1,
    /// `CORRUPT`.
    Corrupt = 2,
}

/// `etcdserverpb.AlarmRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AlarmRequest {
    /// `action`.
    #[prost(enumeration = "AlarmAction", tag = "1")]
    pub action: i32,
    /// `memberID`.
    #[prost(uint64, tag = "2")]
    pub member_id: u64,
    /// `alarm`.
    #[prost(enumeration = "AlarmType", tag = "3")]
    pub alarm: i32,
}

/// `etcdserverpb.AuthEnableRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthEnableRequest {}

/// `etcdserverpb.AuthDisableRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthDisableRequest {}

/// `etcdserverpb.AuthStatusRequest` (3.5).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthStatusRequest {}

/// `etcdserverpb.InternalAuthenticateRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InternalAuthenticateRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// `password`.
    #[prost(bytes = "vec", tag = "2")]
    pub password: Vec<u8>,
    /// `simple_token`.
    #[prost(bytes = "vec", tag = "3")]
    pub simple_token: Vec<u8>,
}

/// `authpb.UserAddOptions`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct UserAddOptions {
    /// `no_password`.
    #[prost(bool, tag = "1")]
    pub no_password: bool,
}

/// `etcdserverpb.AuthUserAddRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserAddRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// `password` (etcd 3.5 empties it and sends the hash).
    #[prost(bytes = "vec", tag = "2")]
    pub password: Vec<u8>,
    /// `options`.
    #[prost(message, optional, tag = "3")]
    pub options: Option<UserAddOptions>,
    /// `hashedPassword` (3.5): the bcrypt hash, base64.
    #[prost(bytes = "vec", tag = "4")]
    pub hashed_password: Vec<u8>,
}

/// `etcdserverpb.AuthUserGetRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserGetRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
}

/// `etcdserverpb.AuthUserDeleteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserDeleteRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
}

/// `etcdserverpb.AuthUserChangePasswordRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserChangePasswordRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// `password` (etcd 3.5 empties it and sends the hash).
    #[prost(bytes = "vec", tag = "2")]
    pub password: Vec<u8>,
    /// `hashedPassword` (3.5): the bcrypt hash, base64.
    #[prost(bytes = "vec", tag = "3")]
    pub hashed_password: Vec<u8>,
}

/// `etcdserverpb.AuthUserGrantRoleRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserGrantRoleRequest {
    /// `user`.
    #[prost(bytes = "vec", tag = "1")]
    pub user: Vec<u8>,
    /// `role`.
    #[prost(bytes = "vec", tag = "2")]
    pub role: Vec<u8>,
}

/// `etcdserverpb.AuthUserRevokeRoleRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserRevokeRoleRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// `role`.
    #[prost(bytes = "vec", tag = "2")]
    pub role: Vec<u8>,
}

/// `etcdserverpb.AuthUserListRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthUserListRequest {}

/// `etcdserverpb.AuthRoleListRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthRoleListRequest {}

/// `etcdserverpb.AuthRoleAddRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthRoleAddRequest {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
}

/// `etcdserverpb.AuthRoleDeleteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthRoleDeleteRequest {
    /// `role`.
    #[prost(bytes = "vec", tag = "1")]
    pub role: Vec<u8>,
}

/// `etcdserverpb.AuthRoleGetRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthRoleGetRequest {
    /// `role`.
    #[prost(bytes = "vec", tag = "1")]
    pub role: Vec<u8>,
}

/// `authpb.Permission.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum PermissionType {
    /// `READ`.
    Read = 0,
    /// `WRITE`.
    Write = 1,
    /// `READWRITE`.
    Readwrite = 2,
}

/// `authpb.Permission`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Permission {
    /// `permType`.
    #[prost(enumeration = "PermissionType", tag = "1")]
    pub perm_type: i32,
    /// `key`.
    #[prost(bytes = "vec", tag = "2")]
    pub key: Vec<u8>,
    /// `range_end`.
    #[prost(bytes = "vec", tag = "3")]
    pub range_end: Vec<u8>,
}

/// `etcdserverpb.AuthRoleGrantPermissionRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthRoleGrantPermissionRequest {
    /// `name`: the role.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// `perm`.
    #[prost(message, optional, tag = "2")]
    pub perm: Option<Permission>,
}

/// `etcdserverpb.AuthRoleRevokePermissionRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AuthRoleRevokePermissionRequest {
    /// `role`.
    #[prost(bytes = "vec", tag = "1")]
    pub role: Vec<u8>,
    /// `key`.
    #[prost(bytes = "vec", tag = "2")]
    pub key: Vec<u8>,
    /// `range_end`.
    #[prost(bytes = "vec", tag = "3")]
    pub range_end: Vec<u8>,
}

/// `membershippb.ClusterVersionSetRequest` (3.5).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClusterVersionSetRequest {
    /// `ver`.
    #[prost(bytes = "vec", tag = "1")]
    pub ver: Vec<u8>,
}

/// `membershippb.Attributes`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Attributes {
    /// `name`.
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    /// `client_urls`.
    #[prost(bytes = "vec", repeated, tag = "2")]
    pub client_urls: Vec<Vec<u8>>,
}

/// `membershippb.ClusterMemberAttrSetRequest` (3.5).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClusterMemberAttrSetRequest {
    /// `member_ID`.
    #[prost(uint64, tag = "1")]
    pub member_id: u64,
    /// `member_attributes`.
    #[prost(message, optional, tag = "2")]
    pub member_attributes: Option<Attributes>,
}

/// `membershippb.DowngradeInfoSetRequest` (3.5).
#[derive(Clone, PartialEq, prost::Message)]
pub struct DowngradeInfoSetRequest {
    /// `enabled`.
    #[prost(bool, tag = "1")]
    pub enabled: bool,
    /// `ver`.
    #[prost(bytes = "vec", tag = "2")]
    pub ver: Vec<u8>,
}

/// `etcdserverpb.DowngradeVersionTestRequest` (3.6).
#[derive(Clone, PartialEq, prost::Message)]
pub struct DowngradeVersionTestRequest {
    /// `ver`.
    #[prost(bytes = "vec", tag = "1")]
    pub ver: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn put(key: &[u8], value: &[u8]) -> RequestOp {
        RequestOp {
            request: Some(request_op::Request::RequestPut(PutRequest {
                key: key.to_vec(),
                value: value.to_vec(),
                ..Default::default()
            })),
        }
    }

    #[test]
    fn a_oneof_message_seen_twice_is_replaced_not_merged() {
        // request_put{key:"a" value:"x"} then request_put{key:"b"}: gogo
        // keeps the second message alone.
        let mut bytes = put(b"a", b"x").encode_to_vec();
        bytes.extend(put(b"b", b"").encode_to_vec());
        let op = RequestOp::decode(bytes.as_slice()).unwrap();
        assert_eq!(op, put(b"b", b""));
        // A later member of the oneof replaces an earlier one.
        let mut bytes = put(b"a", b"x").encode_to_vec();
        bytes.extend([0x1a, 0x02, 0x0a, 0x00]); // request_delete_range{key:""}
        let op = RequestOp::decode(bytes.as_slice()).unwrap();
        assert!(matches!(
            op.request,
            Some(request_op::Request::RequestDeleteRange(_))
        ));
        // Encoding round-trips.
        let txn = TxnRequest {
            success: vec![put(b"k", b"v")],
            ..Default::default()
        };
        let op = RequestOp {
            request: Some(request_op::Request::RequestTxn(txn)),
        };
        assert_eq!(
            RequestOp::decode(op.encode_to_vec().as_slice()).unwrap(),
            op
        );
    }

    #[test]
    fn last_scalar_wins_messages_merge_unknown_fields_skipped() {
        // put{key:"a" key:"b" value:"v" 99:7} put{lease:5}
        let put1 = [
            0x0a, 0x01, b'a', 0x0a, 0x01, b'b', 0x12, 0x01, b'v', 0x98, 0x06, 0x07,
        ];
        let put2 = [0x18, 0x05];
        let mut data = vec![0x22, put1.len() as u8];
        data.extend(put1);
        data.extend([0x22, put2.len() as u8]);
        data.extend(put2);
        let r = InternalRaftRequest::decode(data.as_slice()).unwrap();
        let p = r.put.unwrap();
        assert_eq!(
            (p.key.as_slice(), p.value.as_slice(), p.lease),
            (&b"b"[..], &b"v"[..], 5)
        );
        // Not UTF-8 in a string field: kept as bytes, as gogo keeps it.
        let user = [0x0a, 0x02, 0xff, 0xfe];
        let mut data = vec![0xe2, 0x44, user.len() as u8];
        data.extend(user);
        let r = InternalRaftRequest::decode(data.as_slice()).unwrap();
        assert_eq!(r.auth_user_add.unwrap().name, vec![0xff, 0xfe]);
        // A known field with the wrong wire type does not decode.
        assert!(InternalRaftRequest::decode(&[0x20, 0x01][..]).is_err());
        // Go accepts a 10-byte varint ending above 1; prost does not.
        let mut v = vec![0x08];
        v.extend([0xff; 9]);
        v.push(0x7f);
        assert!(InternalRaftRequest::decode(v.as_slice()).is_err());
    }

    #[test]
    fn compare_target_union_keeps_the_last_member() {
        // version:3 then value:"x"
        let c = [0x20, 0x03, 0x3a, 0x01, b'x'];
        let c = Compare::decode(&c[..]).unwrap();
        assert_eq!(
            c.target_union,
            Some(compare::TargetUnion::Value(b"x".to_vec()))
        );
        // An enum number etcd does not know is kept.
        let c = Compare::decode(&[0x08, 0x09][..]).unwrap();
        assert_eq!(c.result, 9);
        assert!(CompareResult::try_from(c.result).is_err());
    }
}
