//! The requests inside raft entries, decoded for display: etcd's
//! `InternalRaftRequest` (and the v2 `Request`), walked over the protobuf
//! wire format with a table of etcd's field names, and shown in the
//! protobuf text form `etcd-dump-logs` prints (`header:<ID:7 > put:<key:"a"
//! value:"b" > `) or as JSON.
//!
//! Fields are shown in the order etcd's `.proto` files declare them, zero
//! values left out (proto3); unknown fields are shown by number.

use serde_json::{Map, Value};

/// How a field is shown.
#[derive(Debug, Clone, Copy)]
enum Kind {
    U64,
    I64,
    Bool,
    /// Bytes or a string, quoted.
    Bytes,
    Enum(&'static [&'static str]),
    Msg(&'static [Field]),
    /// A nested `TxnRequest` (the schema refers to itself).
    Txn,
}

/// One field of a message: number, name, kind.
#[derive(Debug)]
struct Field(u32, &'static str, Kind);

use Kind::*;

const HEADER: &[Field] = &[
    Field(1, "ID", U64),
    Field(2, "username", Bytes),
    Field(3, "auth_revision", U64),
];
const RANGE: &[Field] = &[
    Field(1, "key", Bytes),
    Field(2, "range_end", Bytes),
    Field(3, "limit", I64),
    Field(4, "revision", I64),
    Field(5, "sort_order", Enum(&["NONE", "ASCEND", "DESCEND"])),
    Field(
        6,
        "sort_target",
        Enum(&["KEY", "VERSION", "CREATE", "MOD", "VALUE"]),
    ),
    Field(7, "serializable", Bool),
    Field(8, "keys_only", Bool),
    Field(9, "count_only", Bool),
    Field(10, "min_mod_revision", I64),
    Field(11, "max_mod_revision", I64),
    Field(12, "min_create_revision", I64),
    Field(13, "max_create_revision", I64),
];
const PUT: &[Field] = &[
    Field(1, "key", Bytes),
    Field(2, "value", Bytes),
    Field(3, "lease", I64),
    Field(4, "prev_kv", Bool),
    Field(5, "ignore_value", Bool),
    Field(6, "ignore_lease", Bool),
];
const DELETE_RANGE: &[Field] = &[
    Field(1, "key", Bytes),
    Field(2, "range_end", Bytes),
    Field(3, "prev_kv", Bool),
];
const COMPARE: &[Field] = &[
    Field(
        1,
        "result",
        Enum(&["EQUAL", "GREATER", "LESS", "NOT_EQUAL"]),
    ),
    Field(
        2,
        "target",
        Enum(&["VERSION", "CREATE", "MOD", "VALUE", "LEASE"]),
    ),
    Field(3, "key", Bytes),
    Field(4, "version", I64),
    Field(5, "create_revision", I64),
    Field(6, "mod_revision", I64),
    Field(7, "value", Bytes),
    Field(8, "lease", I64),
    Field(64, "range_end", Bytes),
];
const REQUEST_OP: &[Field] = &[
    Field(1, "request_range", Msg(RANGE)),
    Field(2, "request_put", Msg(PUT)),
    Field(3, "request_delete_range", Msg(DELETE_RANGE)),
    Field(4, "request_txn", Txn),
];
const TXN: &[Field] = &[
    Field(1, "compare", Msg(COMPARE)),
    Field(2, "success", Msg(REQUEST_OP)),
    Field(3, "failure", Msg(REQUEST_OP)),
];
const COMPACTION: &[Field] = &[Field(1, "revision", I64), Field(2, "physical", Bool)];
const LEASE_GRANT: &[Field] = &[Field(1, "TTL", I64), Field(2, "ID", I64)];
const LEASE_REVOKE: &[Field] = &[Field(1, "ID", I64)];
const ALARM: &[Field] = &[
    Field(1, "action", Enum(&["GET", "ACTIVATE", "DEACTIVATE"])),
    Field(2, "memberID", U64),
    Field(3, "alarm", Enum(&["NONE", "NOSPACE", "CORRUPT"])),
];
const CHECKPOINT: &[Field] = &[Field(1, "ID", I64), Field(2, "remaining_TTL", I64)];
const LEASE_CHECKPOINT: &[Field] = &[Field(1, "checkpoints", Msg(CHECKPOINT))];
const EMPTY: &[Field] = &[];
const AUTHENTICATE: &[Field] = &[
    Field(1, "name", Bytes),
    Field(2, "password", Bytes),
    Field(3, "simple_token", Bytes),
];
const USER_ADD_OPTIONS: &[Field] = &[Field(1, "no_password", Bool)];
const USER_ADD: &[Field] = &[
    Field(1, "name", Bytes),
    Field(2, "password", Bytes),
    Field(3, "options", Msg(USER_ADD_OPTIONS)),
    Field(4, "hashedPassword", Bytes),
];
const NAME: &[Field] = &[Field(1, "name", Bytes)];
const ROLE: &[Field] = &[Field(1, "role", Bytes)];
const USER_CHANGE_PASSWORD: &[Field] = &[
    Field(1, "name", Bytes),
    Field(2, "password", Bytes),
    Field(3, "hashedPassword", Bytes),
];
const USER_GRANT_ROLE: &[Field] = &[Field(1, "user", Bytes), Field(2, "role", Bytes)];
const USER_REVOKE_ROLE: &[Field] = &[Field(1, "name", Bytes), Field(2, "role", Bytes)];
const PERMISSION: &[Field] = &[
    Field(1, "permType", Enum(&["READ", "WRITE", "READWRITE"])),
    Field(2, "key", Bytes),
    Field(3, "range_end", Bytes),
];
const ROLE_GRANT: &[Field] = &[Field(1, "name", Bytes), Field(2, "perm", Msg(PERMISSION))];
const ROLE_REVOKE: &[Field] = &[
    Field(1, "role", Bytes),
    Field(2, "key", Bytes),
    Field(3, "range_end", Bytes),
];
const VERSION_SET: &[Field] = &[Field(1, "ver", Bytes)];
const ATTRIBUTES: &[Field] = &[Field(1, "name", Bytes), Field(2, "client_urls", Bytes)];
const MEMBER_ATTR_SET: &[Field] = &[
    Field(1, "member_ID", U64),
    Field(2, "member_attributes", Msg(ATTRIBUTES)),
];
const DOWNGRADE_SET: &[Field] = &[Field(1, "enabled", Bool), Field(2, "ver", Bytes)];
/// etcd's v2 `Request` (only seen in old logs).
const V2_REQUEST: &[Field] = &[
    Field(1, "ID", U64),
    Field(2, "Method", Bytes),
    Field(3, "Path", Bytes),
    Field(4, "Val", Bytes),
    Field(5, "Dir", Bool),
    Field(6, "PrevValue", Bytes),
    Field(7, "PrevIndex", U64),
    Field(8, "PrevExist", Bool),
    Field(9, "Expiration", I64),
    Field(10, "Wait", Bool),
    Field(11, "Since", U64),
    Field(12, "Recursive", Bool),
    Field(13, "Sorted", Bool),
    Field(14, "Quorum", Bool),
    Field(15, "Time", I64),
    Field(16, "Stream", Bool),
    Field(17, "Refresh", Bool),
];
/// `etcdserverpb.InternalRaftRequest`, in declaration order.
const INTERNAL: &[Field] = &[
    Field(100, "header", Msg(HEADER)),
    Field(1, "ID", U64),
    Field(2, "v2", Msg(V2_REQUEST)),
    Field(3, "range", Msg(RANGE)),
    Field(4, "put", Msg(PUT)),
    Field(5, "delete_range", Msg(DELETE_RANGE)),
    Field(6, "txn", Msg(TXN)),
    Field(7, "compaction", Msg(COMPACTION)),
    Field(8, "lease_grant", Msg(LEASE_GRANT)),
    Field(9, "lease_revoke", Msg(LEASE_REVOKE)),
    Field(10, "alarm", Msg(ALARM)),
    Field(11, "lease_checkpoint", Msg(LEASE_CHECKPOINT)),
    Field(1000, "auth_enable", Msg(EMPTY)),
    Field(1011, "auth_disable", Msg(EMPTY)),
    Field(1013, "auth_status", Msg(EMPTY)),
    Field(1012, "authenticate", Msg(AUTHENTICATE)),
    Field(1100, "auth_user_add", Msg(USER_ADD)),
    Field(1101, "auth_user_delete", Msg(NAME)),
    Field(1102, "auth_user_get", Msg(NAME)),
    Field(1103, "auth_user_change_password", Msg(USER_CHANGE_PASSWORD)),
    Field(1104, "auth_user_grant_role", Msg(USER_GRANT_ROLE)),
    Field(1105, "auth_user_revoke_role", Msg(USER_REVOKE_ROLE)),
    Field(1106, "auth_user_list", Msg(EMPTY)),
    Field(1107, "auth_role_list", Msg(EMPTY)),
    Field(1200, "auth_role_add", Msg(NAME)),
    Field(1201, "auth_role_delete", Msg(ROLE)),
    Field(1202, "auth_role_get", Msg(ROLE)),
    Field(1203, "auth_role_grant_permission", Msg(ROLE_GRANT)),
    Field(1204, "auth_role_revoke_permission", Msg(ROLE_REVOKE)),
    Field(1300, "cluster_version_set", Msg(VERSION_SET)),
    Field(1301, "cluster_member_attr_set", Msg(MEMBER_ATTR_SET)),
    Field(1302, "downgrade_info_set", Msg(DOWNGRADE_SET)),
];

/// A decoded field value.
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed64(u64),
    Fixed32(u32),
}

/// Splits a message into (field number, value) in wire order.
fn fields(mut b: &[u8]) -> Option<Vec<(u32, Val<'_>)>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (tag, rest) = varint(b)?;
        b = rest;
        let num = u32::try_from(tag >> 3).ok().filter(|n| *n > 0)?;
        let v = match tag & 7 {
            0 => {
                let (v, rest) = varint(b)?;
                b = rest;
                Val::Varint(v)
            }
            1 => {
                let (x, rest) = b.split_first_chunk::<8>()?;
                b = rest;
                Val::Fixed64(u64::from_le_bytes(*x))
            }
            2 => {
                let (len, rest) = varint(b)?;
                let len = usize::try_from(len).ok()?;
                if len > rest.len() {
                    return None;
                }
                let (x, rest) = rest.split_at(len);
                b = rest;
                Val::Bytes(x)
            }
            5 => {
                let (x, rest) = b.split_first_chunk::<4>()?;
                b = rest;
                Val::Fixed32(u32::from_le_bytes(*x))
            }
            _ => return None,
        };
        out.push((num, v));
    }
    Some(out)
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
    s.push('"');
    s
}

fn scalar_text(kind: Kind, v: &Val<'_>) -> Option<String> {
    Some(match (kind, v) {
        (U64, Val::Varint(x)) => x.to_string(),
        (I64, Val::Varint(x)) => (*x as i64).to_string(),
        (Bool, Val::Varint(x)) => (*x != 0).to_string(),
        (Enum(names), Val::Varint(x)) => usize::try_from(*x)
            .ok()
            .and_then(|i| names.get(i))
            .map_or_else(|| x.to_string(), |n| (*n).to_string()),
        (Bytes, Val::Bytes(b)) => quote(b),
        _ => return None,
    })
}

fn is_zero(v: &Val<'_>) -> bool {
    match v {
        Val::Varint(0) | Val::Fixed64(0) | Val::Fixed32(0) => true,
        Val::Bytes(b) => b.is_empty(),
        _ => false,
    }
}

fn unknown_text(v: &Val<'_>) -> String {
    match v {
        Val::Varint(x) | Val::Fixed64(x) => x.to_string(),
        Val::Fixed32(x) => x.to_string(),
        Val::Bytes(b) => quote(b),
    }
}

/// Text form of a message, or None when it does not decode.
fn text(b: &[u8], schema: &[Field], depth: usize) -> Option<String> {
    if depth > 32 {
        return None;
    }
    let fs = fields(b)?;
    let mut out = String::new();
    for Field(num, name, kind) in schema {
        for (_, v) in fs.iter().filter(|(n, _)| n == num) {
            match kind {
                Msg(_) | Txn => {
                    let sub = match kind {
                        Msg(sub) => sub,
                        _ => TXN,
                    };
                    let Val::Bytes(inner) = v else { return None };
                    out.push_str(&format!("{name}:<{}> ", text(inner, sub, depth + 1)?));
                }
                k => {
                    if is_zero(v) {
                        continue;
                    }
                    out.push_str(&format!("{name}:{} ", scalar_text(*k, v)?));
                }
            }
        }
    }
    for (num, v) in &fs {
        if !schema.iter().any(|f| f.0 == *num) {
            out.push_str(&format!("{num}:{} ", unknown_text(v)));
        }
    }
    Some(out)
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

fn json(b: &[u8], schema: &[Field], depth: usize) -> Option<Value> {
    if depth > 32 {
        return None;
    }
    let fs = fields(b)?;
    let mut out = Map::new();
    for Field(num, name, kind) in schema {
        let vals: Vec<&Val<'_>> = fs
            .iter()
            .filter(|(n, _)| n == num)
            .map(|(_, v)| v)
            .collect();
        let mut rendered = Vec::new();
        for v in &vals {
            let j = match (kind, v) {
                (Msg(sub), Val::Bytes(inner)) => json(inner, sub, depth + 1)?,
                (Txn, Val::Bytes(inner)) => json(inner, TXN, depth + 1)?,
                (Msg(_) | Txn, _) => return None,
                (_, v) if is_zero(v) => continue,
                (U64, Val::Varint(x)) => Value::from(*x),
                (I64, Val::Varint(x)) => Value::from(*x as i64),
                (Bool, Val::Varint(x)) => Value::Bool(*x != 0),
                (Enum(_), Val::Varint(_)) => Value::String(scalar_text(*kind, v)?),
                (Bytes, Val::Bytes(b)) => bytes_json(b),
                _ => return None,
            };
            rendered.push(j);
        }
        let repeated = matches!(
            *name,
            "compare" | "success" | "failure" | "checkpoints" | "client_urls"
        );
        match (repeated, rendered.len()) {
            (_, 0) => {}
            (false, 1) => {
                out.insert((*name).to_string(), rendered.swap_remove(0));
            }
            _ => {
                out.insert((*name).to_string(), Value::Array(rendered));
            }
        }
    }
    Some(Value::Object(out))
}

/// The text form of an `InternalRaftRequest`, as `etcd-dump-logs` prints it,
/// or None when the bytes are not one.
pub fn internal_text(data: &[u8]) -> Option<String> {
    text(data, INTERNAL, 0)
}

/// An `InternalRaftRequest` as JSON, or None when the bytes are not one.
pub fn internal_json(data: &[u8]) -> Option<Value> {
    json(data, INTERNAL, 0)
}

/// The v2 request's method, path and value, when the bytes are one.
pub fn v2_request(data: &[u8]) -> Option<Value> {
    json(data, V2_REQUEST, 0)
}

/// The kind of request an `InternalRaftRequest` carries (`put`, `txn`,
/// ...), for filtering.
pub fn internal_kind(data: &[u8]) -> Option<&'static str> {
    let fs = fields(data)?;
    INTERNAL
        .iter()
        .filter(|f| f.0 != 100 && f.0 != 1)
        .find(|f| fs.iter().any(|(n, _)| *n == f.0))
        .map(|f| f.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_put_as_etcd_dump_logs_shows_it() {
        // header{ID:7} put{key:"a" value:"b\x01"}
        let header = [0x08, 0x07];
        let put = [0x0a, 0x01, b'a', 0x12, 0x02, b'b', 0x01];
        let mut data = vec![0xa2, 0x06, header.len() as u8];
        data.extend_from_slice(&header);
        data.push(0x22);
        data.push(put.len() as u8);
        data.extend_from_slice(&put);
        assert_eq!(
            internal_text(&data).unwrap(),
            "header:<ID:7 > put:<key:\"a\" value:\"b\\001\" > "
        );
        assert_eq!(internal_kind(&data), Some("put"));
        let j = internal_json(&data).unwrap();
        assert_eq!(j["put"]["key"], "a");
        assert_eq!(j["header"]["ID"], 7);
        assert!(internal_text(&[0xff]).is_none());
    }
}
