//! Built-in kinds stored as JSON (`--storage-media-type=application/json`)
//! decoded into their Go types as apimachinery's JSON serializer does it
//! (runtime/serializer/json/json.go `Decode`, non-strict:
//! `sigs.k8s.io/json.UnmarshalCaseSensitivePreserveInts`), over the same
//! tables and into the same values the protobuf decoder fills, so the one
//! writer prints both. The rules, from
//! sigs.k8s.io/json/internal/golang/encoding/json/decode.go:
//!
//! - object keys match field names exactly (case-sensitive), through
//!   embedded structs (the shallowest match wins, two at the same depth
//!   cancel out); unknown keys are skipped;
//! - a repeated key decodes again into what the first left: structs and
//!   pointers merge, slices are re-filled element by element (an element
//!   merging into the one before at its index) and cut to the new length,
//!   maps keep their entries and replace the values of keys given again;
//! - `null` empties pointers, slices and maps and leaves everything else
//!   as it was, except for the types with their own `UnmarshalJSON`, which
//!   see it;
//! - a value of the wrong JSON type, a number that does not fit (an int
//!   field given `1.0` or `1e3`), bad base64, or an `UnmarshalJSON`
//!   refusing is an error (Go's decode fails, so the apiserver cannot read
//!   the object);
//! - the own `UnmarshalJSON`s: `metav1.Time` (`time.Parse(RFC3339)`,
//!   `null` the zero time), `MicroTime` (`RFC3339Micro`), `Duration`
//!   (`time.ParseDuration` of a string; `null` refused), `Quantity` (the
//!   raw text without its quotes, trimmed, through `ParseQuantity`; `null`
//!   zero), `IntOrString` (a quoted string, else an int32; `null` keeps the
//!   number), `RawExtension`, `FieldsV1` and apiextensions `JSON` (the raw
//!   bytes; `null` keeps what was there), and apiextensions
//!   `JSONSchemaPropsOrBool`/`OrArray`/`OrStringArray` (marshal.go).
//!
//! One corner is not followed: when a key repeats three times or more with
//! arrays that shrink then grow again, Go's `reflect.Value.SetLen` brings
//! back the elements past the shorter length from the slice's backing
//! array, where this decoder starts them from zero.

use std::borrow::Cow;

use crate::decode::{
    msg_of, set_resource_version, DecodeError, Decoded, Decoder, MsgVal, Val, MAX_DEPTH,
};
use crate::jsonin::{Node, J};
use crate::quantity;
use crate::table::{Form, Ty};

/// Decodes `top` (the whole stored JSON, already parsed) into the Go type
/// of message `message`, sets `metadata.resourceVersion`, and writes it.
pub(crate) fn decode(
    top: &Node<'_>,
    message: u16,
    api_version: String,
    kind: String,
    resource_version: Option<&str>,
    layout: crate::decode::Layout,
) -> Result<Decoded, DecodeError> {
    let mut d = Decoder::new(kind.clone(), layout);
    let mut m = MsgVal::default();
    into_struct(&mut d, message, &mut m, top, 0)?;
    if let (Some(rv), Some(msg)) = (resource_version, msg_of(message)) {
        for (i, f) in msg.fields.iter().enumerate() {
            if let ("metadata", Ty::Msg(meta)) = (f.json, f.ty) {
                set_resource_version(&mut m, i, meta, rv);
            }
        }
    }
    let mut out = String::with_capacity(top.raw.len());
    d.write_message(&mut out, message, Some(&m), 0)?;
    Ok(Decoded {
        api_version,
        kind,
        json: out,
    })
}

/// The field a key names in message `idx`: the path of field indices
/// through embedded structs, as encoding/json's `typeFields` resolves
/// names (shallowest wins, ties at that depth cancel).
fn lookup(idx: u16, key: &str) -> Option<Vec<usize>> {
    let mut found: Vec<Vec<usize>> = Vec::new();
    let mut best = usize::MAX;
    collect(idx, key, &mut Vec::new(), &mut found, &mut best, 0);
    if found.len() == 1 {
        found.pop().filter(|p| !p.is_empty())
    } else {
        None
    }
}

fn collect(
    idx: u16,
    key: &str,
    prefix: &mut Vec<usize>,
    found: &mut Vec<Vec<usize>>,
    best: &mut usize,
    depth: usize,
) {
    if depth > 8 || depth > *best {
        return;
    }
    let Some(msg) = msg_of(idx) else { return };
    if msg.form != Form::Struct {
        return;
    }
    for (i, f) in msg.fields.iter().enumerate() {
        if f.skip {
            continue;
        }
        if f.inline {
            if let Some(j) = struct_index(f.ty) {
                prefix.push(i);
                collect(j, key, prefix, found, best, depth + 1);
                prefix.pop();
                continue;
            }
        }
        if f.json == key {
            if depth < *best {
                *best = depth;
                found.clear();
            }
            if depth == *best {
                let mut p = prefix.clone();
                p.push(i);
                found.push(p);
            }
        }
    }
}

fn type_err(d: &Decoder, what: &str, node: &Node<'_>) -> DecodeError {
    let got = match node.v {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Num(_) => "number",
        J::Str(_) => "string",
        J::Arr(_) => "array",
        J::Obj(_) => "object",
    };
    d.err(format!("json: cannot unmarshal {got} into {what}"))
}

fn bytes_of<'a>(s: &Cow<'a, str>) -> Cow<'a, [u8]> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.as_bytes()),
        Cow::Owned(o) => Cow::Owned(o.clone().into_bytes()),
    }
}

/// Decodes an object into the struct `m` of message `idx` (merging).
fn into_struct<'a>(
    d: &mut Decoder,
    idx: u16,
    m: &mut MsgVal<'a>,
    node: &Node<'a>,
    depth: usize,
) -> Result<(), DecodeError> {
    if depth > MAX_DEPTH {
        return Err(d.err("nesting too deep"));
    }
    let fields = match &node.v {
        J::Null => return Ok(()),
        J::Obj(fields) => fields,
        _ => return Err(type_err(d, "a Go struct", node)),
    };
    for (key, v) in fields {
        let Some(path) = lookup(idx, key) else {
            continue; // unknown: skipped
        };
        set_path(d, idx, m, &path, v, depth)?;
    }
    Ok(())
}

/// Decodes `v` into the field at `path` (through embedded structs, which
/// are allocated as Go allocates an embedded pointer it writes through).
fn set_path<'a>(
    d: &mut Decoder,
    idx: u16,
    m: &mut MsgVal<'a>,
    path: &[usize],
    v: &Node<'a>,
    depth: usize,
) -> Result<(), DecodeError> {
    let Some((&i, rest)) = path.split_first() else {
        return Ok(());
    };
    let f = msg_of(idx)
        .and_then(|msg| msg.fields.get(i))
        .ok_or_else(|| d.err("bad field index"))?;
    let slot = m.slot_mut(i).ok_or_else(|| d.err("bad field index"))?;
    if rest.is_empty() {
        d.path.push(f.json);
        let r = field(d, f.ty, slot, v, depth);
        d.path.pop();
        return r;
    }
    let j = struct_index(f.ty).ok_or_else(|| d.err("embedded field is not a struct"))?;
    if !matches!(slot, Some(Val::Msg(_))) {
        *slot = Some(Val::Msg(MsgVal::default()));
    }
    match slot {
        Some(Val::Msg(inner)) => set_path(d, j, inner, rest, v, depth),
        _ => Err(d.err("embedded field is not a struct")),
    }
}

/// The message of a struct or pointer-to-struct type.
fn struct_index(ty: Ty) -> Option<u16> {
    match ty {
        Ty::Msg(j) => Some(j),
        Ty::Ptr(Ty::Msg(j)) => Some(*j),
        _ => None,
    }
}

/// Index of the field with protobuf number `n` in message `idx`.
fn by_number(idx: u16, n: u32) -> Option<usize> {
    msg_of(idx)?.fields.iter().position(|f| f.number == n)
}

fn set_number<'a>(m: &mut MsgVal<'a>, idx: u16, n: u32, v: Option<Val<'a>>) {
    if let Some(slot) = by_number(idx, n).and_then(|i| m.slot_mut(i)) {
        *slot = v;
    }
}

fn parse_int(d: &Decoder, s: &str, ty: Ty) -> Result<Val<'static>, DecodeError> {
    let bad = || {
        d.err(format!(
            "json: cannot unmarshal number {s} into an integer field"
        ))
    };
    Ok(match ty {
        Ty::Int32 => Val::Int(i64::from(s.parse::<i32>().map_err(|_| bad())?)),
        Ty::Int64 => Val::Int(s.parse::<i64>().map_err(|_| bad())?),
        Ty::Uint32 => Val::Uint(u64::from(s.parse::<u32>().map_err(|_| bad())?)),
        _ => Val::Uint(s.parse::<u64>().map_err(|_| bad())?),
    })
}

/// Go's `base64.StdEncoding.Decode`: padding required, CR and LF ignored.
fn base64_go(d: &Decoder, s: &str) -> Result<Vec<u8>, DecodeError> {
    use base64::Engine as _;
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    engine
        .decode(&clean)
        .map_err(|e| d.err(format!("illegal base64 data: {e}")))
}

/// The zero value of a slice element a `null` left unset.
fn zero_elem(ty: Ty) -> Option<Val<'static>> {
    Some(match ty {
        Ty::Bool => Val::Bool(false),
        Ty::Int32 | Ty::Int64 => Val::Int(0),
        Ty::Uint32 | Ty::Uint64 => Val::Uint(0),
        Ty::Float64 => Val::Float(0.0),
        Ty::String => Val::Str(Cow::Borrowed(&[])),
        Ty::Msg(idx) => match msg_of(idx).map(|m| m.form) {
            Some(Form::Time | Form::MicroTime) => Val::Time(None),
            _ => Val::Msg(MsgVal::default()),
        },
        _ => return None,
    })
}

/// One JSON value decoded into `slot`, a Go value of type `ty`.
fn field<'a>(
    d: &mut Decoder,
    ty: Ty,
    slot: &mut Option<Val<'a>>,
    n: &Node<'a>,
    depth: usize,
) -> Result<(), DecodeError> {
    match ty {
        Ty::Ptr(inner) => {
            if n.v == J::Null {
                *slot = None;
                return Ok(());
            }
            field(d, *inner, slot, n, depth)?;
            if slot.is_none() {
                // A pointer given a value always points at something.
                *slot = zero_elem(*inner);
            }
            Ok(())
        }
        Ty::Bool => match &n.v {
            J::Null => Ok(()),
            J::Bool(b) => {
                *slot = Some(Val::Bool(*b));
                Ok(())
            }
            _ => Err(type_err(d, "Go value of type bool", n)),
        },
        Ty::Int32 | Ty::Int64 | Ty::Uint32 | Ty::Uint64 => match &n.v {
            J::Null => Ok(()),
            J::Num(s) => {
                *slot = Some(parse_int(d, s, ty)?);
                Ok(())
            }
            _ => Err(type_err(d, "Go integer", n)),
        },
        Ty::Float64 => match &n.v {
            J::Null => Ok(()),
            J::Num(s) => match s.parse::<f64>() {
                Ok(f) if f.is_finite() => {
                    *slot = Some(Val::Float(f));
                    Ok(())
                }
                _ => Err(d.err(format!("json: cannot unmarshal number {s} into float64"))),
            },
            _ => Err(type_err(d, "Go value of type float64", n)),
        },
        Ty::String => match &n.v {
            J::Null => Ok(()),
            J::Str(s) => {
                *slot = Some(Val::Str(bytes_of(s)));
                Ok(())
            }
            _ => Err(type_err(d, "Go value of type string", n)),
        },
        Ty::Bytes => match &n.v {
            J::Null => {
                *slot = None;
                Ok(())
            }
            J::Str(s) => {
                *slot = Some(Val::Bytes(Cow::Owned(base64_go(d, s)?)));
                Ok(())
            }
            J::Arr(items) => {
                // A JSON array fills a []byte element by element.
                let mut old = match slot.take() {
                    Some(Val::Bytes(b)) => b.into_owned(),
                    _ => Vec::new(),
                };
                old.resize(items.len(), 0);
                for (i, it) in items.iter().enumerate() {
                    match &it.v {
                        J::Null => {}
                        J::Num(s) => {
                            let b = s.parse::<u8>().map_err(|_| {
                                d.err(format!("json: cannot unmarshal number {s} into uint8"))
                            })?;
                            if let Some(x) = old.get_mut(i) {
                                *x = b;
                            }
                        }
                        _ => return Err(type_err(d, "Go value of type uint8", it)),
                    }
                }
                *slot = Some(Val::Bytes(Cow::Owned(old)));
                Ok(())
            }
            _ => Err(type_err(d, "Go value of type []uint8", n)),
        },
        Ty::List(elem) | Ty::Items(elem) => match &n.v {
            J::Null => {
                *slot = None;
                Ok(())
            }
            J::Arr(items) => {
                let mut old = match slot.take() {
                    Some(Val::List(v)) => v,
                    _ => Vec::new(),
                };
                old.truncate(items.len());
                let mut out = Vec::with_capacity(items.len());
                let mut old = old.into_iter();
                for it in items {
                    let mut one = old.next();
                    field(d, *elem, &mut one, it, depth + 1)?;
                    match one.or_else(|| zero_elem(*elem)) {
                        Some(v) => out.push(v),
                        None => return Err(d.err("null element in a slice of pointers or slices")),
                    }
                }
                *slot = Some(Val::List(out));
                Ok(())
            }
            _ => Err(type_err(d, "Go slice", n)),
        },
        Ty::Map(kt, vt) => match &n.v {
            J::Null => {
                *slot = None;
                Ok(())
            }
            J::Obj(fields) => {
                if *kt != Ty::String {
                    return Err(d.err("map key type without a JSON form"));
                }
                let mut entries = match slot.take() {
                    Some(Val::Map(v)) => v,
                    _ => Vec::new(),
                };
                for (k, v) in fields {
                    let mut val = None;
                    field(d, *vt, &mut val, v, depth + 1)?;
                    entries.push((bytes_of(k), val));
                }
                *slot = Some(Val::Map(entries));
                Ok(())
            }
            _ => Err(type_err(d, "Go map", n)),
        },
        Ty::Msg(idx) => message(d, idx, slot, n, depth),
        Ty::Unsupported => Err(d.err("field type without a JSON form in this build")),
    }
}

/// The raw text of a JSON string as Go's `json.Unmarshal(b, &str)` would
/// have it, or an error naming what it was.
fn string_arg<'a>(d: &Decoder, n: &Node<'a>, what: &str) -> Result<Cow<'a, str>, DecodeError> {
    match &n.v {
        J::Str(s) => Ok(s.clone()),
        _ => Err(type_err(d, what, n)),
    }
}

fn message<'a>(
    d: &mut Decoder,
    idx: u16,
    slot: &mut Option<Val<'a>>,
    n: &Node<'a>,
    depth: usize,
) -> Result<(), DecodeError> {
    let msg = msg_of(idx).ok_or_else(|| d.err("bad message index"))?;
    let fresh_struct = |d: &mut Decoder, j: u16, n: &Node<'a>| -> Result<Val<'a>, DecodeError> {
        let mut m = MsgVal::default();
        into_struct(d, j, &mut m, n, depth + 1)?;
        Ok(Val::Msg(m))
    };
    match msg.form {
        Form::Struct => {
            if n.v == J::Null {
                return Ok(());
            }
            let mut m = match slot.take() {
                Some(Val::Msg(m)) => m,
                _ => MsgVal::default(),
            };
            into_struct(d, idx, &mut m, n, depth + 1)?;
            *slot = Some(Val::Msg(m));
        }
        Form::Time | Form::MicroTime => {
            if n.v == J::Null {
                *slot = Some(Val::Time(None));
                return Ok(());
            }
            let s = string_arg(d, n, "Go value of type string (a time)")?;
            let micro = msg.form == Form::MicroTime;
            let p = crate::gotime::parse_rfc3339(s.as_bytes(), micro)
                .ok_or_else(|| d.err(format!("parsing time {s:?}: not RFC 3339")))?;
            let (secs, nanos) = p.unix();
            *slot = Some(Val::Time(Some((secs, nanos))));
        }
        Form::Duration => {
            let s = match &n.v {
                J::Null => Cow::Borrowed(""),
                _ => string_arg(d, n, "Go value of type string (a duration)")?,
            };
            let v = crate::gotime::parse_duration(&s)
                .ok_or_else(|| d.err(format!("time: invalid duration {s:?}")))?;
            let mut m = MsgVal::default();
            set_number(&mut m, idx, 1, Some(Val::Int(v)));
            *slot = Some(Val::Msg(m));
        }
        Form::Quantity => {
            let raw = n.raw;
            let mut m = MsgVal::default();
            if raw != b"null" {
                let inner = match raw {
                    [b'"', mid @ .., b'"'] => mid,
                    _ => raw,
                };
                let text = std::str::from_utf8(inner)
                    .map(|t| t.trim_matches(char::is_whitespace).as_bytes())
                    .unwrap_or(inner);
                quantity::parse(text).map_err(|e| {
                    d.err(format!(
                        "quantity {:?}: {e:?}",
                        String::from_utf8_lossy(text)
                    ))
                })?;
                set_number(&mut m, idx, 1, Some(Val::Str(Cow::Owned(text.to_vec()))));
            }
            *slot = Some(Val::Msg(m));
        }
        Form::IntOrString => {
            let mut m = match slot.take() {
                Some(Val::Msg(m)) => m,
                _ => MsgVal::default(),
            };
            match &n.v {
                J::Str(s) => {
                    set_number(&mut m, idx, 1, Some(Val::Int(1)));
                    set_number(&mut m, idx, 3, Some(Val::Str(bytes_of(s))));
                }
                J::Null => set_number(&mut m, idx, 1, Some(Val::Int(0))),
                J::Num(s) => {
                    let v = parse_int(d, s, Ty::Int32)?;
                    set_number(&mut m, idx, 1, Some(Val::Int(0)));
                    set_number(&mut m, idx, 2, Some(v));
                }
                _ => return Err(type_err(d, "Go value of type int32", n)),
            }
            *slot = Some(Val::Msg(m));
        }
        Form::RawExtension | Form::FieldsV1 | Form::RawJson => {
            if n.raw == b"null" {
                return Ok(());
            }
            let mut m = match slot.take() {
                Some(Val::Msg(m)) => m,
                _ => MsgVal::default(),
            };
            set_number(&mut m, idx, 1, Some(Val::Bytes(Cow::Borrowed(n.raw))));
            *slot = Some(Val::Msg(m));
        }
        Form::SchemaOrBool => {
            let mut m = MsgVal::default();
            let schema_ty = msg.fields.get(1).map(|f| f.ty);
            match (&n.v, schema_ty.and_then(struct_index)) {
                (J::Obj(_), Some(j)) => {
                    let v = fresh_struct(d, j, n)?;
                    if let Some(s) = m.slot_mut(0) {
                        *s = Some(Val::Bool(true));
                    }
                    if let Some(s) = m.slot_mut(1) {
                        *s = Some(v);
                    }
                }
                (J::Bool(b), _) => {
                    if let Some(s) = m.slot_mut(0) {
                        *s = Some(Val::Bool(*b));
                    }
                }
                _ => return Err(d.err("boolean or JSON schema expected")),
            }
            *slot = Some(Val::Msg(m));
        }
        Form::SchemaOrArray | Form::SchemaOrStringArray => {
            let mut m = MsgVal::default();
            let first = if n.raw.len() > 1 {
                n.raw.first().copied()
            } else {
                None
            };
            match first {
                Some(b'{') => {
                    if let Some(j) = msg.fields.first().and_then(|f| struct_index(f.ty)) {
                        let v = fresh_struct(d, j, n)?;
                        if let Some(s) = m.slot_mut(0) {
                            *s = Some(v);
                        }
                    }
                }
                Some(b'[') => {
                    if let Some(f) = msg.fields.get(1) {
                        let mut v = None;
                        field(d, f.ty, &mut v, n, depth + 1)?;
                        if let Some(s) = m.slot_mut(1) {
                            *s = v;
                        }
                    }
                }
                _ => {}
            }
            *slot = Some(Val::Msg(m));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::decode::decode_value;

    fn pod(spec: &str) -> Result<String, String> {
        let doc = format!(r#"{{"apiVersion":"v1","kind":"Pod","spec":{spec}}}"#);
        decode_value(doc.as_bytes())
            .map(|d| d.json)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn repeated_keys_decode_over_the_first() {
        // Slice elements merge into the one before at their index; the
        // slice is cut to the new length.
        let got = pod(
            r#"{"containers":[{"name":"a","image":"x"},{"name":"c"}],"containers":[{"name":"b"}]}"#,
        );
        assert!(
            got.as_deref().is_ok_and(
                |j| j.contains(r#""containers":[{"name":"b","image":"x","resources":{}}]"#)
            ),
            "{got:?}"
        );
        // Maps keep their entries; a struct merges.
        let got = pod(r#"{"nodeSelector":{"a":"1"},"nodeSelector":{"b":"2"},"containers":null}"#);
        assert!(
            got.as_deref()
                .is_ok_and(|j| j.contains(r#""nodeSelector":{"a":"1","b":"2"}"#)),
            "{got:?}"
        );
    }

    #[test]
    fn null_and_case_as_go() {
        // null leaves a string as it was and clears a pointer.
        let got =
            pod(r#"{"hostname":"h","hostname":null,"priority":5,"priority":null,"containers":[]}"#);
        assert!(
            got.as_deref()
                .is_ok_and(|j| j.contains(r#""hostname":"h""#) && !j.contains("priority")),
            "{got:?}"
        );
        // Field names match case-sensitively: "HostName" is unknown.
        let got = pod(r#"{"HostName":"h","containers":[]}"#);
        assert!(
            got.as_deref().is_ok_and(|j| !j.contains("\"h\"")),
            "{got:?}"
        );
    }

    #[test]
    fn wrong_types_and_own_unmarshalers_as_go() {
        for bad in [
            r#"{"priority":1.0}"#,
            r#"{"priority":"1"}"#,
            r#"{"priority":2147483648}"#,
            r#"{"containers":{}}"#,
            r#"{"terminationGracePeriodSeconds":1e3}"#,
            r#"{"overhead":{"cpu":"1x"}}"#,
            r#"{"overhead":{"cpu":true}}"#,
        ] {
            assert!(pod(bad).is_err(), "{bad}");
        }
        // A quantity's raw text, quotes stripped, trimmed; null is zero.
        let got = pod(r#"{"overhead":{"cpu":" 1500m ","memory":1e3,"x":null}}"#);
        assert!(
            got.as_deref()
                .is_ok_and(|j| j.contains(r#""overhead":{"cpu":"1500m","memory":"1e3","x":"0"}"#)),
            "{got:?}"
        );
    }
}
