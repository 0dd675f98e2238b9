//! Objects of kinds this build has no schema for (custom resources) as the
//! API server reads them: into `unstructured.Unstructured`, a Go
//! `map[string]interface{}`, written back by Go's JSON serializer (keys
//! sorted bytewise, int64 and float64 numbers in Go's forms).
//!
//! JSON is read as `unstructuredJSONScheme.decodeToUnstructured`
//! (apimachinery/pkg/apis/meta/v1/unstructured/helpers.go) reads it, with
//! `sigs.k8s.io/json`'s case-sensitive, int-preserving unmarshal: a
//! number without `.` that `strconv.ParseInt` takes is an int64, any
//! other a float64 (`1e3` is 1000, `18446744073709551616` a float64, one
//! past float64's range an error), the last of duplicate keys wins. CBOR
//! is read by [`crate::cborin`]. Either way `kind` must then be a
//! non-empty string (and for CBOR the version of `apiVersion` non-empty),
//! and `metadata.resourceVersion` is set as `Unstructured.SetResourceVersion`
//! does: `metadata` created when absent, left alone when it is not a map.

use crate::gojson;
use crate::jsonin::{self, Node, J};

/// Nesting the writer follows ([`jsonin::MAX_NEST`] levels of the input).
const MAX_WRITE: usize = jsonin::MAX_NEST + 2;

/// A Go `interface{}` holding what an unstructured decode makes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum U {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A Go string: bytes, not necessarily UTF-8 (CBOR byte strings).
    Str(Vec<u8>),
    Arr(Vec<U>),
    /// A Go map: one entry per key, sorted bytewise ([`map`]).
    Obj(Vec<(Vec<u8>, U)>),
}

/// A JSON number into an `interface{}` with `PreserveInts`
/// (`convertNumber` in sigs.k8s.io/json/internal/golang/encoding/json/decode.go).
fn number(s: &str) -> Result<U, String> {
    if !s.contains('.') {
        if let Ok(i) = s.parse::<i64>() {
            return Ok(U::Int(i));
        }
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(U::Float(f)),
        _ => Err(format!(
            "json: cannot unmarshal number {s} into Go value of type float64"
        )),
    }
}

/// A parsed JSON value as an `interface{}`.
pub(crate) fn from_json(n: &Node<'_>) -> Result<U, String> {
    Ok(match &n.v {
        J::Null => U::Null,
        J::Bool(b) => U::Bool(*b),
        J::Num(s) => number(s)?,
        J::Str(s) => U::Str(s.as_bytes().to_vec()),
        J::Arr(items) => U::Arr(items.iter().map(from_json).collect::<Result<_, _>>()?),
        J::Obj(fields) => {
            let mut m = Vec::with_capacity(fields.len());
            for (k, v) in fields {
                m.push((k.as_bytes().to_vec(), from_json(v)?));
            }
            // Go map assignments: the last value of a key stays.
            U::Obj(map(m, false).unwrap_or_default())
        }
    })
}

/// Entries in the order read as a Go map: sorted bytewise, one per key,
/// the last one read winning; `None` on a duplicate when `refuse_dups`.
pub(crate) fn map(mut m: Vec<(Vec<u8>, U)>, refuse_dups: bool) -> Option<Vec<(Vec<u8>, U)>> {
    m.sort_by(|a, b| a.0.cmp(&b.0)); // stable: equal keys stay in order
    let mut out: Vec<(Vec<u8>, U)> = Vec::with_capacity(m.len());
    for (k, v) in m {
        match out.last_mut() {
            Some(last) if last.0 == k => {
                if refuse_dups {
                    return None;
                }
                last.1 = v;
            }
            _ => out.push((k, v)),
        }
    }
    Some(out)
}

/// A Go map assignment on a sorted map.
fn insert(m: &mut Vec<(Vec<u8>, U)>, k: &[u8], v: U) {
    match m.binary_search_by(|(k2, _)| k2.as_slice().cmp(k)) {
        Ok(i) => {
            if let Some(e) = m.get_mut(i) {
                e.1 = v;
            }
        }
        Err(i) => m.insert(i, (k.to_vec(), v)),
    }
}

fn get<'u>(m: &'u [(Vec<u8>, U)], k: &[u8]) -> Option<&'u U> {
    m.binary_search_by(|(k2, _)| k2.as_slice().cmp(k))
        .ok()
        .and_then(|i| m.get(i))
        .map(|(_, v)| v)
}

/// A decoded unstructured object ready to print.
#[derive(Debug)]
pub(crate) struct Object {
    /// `apiVersion` when it is a string.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    fields: Vec<(Vec<u8>, U)>,
}

fn string_field(m: &[(Vec<u8>, U)], k: &[u8]) -> String {
    match get(m, k) {
        Some(U::Str(s)) => String::from_utf8_lossy(s).into_owned(),
        _ => String::new(),
    }
}

/// The checks an unstructured decode ends with: the top level a map,
/// `kind` a non-empty string, `apiVersion` (if a string) a valid group
/// version, and for CBOR a non-empty version.
pub(crate) fn object(u: U, need_version: bool) -> Result<Object, String> {
    let U::Obj(fields) = u else {
        return Err("Object 'Kind' is missing: not a JSON object".into());
    };
    let api_version = string_field(&fields, b"apiVersion");
    let kind = string_field(&fields, b"kind");
    // Unstructured.GroupVersionKind: an apiVersion ParseGroupVersion
    // refuses makes the whole GVK empty.
    let version = match jsonin::parse_group_version(&api_version) {
        Ok((_, v)) => v.to_string(),
        Err(_) => {
            return Err("Object 'Kind' is missing (apiVersion is not a group version)".into())
        }
    };
    if kind.is_empty() {
        return Err("Object 'Kind' is missing".into());
    }
    if need_version && version.is_empty() {
        return Err("Object 'apiVersion' is missing".into());
    }
    Ok(Object {
        api_version,
        kind,
        fields,
    })
}

impl Object {
    /// `Unstructured.SetResourceVersion(rv)` for a non-empty `rv`.
    pub(crate) fn set_resource_version(&mut self, rv: &str) {
        let rv = U::Str(rv.as_bytes().to_vec());
        match self.fields.iter_mut().find(|(k, _)| k == b"metadata") {
            None => insert(
                &mut self.fields,
                b"metadata",
                U::Obj(vec![(b"resourceVersion".to_vec(), rv)]),
            ),
            Some((_, U::Obj(m))) => insert(m, b"resourceVersion", rv),
            Some(_) => {}
        }
    }

    /// The object as Go's JSON serializer writes a map[string]interface{}.
    pub(crate) fn to_json(&self) -> Result<String, String> {
        let mut out = String::new();
        write_obj(&mut out, &self.fields, 0)?;
        Ok(out)
    }
}

fn write_obj(out: &mut String, m: &[(Vec<u8>, U)], depth: usize) -> Result<(), String> {
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        gojson::write_str(out, k);
        out.push(':');
        write(out, v, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

fn write(out: &mut String, u: &U, depth: usize) -> Result<(), String> {
    if depth > MAX_WRITE {
        return Err("nesting too deep".into());
    }
    match u {
        U::Null => out.push_str("null"),
        U::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        U::Int(i) => out.push_str(&i.to_string()),
        U::Float(f) => gojson::write_f64(out, *f).ok_or("NaN or infinite float")?,
        U::Str(s) => gojson::write_str(out, s),
        U::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, v, depth + 1)?;
            }
            out.push(']');
        }
        U::Obj(m) => write_obj(out, m, depth)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(b: &str) -> Result<String, String> {
        let n = jsonin::parse(b.as_bytes())?;
        let mut o = object(from_json(&n)?, false)?;
        o.set_resource_version("7");
        o.to_json()
    }

    #[test]
    fn numbers_and_keys_as_go() {
        assert_eq!(
            go(r#"{"kind":"W","b":[1.0,1e3,-0,-0.0,18446744073709551616,9223372036854775807,1E-7,0.000001],"a":{"z":1,"z":2},"metadata":{"name":"<x>"}}"#),
            Ok(r#"{"a":{"z":2},"b":[1,1000,0,-0,18446744073709552000,9223372036854775807,1e-7,0.000001],"kind":"W","metadata":{"name":"\u003cx\u003e","resourceVersion":"7"}}"#.to_string())
        );
        assert!(go(r#"{"kind":"W","x":1e400}"#).is_err());
        assert!(go(r#"{"kind":""}"#).is_err());
        assert!(go(r#"{"Kind":"W"}"#).is_err());
        assert_eq!(
            go(r#"{"kind":"W","metadata":null}"#),
            Ok(r#"{"kind":"W","metadata":null}"#.into())
        );
        assert_eq!(
            go(r#"{"kind":"W"}"#),
            Ok(r#"{"kind":"W","metadata":{"resourceVersion":"7"}}"#.into())
        );
    }
}

#[cfg(test)]
mod deep {
    #[test]
    fn the_deepest_accepted_value_decodes_and_prints() {
        let n = crate::jsonin::MAX_NEST - 1;
        let doc = format!(r#"{{"kind":"W","x":{}{}}}"#, "[".repeat(n), "]".repeat(n));
        let d = crate::decode::decode_value(doc.as_bytes());
        assert_eq!(d.map(|d| d.json.len()), Ok(doc.len()));
        let doc = format!(
            r#"{{"kind":"W","x":{}{}}}"#,
            "[".repeat(n + 1),
            "]".repeat(n + 1)
        );
        assert!(crate::decode::decode_value(doc.as_bytes()).is_err());
    }
}
