//! The requests inside raft entries, shown: a request decoded into the
//! types of [`crate::etcdserverpb`] printed in the protobuf text form
//! `etcd-dump-logs` prints (`header:<ID:7 > put:<key:"a" value:"b" > `) or
//! as JSON.
//!
//! Fields are shown in the order etcd's `.proto` files declare them, with
//! their `.proto` names, zero values left out (proto3); what is shown is
//! what the typed decode holds (for a field written twice, the value etcd
//! decodes). The text form also shows, after the known fields of each
//! message, the fields etcd's protos do not declare, by number: the typed
//! decode skips those, so they are read from the bytes the request was
//! decoded from. JSON leaves them out.

use serde_json::{Map, Value};

use crate::etcdserverpb::{
    compare::TargetUnion, request_op, AlarmRequest, Attributes, AuthDisableRequest,
    AuthEnableRequest, AuthRoleAddRequest, AuthRoleDeleteRequest, AuthRoleGetRequest,
    AuthRoleGrantPermissionRequest, AuthRoleListRequest, AuthRoleRevokePermissionRequest,
    AuthStatusRequest, AuthUserAddRequest, AuthUserChangePasswordRequest, AuthUserDeleteRequest,
    AuthUserGetRequest, AuthUserGrantRoleRequest, AuthUserListRequest, AuthUserRevokeRoleRequest,
    ClusterMemberAttrSetRequest, ClusterVersionSetRequest, CompactionRequest, Compare,
    DeleteRangeRequest, DowngradeInfoSetRequest, DowngradeVersionTestRequest,
    InternalAuthenticateRequest, InternalRaftRequest, LeaseCheckpoint, LeaseCheckpointRequest,
    LeaseGrantRequest, LeaseRevokeRequest, Permission, PutRequest, RangeRequest, Request,
    RequestHeader, RequestOp, TxnRequest, UserAddOptions,
};

/// The text form of a request, as `etcd-dump-logs` prints it; `raw` is the
/// bytes `req` was decoded from (for the fields the types do not declare).
pub fn text(req: &InternalRaftRequest, raw: &[u8]) -> String {
    let mut out = String::new();
    text_of(req, &[raw], &mut out, 0);
    out
}

/// A request as JSON: an object per message, keyed by field name; bytes
/// as a string when they are UTF-8, else as `{"hex": ...}`; enums by name.
pub fn json(req: &InternalRaftRequest) -> Value {
    json_of(req)
}

/// A v2 request as JSON, in the same form as [`json`].
pub fn v2_json(req: &Request) -> Value {
    json_of(req)
}

/// One field's value, as the display sees it.
enum Val<'a> {
    U64(u64),
    I64(i64),
    Bool(bool),
    /// Bytes or a string.
    Bytes(&'a [u8]),
    /// An enum's number and the names of its values.
    Enum(i32, &'static [&'static str]),
    /// A repeated string.
    Strings(&'a [Vec<u8>]),
    /// A message field (None when absent): every occurrence was merged.
    Msg(Option<&'a dyn Show>),
    /// A message member of a oneof (None when not the member set): the
    /// last occurrence replaced the others.
    OneofMsg(Option<&'a dyn Show>),
    /// A repeated message field.
    Msgs(Vec<&'a dyn Show>),
}

/// A message the display walks: its fields in declaration order, as
/// (number, `.proto` name, value).
trait Show {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)>;
}

fn msg<T: Show>(m: &Option<T>) -> Val<'_> {
    Val::Msg(m.as_ref().map(|m| m as &dyn Show))
}

fn msgs<T: Show>(v: &[T]) -> Val<'_> {
    Val::Msgs(v.iter().map(|m| m as &dyn Show).collect())
}

impl Show for RequestHeader {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "ID", Val::U64(self.id)),
            (2, "username", Val::Bytes(&self.username)),
            (3, "auth_revision", Val::U64(self.auth_revision)),
        ]
    }
}

impl Show for InternalRaftRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (100, "header", msg(&self.header)),
            (1, "ID", Val::U64(self.id)),
            (2, "v2", msg(&self.v2)),
            (3, "range", msg(&self.range)),
            (4, "put", msg(&self.put)),
            (5, "delete_range", msg(&self.delete_range)),
            (6, "txn", msg(&self.txn)),
            (7, "compaction", msg(&self.compaction)),
            (8, "lease_grant", msg(&self.lease_grant)),
            (9, "lease_revoke", msg(&self.lease_revoke)),
            (10, "alarm", msg(&self.alarm)),
            (11, "lease_checkpoint", msg(&self.lease_checkpoint)),
            (1000, "auth_enable", msg(&self.auth_enable)),
            (1011, "auth_disable", msg(&self.auth_disable)),
            (1013, "auth_status", msg(&self.auth_status)),
            (1012, "authenticate", msg(&self.authenticate)),
            (1100, "auth_user_add", msg(&self.auth_user_add)),
            (1101, "auth_user_delete", msg(&self.auth_user_delete)),
            (1102, "auth_user_get", msg(&self.auth_user_get)),
            (
                1103,
                "auth_user_change_password",
                msg(&self.auth_user_change_password),
            ),
            (
                1104,
                "auth_user_grant_role",
                msg(&self.auth_user_grant_role),
            ),
            (
                1105,
                "auth_user_revoke_role",
                msg(&self.auth_user_revoke_role),
            ),
            (1106, "auth_user_list", msg(&self.auth_user_list)),
            (1107, "auth_role_list", msg(&self.auth_role_list)),
            (1200, "auth_role_add", msg(&self.auth_role_add)),
            (1201, "auth_role_delete", msg(&self.auth_role_delete)),
            (1202, "auth_role_get", msg(&self.auth_role_get)),
            (
                1203,
                "auth_role_grant_permission",
                msg(&self.auth_role_grant_permission),
            ),
            (
                1204,
                "auth_role_revoke_permission",
                msg(&self.auth_role_revoke_permission),
            ),
            (1300, "cluster_version_set", msg(&self.cluster_version_set)),
            (
                1301,
                "cluster_member_attr_set",
                msg(&self.cluster_member_attr_set),
            ),
            (1302, "downgrade_info_set", msg(&self.downgrade_info_set)),
            (
                9900,
                "downgrade_version_test",
                msg(&self.downgrade_version_test),
            ),
        ]
    }
}

impl Show for Request {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "ID", Val::U64(self.id)),
            (2, "Method", Val::Bytes(&self.method)),
            (3, "Path", Val::Bytes(&self.path)),
            (4, "Val", Val::Bytes(&self.val)),
            (5, "Dir", Val::Bool(self.dir)),
            (6, "PrevValue", Val::Bytes(&self.prev_value)),
            (7, "PrevIndex", Val::U64(self.prev_index)),
            (8, "PrevExist", Val::Bool(self.prev_exist.unwrap_or(false))),
            (9, "Expiration", Val::I64(self.expiration)),
            (10, "Wait", Val::Bool(self.wait)),
            (11, "Since", Val::U64(self.since)),
            (12, "Recursive", Val::Bool(self.recursive)),
            (13, "Sorted", Val::Bool(self.sorted)),
            (14, "Quorum", Val::Bool(self.quorum)),
            (15, "Time", Val::I64(self.time)),
            (16, "Stream", Val::Bool(self.stream)),
            (17, "Refresh", Val::Bool(self.refresh.unwrap_or(false))),
        ]
    }
}

impl Show for RangeRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "key", Val::Bytes(&self.key)),
            (2, "range_end", Val::Bytes(&self.range_end)),
            (3, "limit", Val::I64(self.limit)),
            (4, "revision", Val::I64(self.revision)),
            (
                5,
                "sort_order",
                Val::Enum(self.sort_order, &["NONE", "ASCEND", "DESCEND"]),
            ),
            (
                6,
                "sort_target",
                Val::Enum(
                    self.sort_target,
                    &["KEY", "VERSION", "CREATE", "MOD", "VALUE"],
                ),
            ),
            (7, "serializable", Val::Bool(self.serializable)),
            (8, "keys_only", Val::Bool(self.keys_only)),
            (9, "count_only", Val::Bool(self.count_only)),
            (10, "min_mod_revision", Val::I64(self.min_mod_revision)),
            (11, "max_mod_revision", Val::I64(self.max_mod_revision)),
            (
                12,
                "min_create_revision",
                Val::I64(self.min_create_revision),
            ),
            (
                13,
                "max_create_revision",
                Val::I64(self.max_create_revision),
            ),
        ]
    }
}

impl Show for PutRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "key", Val::Bytes(&self.key)),
            (2, "value", Val::Bytes(&self.value)),
            (3, "lease", Val::I64(self.lease)),
            (4, "prev_kv", Val::Bool(self.prev_kv)),
            (5, "ignore_value", Val::Bool(self.ignore_value)),
            (6, "ignore_lease", Val::Bool(self.ignore_lease)),
        ]
    }
}

impl Show for DeleteRangeRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "key", Val::Bytes(&self.key)),
            (2, "range_end", Val::Bytes(&self.range_end)),
            (3, "prev_kv", Val::Bool(self.prev_kv)),
        ]
    }
}

impl Show for Compare {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        let u = self.target_union.as_ref();
        let int = |f: fn(&TargetUnion) -> Option<i64>| Val::I64(u.and_then(f).unwrap_or(0));
        let value = match u {
            Some(TargetUnion::Value(v)) => v.as_slice(),
            _ => &[],
        };
        vec![
            (
                1,
                "result",
                Val::Enum(self.result, &["EQUAL", "GREATER", "LESS", "NOT_EQUAL"]),
            ),
            (
                2,
                "target",
                Val::Enum(self.target, &["VERSION", "CREATE", "MOD", "VALUE", "LEASE"]),
            ),
            (3, "key", Val::Bytes(&self.key)),
            (
                4,
                "version",
                int(|u| match u {
                    TargetUnion::Version(v) => Some(*v),
                    _ => None,
                }),
            ),
            (
                5,
                "create_revision",
                int(|u| match u {
                    TargetUnion::CreateRevision(v) => Some(*v),
                    _ => None,
                }),
            ),
            (
                6,
                "mod_revision",
                int(|u| match u {
                    TargetUnion::ModRevision(v) => Some(*v),
                    _ => None,
                }),
            ),
            (7, "value", Val::Bytes(value)),
            (
                8,
                "lease",
                int(|u| match u {
                    TargetUnion::Lease(v) => Some(*v),
                    _ => None,
                }),
            ),
            (64, "range_end", Val::Bytes(&self.range_end)),
        ]
    }
}

impl Show for RequestOp {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        use request_op::Request as R;
        let (mut range, mut put, mut del, mut txn) = (None, None, None, None);
        match &self.request {
            Some(R::RequestRange(m)) => range = Some(m as &dyn Show),
            Some(R::RequestPut(m)) => put = Some(m as &dyn Show),
            Some(R::RequestDeleteRange(m)) => del = Some(m as &dyn Show),
            Some(R::RequestTxn(m)) => txn = Some(m as &dyn Show),
            None => {}
        }
        vec![
            (1, "request_range", Val::OneofMsg(range)),
            (2, "request_put", Val::OneofMsg(put)),
            (3, "request_delete_range", Val::OneofMsg(del)),
            (4, "request_txn", Val::OneofMsg(txn)),
        ]
    }
}

impl Show for TxnRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "compare", msgs(&self.compare)),
            (2, "success", msgs(&self.success)),
            (3, "failure", msgs(&self.failure)),
        ]
    }
}

impl Show for CompactionRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "revision", Val::I64(self.revision)),
            (2, "physical", Val::Bool(self.physical)),
        ]
    }
}

impl Show for LeaseGrantRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "TTL", Val::I64(self.ttl)), (2, "ID", Val::I64(self.id))]
    }
}

impl Show for LeaseRevokeRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "ID", Val::I64(self.id))]
    }
}

impl Show for LeaseCheckpoint {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "ID", Val::I64(self.id)),
            (2, "remaining_TTL", Val::I64(self.remaining_ttl)),
        ]
    }
}

impl Show for LeaseCheckpointRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "checkpoints", msgs(&self.checkpoints))]
    }
}

impl Show for AlarmRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (
                1,
                "action",
                Val::Enum(self.action, &["GET", "ACTIVATE", "DEACTIVATE"]),
            ),
            (2, "memberID", Val::U64(self.member_id)),
            (
                3,
                "alarm",
                Val::Enum(self.alarm, &["NONE", "NOSPACE", "CORRUPT"]),
            ),
        ]
    }
}

/// Messages without fields.
macro_rules! show_empty {
    ($($t:ty),*) => {
        $(impl Show for $t {
            fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
                Vec::new()
            }
        })*
    };
}

show_empty!(
    AuthEnableRequest,
    AuthDisableRequest,
    AuthStatusRequest,
    AuthUserListRequest,
    AuthRoleListRequest
);

impl Show for InternalAuthenticateRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "name", Val::Bytes(&self.name)),
            (2, "password", Val::Bytes(&self.password)),
            (3, "simple_token", Val::Bytes(&self.simple_token)),
        ]
    }
}

impl Show for UserAddOptions {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "no_password", Val::Bool(self.no_password))]
    }
}

impl Show for AuthUserAddRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "name", Val::Bytes(&self.name)),
            (2, "password", Val::Bytes(&self.password)),
            (3, "options", msg(&self.options)),
            (4, "hashedPassword", Val::Bytes(&self.hashed_password)),
        ]
    }
}

impl Show for AuthUserGetRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "name", Val::Bytes(&self.name))]
    }
}

impl Show for AuthUserDeleteRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "name", Val::Bytes(&self.name))]
    }
}

impl Show for AuthUserChangePasswordRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "name", Val::Bytes(&self.name)),
            (2, "password", Val::Bytes(&self.password)),
            (3, "hashedPassword", Val::Bytes(&self.hashed_password)),
        ]
    }
}

impl Show for AuthUserGrantRoleRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "user", Val::Bytes(&self.user)),
            (2, "role", Val::Bytes(&self.role)),
        ]
    }
}

impl Show for AuthUserRevokeRoleRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "name", Val::Bytes(&self.name)),
            (2, "role", Val::Bytes(&self.role)),
        ]
    }
}

impl Show for AuthRoleAddRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "name", Val::Bytes(&self.name))]
    }
}

impl Show for AuthRoleDeleteRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "role", Val::Bytes(&self.role))]
    }
}

impl Show for AuthRoleGetRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "role", Val::Bytes(&self.role))]
    }
}

impl Show for Permission {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (
                1,
                "permType",
                Val::Enum(self.perm_type, &["READ", "WRITE", "READWRITE"]),
            ),
            (2, "key", Val::Bytes(&self.key)),
            (3, "range_end", Val::Bytes(&self.range_end)),
        ]
    }
}

impl Show for AuthRoleGrantPermissionRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "name", Val::Bytes(&self.name)),
            (2, "perm", msg(&self.perm)),
        ]
    }
}

impl Show for AuthRoleRevokePermissionRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "role", Val::Bytes(&self.role)),
            (2, "key", Val::Bytes(&self.key)),
            (3, "range_end", Val::Bytes(&self.range_end)),
        ]
    }
}

impl Show for ClusterVersionSetRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "ver", Val::Bytes(&self.ver))]
    }
}

impl Show for Attributes {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "name", Val::Bytes(&self.name)),
            (2, "client_urls", Val::Strings(&self.client_urls)),
        ]
    }
}

impl Show for ClusterMemberAttrSetRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "member_ID", Val::U64(self.member_id)),
            (2, "member_attributes", msg(&self.member_attributes)),
        ]
    }
}

impl Show for DowngradeVersionTestRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![(1, "ver", Val::Bytes(&self.ver))]
    }
}

impl Show for DowngradeInfoSetRequest {
    fn fields(&self) -> Vec<(u32, &'static str, Val<'_>)> {
        vec![
            (1, "enabled", Val::Bool(self.enabled)),
            (2, "ver", Val::Bytes(&self.ver)),
        ]
    }
}

/// A field as written, for the fields the types do not declare.
#[derive(Debug, Clone, PartialEq)]
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
    /// A group (wire types 3 and 4), by what lies between its tags.
    Group(&'a [u8]),
}

/// Deeper than this, prost refuses to decode (and so nothing is shown).
const MAX_DEPTH: usize = 100;

/// Splits a message into (field number, value) in wire order; None when
/// the bytes are not a message.
fn split(mut b: &[u8], depth: usize) -> Option<Vec<(u32, Raw<'_>)>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (num, v, rest) = field(b, depth)?;
        out.push((num, v?));
        b = rest;
    }
    Some(out)
}

/// One field from the front of `b`: its number, its value (None for an
/// end-group tag) and what follows.
fn field(b: &[u8], depth: usize) -> Option<(u32, Option<Raw<'_>>, &[u8])> {
    let (tag, b) = varint(b)?;
    let num = u32::try_from(tag >> 3).ok().filter(|n| *n > 0)?;
    Some(match tag & 7 {
        0 => {
            let (v, rest) = varint(b)?;
            (num, Some(Raw::Varint(v)), rest)
        }
        1 => {
            let (x, rest) = b.split_first_chunk::<8>()?;
            (num, Some(Raw::Fixed64(u64::from_le_bytes(*x))), rest)
        }
        2 => {
            let (len, rest) = varint(b)?;
            let len = usize::try_from(len).ok().filter(|l| *l <= rest.len())?;
            let (x, rest) = rest.split_at(len);
            (num, Some(Raw::Bytes(x)), rest)
        }
        3 => {
            if depth >= MAX_DEPTH {
                return None;
            }
            let mut rest = b;
            loop {
                let (inner, v, after) = field(rest, depth + 1)?;
                if v.is_none() {
                    if inner != num {
                        return None;
                    }
                    let inside = b.get(..b.len() - rest.len())?;
                    break (num, Some(Raw::Group(inside)), after);
                }
                rest = after;
            }
        }
        4 => (num, None, b),
        5 => {
            let (x, rest) = b.split_first_chunk::<4>()?;
            (num, Some(Raw::Fixed32(u32::from_le_bytes(*x))), rest)
        }
        _ => return None,
    })
}

fn varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, b.get(i + 1..)?));
        }
    }
    None
}

/// Go's `%q`-style quoting of bytes as gogoproto's text format does it:
/// printable ASCII kept, `"` and `\` escaped, the rest as octal escapes.
fn quote(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\{c:03o}")),
        }
    }
    s.push('\"');
    s
}

fn enum_name(v: i32, names: &[&str]) -> String {
    usize::try_from(v)
        .ok()
        .and_then(|i| names.get(i))
        .map_or_else(|| v.to_string(), |n| (*n).to_string())
}

/// A scalar's text, None when it is zero (left out).
fn scalar_text(v: &Val<'_>) -> Option<String> {
    Some(match *v {
        Val::U64(x) if x != 0 => x.to_string(),
        Val::I64(x) if x != 0 => x.to_string(),
        Val::Bool(true) => "true".to_string(),
        Val::Bytes(b) if !b.is_empty() => quote(b),
        Val::Enum(x, names) if x != 0 => enum_name(x, names),
        _ => return None,
    })
}

fn raw_text(v: &Raw<'_>) -> String {
    match v {
        Raw::Varint(x) | Raw::Fixed64(x) => x.to_string(),
        Raw::Fixed32(x) => x.to_string(),
        Raw::Bytes(b) | Raw::Group(b) => quote(b),
    }
}

/// Writes the text form of `m`, decoded from the message bytes `raw`
/// (several when occurrences were merged).
fn text_of(m: &dyn Show, raw: &[&[u8]], out: &mut String, depth: usize) {
    let fields = m.fields();
    let wire: Vec<(u32, Raw<'_>)> = raw
        .iter()
        .flat_map(|b| split(b, depth).unwrap_or_default())
        .collect();
    // The bytes of every occurrence of message field `num`.
    let chunks = |num: u32| -> Vec<&[u8]> {
        wire.iter()
            .filter_map(|(n, v)| match v {
                Raw::Bytes(b) if *n == num => Some(*b),
                _ => None,
            })
            .collect()
    };
    for (num, name, val) in &fields {
        match val {
            Val::Msg(Some(sub)) => {
                out.push_str(name);
                out.push_str(":<");
                text_of(*sub, &chunks(*num), out, depth + 1);
                out.push_str("> ");
            }
            Val::OneofMsg(Some(sub)) => {
                let last = chunks(*num).last().copied();
                out.push_str(name);
                out.push_str(":<");
                text_of(*sub, last.as_slice(), out, depth + 1);
                out.push_str("> ");
            }
            Val::Msgs(list) => {
                let all = chunks(*num);
                for (i, sub) in list.iter().enumerate() {
                    out.push_str(name);
                    out.push_str(":<");
                    text_of(*sub, all.get(i).copied().as_slice(), out, depth + 1);
                    out.push_str("> ");
                }
            }
            Val::Msg(None) | Val::OneofMsg(None) => {}
            Val::Strings(list) => {
                for s in list.iter().filter(|s| !s.is_empty()) {
                    out.push_str(&format!("{name}:{} ", quote(s)));
                }
            }
            scalar => {
                if let Some(t) = scalar_text(scalar) {
                    out.push_str(&format!("{name}:{t} "));
                }
            }
        }
    }
    for (num, v) in &wire {
        if !fields.iter().any(|f| f.0 == *num) {
            out.push_str(&format!("{num}:{} ", raw_text(v)));
        }
    }
}

/// Bytes as a JSON string when they are UTF-8, else as `{"hex": ...}`.
fn bytes_json(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => {
            let mut h = Map::new();
            h.insert(
                "hex".into(),
                Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
            );
            Value::Object(h)
        }
    }
}

fn json_of(m: &dyn Show) -> Value {
    let mut out = Map::new();
    for (_, name, val) in m.fields() {
        let v = match val {
            Val::Msg(Some(sub)) | Val::OneofMsg(Some(sub)) => json_of(sub),
            Val::Msg(None) | Val::OneofMsg(None) => continue,
            Val::Msgs(list) if list.is_empty() => continue,
            Val::Msgs(list) => Value::Array(list.into_iter().map(json_of).collect()),
            Val::Strings(list) => {
                let shown: Vec<Value> = list
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| bytes_json(s))
                    .collect();
                if shown.is_empty() {
                    continue;
                }
                Value::Array(shown)
            }
            Val::U64(x) if x != 0 => Value::from(x),
            Val::I64(x) if x != 0 => Value::from(x),
            Val::Bool(true) => Value::Bool(true),
            Val::Bytes(b) if !b.is_empty() => bytes_json(b),
            Val::Enum(x, names) if x != 0 => Value::String(enum_name(x, names)),
            _ => continue,
        };
        out.insert(name.to_string(), v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn decode(data: &[u8]) -> InternalRaftRequest {
        InternalRaftRequest::decode(data).unwrap()
    }

    #[test]
    fn shows_a_put_as_etcd_dump_logs_shows_it() {
        // header{ID:7} put{key:"a" value:"b\x01"}
        let header = [0x08, 0x07];
        let put = [0x0a, 0x01, b'a', 0x12, 0x02, b'b', 0x01];
        let mut data = vec![0xa2, 0x06, header.len() as u8];
        data.extend_from_slice(&header);
        data.push(0x22);
        data.push(put.len() as u8);
        data.extend_from_slice(&put);
        let req = decode(&data);
        assert_eq!(
            text(&req, &data),
            "header:<ID:7 > put:<key:\"a\" value:\"b\\001\" > "
        );
        let j = json(&req);
        assert_eq!(j["put"]["key"], "a");
        assert_eq!(j["put"]["value"], "b\u{1}");
        assert_eq!(j["header"]["ID"], 7);
    }

    #[test]
    fn unknown_fields_are_shown_by_number_at_every_level() {
        // txn{success{request_put{key:"k" 9:5} 7:"x"}} 2000:1 ; fixed32 and
        // a group among the unknowns.
        let put = [0x0a, 0x01, b'k', 0x48, 0x05];
        let mut op = vec![0x12, put.len() as u8];
        op.extend(put);
        op.extend([0x3a, 0x01, b'x']);
        let mut txn = vec![0x12, op.len() as u8];
        txn.extend(&op);
        let mut data = vec![0x32, txn.len() as u8];
        data.extend(&txn);
        data.extend([0x80, 0x7d, 0x01]); // 2000:1
        data.extend([0xbd, 0x01, 1, 0, 0, 0]); // 23: fixed32 1
        data.extend([0xc3, 0x01, 0x08, 0x02, 0xc4, 0x01]); // 24: group{1:2}
        let req = decode(&data);
        assert_eq!(
            text(&req, &data),
            "txn:<success:<request_put:<key:\"k\" 9:5 > 7:\"x\" > > 2000:1 23:1 24:\"\\010\\002\" "
        );
        // JSON shows the declared fields only.
        assert_eq!(
            json(&req).to_string(),
            r#"{"txn":{"success":[{"request_put":{"key":"k"}}]}}"#
        );
    }

    #[test]
    fn merged_and_replaced_occurrences() {
        // put{key:"a" 9:1} put{value:"v" 9:2}: one merged put holding both
        // occurrences' unknown fields.
        let data = [
            0x22, 0x05, 0x0a, 0x01, b'a', 0x48, 0x01, 0x22, 0x05, 0x12, 0x01, b'v', 0x48, 0x02,
        ];
        assert_eq!(
            text(&decode(&data), &data),
            "put:<key:\"a\" value:\"v\" 9:1 9:2 > "
        );
        // A txn op holding request_put twice: the second alone is kept.
        let op = [
            0x12, 0x05, 0x0a, 0x01, b'a', 0x48, 0x01, 0x12, 0x03, 0x0a, 0x01, b'b',
        ];
        let mut txn = vec![0x12, op.len() as u8];
        txn.extend(op);
        let mut data = vec![0x32, txn.len() as u8];
        data.extend(txn);
        assert_eq!(
            text(&decode(&data), &data),
            "txn:<success:<request_put:<key:\"b\" > > > "
        );
    }

    /// The numbers and wire types the display declares for a message are
    /// exactly those its prost declaration decodes.
    fn tags_agree<T: prost::Message + Default + Show>() {
        let shown: Vec<(u32, bool)> = T::default()
            .fields()
            .iter()
            .map(|(n, _, v)| {
                let varint = matches!(v, Val::U64(_) | Val::I64(_) | Val::Bool(_) | Val::Enum(..));
                (*n, varint)
            })
            .collect();
        for tag in 1..=2000u32 {
            let mut b = Vec::new();
            prost::encoding::encode_key(tag, prost::encoding::WireType::Varint, &mut b);
            b.push(1);
            let decoded: Option<bool> = match T::decode(b.as_slice()) {
                Err(_) => Some(false),
                Ok(m) if !m.encode_to_vec().is_empty() => Some(true),
                Ok(_) => None,
            };
            let declared = shown.iter().find(|(n, _)| *n == tag).map(|(_, v)| *v);
            assert_eq!(
                decoded,
                declared,
                "{} field {tag}",
                std::any::type_name::<T>()
            );
        }
    }

    #[test]
    fn the_display_declares_the_fields_prost_decodes() {
        tags_agree::<InternalRaftRequest>();
        tags_agree::<RequestHeader>();
        tags_agree::<Request>();
        tags_agree::<RangeRequest>();
        tags_agree::<PutRequest>();
        tags_agree::<DeleteRangeRequest>();
        tags_agree::<Compare>();
        tags_agree::<RequestOp>();
        tags_agree::<TxnRequest>();
        tags_agree::<CompactionRequest>();
        tags_agree::<LeaseGrantRequest>();
        tags_agree::<LeaseRevokeRequest>();
        tags_agree::<LeaseCheckpoint>();
        tags_agree::<LeaseCheckpointRequest>();
        tags_agree::<AlarmRequest>();
        tags_agree::<AuthEnableRequest>();
        tags_agree::<AuthDisableRequest>();
        tags_agree::<AuthStatusRequest>();
        tags_agree::<InternalAuthenticateRequest>();
        tags_agree::<UserAddOptions>();
        tags_agree::<AuthUserAddRequest>();
        tags_agree::<AuthUserGetRequest>();
        tags_agree::<AuthUserDeleteRequest>();
        tags_agree::<AuthUserChangePasswordRequest>();
        tags_agree::<AuthUserGrantRoleRequest>();
        tags_agree::<AuthUserRevokeRoleRequest>();
        tags_agree::<AuthUserListRequest>();
        tags_agree::<AuthRoleListRequest>();
        tags_agree::<AuthRoleAddRequest>();
        tags_agree::<AuthRoleDeleteRequest>();
        tags_agree::<AuthRoleGetRequest>();
        tags_agree::<Permission>();
        tags_agree::<AuthRoleGrantPermissionRequest>();
        tags_agree::<AuthRoleRevokePermissionRequest>();
        tags_agree::<ClusterVersionSetRequest>();
        tags_agree::<Attributes>();
        tags_agree::<ClusterMemberAttrSetRequest>();
        tags_agree::<DowngradeInfoSetRequest>();
        tags_agree::<DowngradeVersionTestRequest>();
    }

    #[test]
    fn enums_by_name_or_number() {
        let req = InternalRaftRequest {
            alarm: Some(AlarmRequest {
                action: 1,
                member_id: 9,
                alarm: 7,
            }),
            ..Default::default()
        };
        let data = req.encode_to_vec();
        assert_eq!(
            text(&req, &data),
            "alarm:<action:ACTIVATE memberID:9 alarm:7 > "
        );
        assert_eq!(
            json(&req).to_string(),
            r#"{"alarm":{"action":"ACTIVATE","alarm":"7","memberID":9}}"#
        );
    }
}
