//! Stored objects decoded to the JSON the API server would serve for them:
//! the `k8s\0` envelope (`runtime.Unknown`) is read, its kind looked up in
//! the generated tables, the raw protobuf decoded field by field as Go's
//! generated unmarshalers do (wrong wire types refused, unknown fields
//! skipped, the last value of a singular field winning, nested messages
//! merged, repeated scalars packed or not), and the result written as
//! client-go's universal deserializer followed by Go's JSON serializer
//! writes it: Go struct field order, `omitempty`/`omitzero`, `null` for
//! absent slices, maps and pointers, map keys sorted, and the types with
//! their own `MarshalJSON` (times, quantities, int-or-string, embedded
//! JSON) in their own forms.
//!
//! JSON values of built-in kinds (clusters configured for JSON storage)
//! decode into the same values over the same tables (`typedjson.rs`) and
//! print through the same writer; JSON and CBOR custom resources decode
//! unstructured (`unstructured.rs`, `cborin.rs`); see [`decode_value_at`].
//! Hostile bytes never panic: the recursion has a depth cap, allocations
//! follow the bytes present, and every failure is an error naming where.

use std::borrow::Cow;

use crate::generated::schema::{KINDS, MESSAGES, TYPE_META, UNVERSIONED};
use crate::gojson;
use crate::quantity;
use crate::table::{Form, Gvk, Message, Ty};
use etcdsnap_schema::wire::varint;

/// Why a stored value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON and not the `k8s\0` envelope.
    #[error("not a Kubernetes protobuf or JSON value")]
    NotKubernetes,
    /// The envelope itself is damaged.
    #[error("damaged k8s\\0 envelope: {0}")]
    Envelope(String),
    /// The envelope names a kind the tables do not hold.
    #[error("kind {kind} of {api_version} is not known to this build (Kubernetes 0.36 built-in kinds only)")]
    UnknownKind {
        /// apiVersion as stored.
        api_version: String,
        /// kind as stored.
        kind: String,
    },
    /// The payload is damaged or does not match the kind's schema.
    #[error("{kind}: {path}: {reason}")]
    Payload {
        /// The kind being decoded.
        kind: String,
        /// Where in the object (JSON-ish path).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An encoding recognised but not decoded.
    #[error("unsupported encoding: {0}")]
    Unsupported(String),
    /// JSON Go's decoding refuses (syntax, a field of the wrong type, an
    /// own `UnmarshalJSON` failing, no kind).
    #[error("JSON: {0}")]
    Json(String),
    /// CBOR Go's CBOR serializer refuses.
    #[error("CBOR: {0}")]
    Cbor(String),
}

/// A decoded object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// apiVersion (from the envelope, or the object's own; empty if none).
    pub api_version: String,
    /// kind (from the envelope, or the object's own).
    pub kind: String,
    /// The object as Go's JSON serializer writes it (compact, no newline).
    pub json: String,
}

/// Decodes a value stored under `/registry/` (see [`decode_value_at`]).
pub fn decode_value(value: &[u8]) -> Result<Decoded, DecodeError> {
    decode_value_at(value, None)
}

/// How the JSON of a decoded object is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// As Go's `json.Marshal` writes it: no spaces, no newlines.
    #[default]
    Compact,
    /// As `json.MarshalIndent(v, "", unit)` (kubectl's `-o json`), written
    /// as part of a document where the object sits at nesting `level`: its
    /// first line is not indented, the lines after it are.
    Indented {
        /// One level's indentation.
        unit: &'static str,
        /// The object's nesting in the enclosing document.
        level: usize,
    },
}

impl Layout {
    /// `compact` (JSON without insignificant whitespace) laid out this way.
    pub fn apply(self, compact: String) -> String {
        match self {
            Layout::Compact => compact,
            Layout::Indented { unit, level } => {
                let mut out = String::with_capacity(compact.len() * 2);
                crate::gojson::indent(&compact, unit, level, &mut out);
                out
            }
        }
    }
}

/// Decodes a value stored under `/registry/` into the JSON the API server
/// serves for it, byte for byte as client-go's universal deserializer (no
/// conversion, no defaulting) followed by apimachinery's JSON serializer
/// print it, with `metadata.resourceVersion` set to `resource_version` as
/// the apiserver sets it when it reads a stored object:
///
/// - the `k8s\0` protobuf envelope: decoded over the generated tables;
/// - JSON (first non-blank byte `{`): its `apiVersion` and `kind` read as
///   the JSON serializer's meta factory reads them; a built-in kind is
///   decoded into its Go type (the rules in `typedjson.rs`) and printed in
///   Go struct order like a protobuf one; any other kind (custom
///   resources) decodes unstructured, printed with its keys sorted and its
///   numbers as Go's int64 and float64 (`unstructured.rs`);
/// - CBOR (the self-described tag 0xd9d9f7): unstructured, as the CBOR
///   serializer custom resources may be stored with reads it
///   (`cborin.rs`).
///
/// Every input Go's decoding refuses is an error here too.
pub fn decode_value_at(
    value: &[u8],
    resource_version: Option<&str>,
) -> Result<Decoded, DecodeError> {
    decode_value_laid_out(value, resource_version, Layout::Compact)
}

/// [`decode_value_at`] with the JSON laid out as `layout` says (written so
/// directly, not re-read).
pub fn decode_value_laid_out(
    value: &[u8],
    resource_version: Option<&str>,
    layout: Layout,
) -> Result<Decoded, DecodeError> {
    if let Some(rest) = value.strip_prefix(b"k8s\0") {
        return decode_envelope(rest, resource_version, layout);
    }
    if value.starts_with(&crate::cborin::SELF_DESCRIBED) {
        let mut o = crate::cborin::decode(value).map_err(DecodeError::Cbor)?;
        return unstructured_done(&mut o, resource_version, layout).map_err(DecodeError::Cbor);
    }
    if value.trim_ascii_start().starts_with(b"{") {
        return decode_json(value, resource_version, layout);
    }
    Err(DecodeError::NotKubernetes)
}

fn unstructured_done(
    o: &mut crate::unstructured::Object,
    resource_version: Option<&str>,
    layout: Layout,
) -> Result<Decoded, String> {
    if let Some(rv) = resource_version.filter(|rv| !rv.is_empty()) {
        o.set_resource_version(rv);
    }
    Ok(Decoded {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        json: layout.apply(o.to_json()?),
    })
}

/// A JSON value: typed when its kind is built in, else unstructured.
fn decode_json(
    value: &[u8],
    resource_version: Option<&str>,
    layout: Layout,
) -> Result<Decoded, DecodeError> {
    let top = crate::jsonin::parse(value).map_err(DecodeError::Json)?;
    let (api_version, kind) = crate::jsonin::interpret(&top).map_err(DecodeError::Json)?;
    if !kind.is_empty() {
        if let Some(message) = lookup_kind(&api_version, &kind) {
            let (_, version) =
                crate::jsonin::parse_group_version(&api_version).map_err(DecodeError::Json)?;
            if version.is_empty() {
                return Err(DecodeError::Json(format!(
                    "Object 'apiVersion' is missing in the {kind}"
                )));
            }
            return crate::typedjson::decode(
                &top,
                message,
                api_version,
                kind,
                resource_version,
                layout,
            );
        }
    }
    let u = crate::unstructured::from_json(&top).map_err(DecodeError::Json)?;
    let mut o = crate::unstructured::object(u, false).map_err(DecodeError::Json)?;
    unstructured_done(&mut o, resource_version, layout).map_err(DecodeError::Json)
}

/// The message index for an apiVersion and kind, as Go's scheme finds it
/// (`group/version` or a bare version for the core group); the kinds
/// registered as unversioned (`Status`, `APIGroup`...) under any version.
pub fn lookup_kind(api_version: &str, kind: &str) -> Option<u16> {
    let (group, version) = parse_group_version(api_version)?;
    if let Some((_, m)) = UNVERSIONED.iter().find(|(k, _)| *k == kind) {
        return Some(*m);
    }
    KINDS
        .binary_search_by(|g| (g.group, g.version, g.kind).cmp(&(group, version, kind)))
        .ok()
        .and_then(|i| KINDS.get(i))
        .map(|g: &Gvk| g.message)
}

fn parse_group_version(gv: &str) -> Option<(&str, &str)> {
    match gv.matches('/').count() {
        0 => Some(("", gv)),
        1 => gv.split_once('/'),
        _ => None,
    }
}

fn envelope_err(reason: &str) -> DecodeError {
    DecodeError::Envelope(reason.to_string())
}

/// The `runtime.Unknown` envelope's apiVersion, kind and raw object.
fn envelope(b: &[u8]) -> Result<(String, String, &[u8]), DecodeError> {
    let mut api_version = Vec::new();
    let mut kind = Vec::new();
    let mut raw: &[u8] = &[];
    for f in Fields(b) {
        let (n, w) = f.map_err(|e| envelope_err(&e))?;
        match (n, w) {
            (1, Wire::Len(tm, _)) => {
                for f in Fields(tm) {
                    match f.map_err(|e| envelope_err(&e))? {
                        (1, Wire::Len(s, _)) => api_version = s.to_vec(),
                        (2, Wire::Len(s, _)) => kind = s.to_vec(),
                        (1 | 2, _) => {
                            return Err(envelope_err("typeMeta field of wrong wire type"))
                        }
                        _ => {}
                    }
                }
            }
            (2, Wire::Len(r, _)) => raw = r,
            (3 | 4, Wire::Len(..)) => {}
            (1..=4, _) => return Err(envelope_err("field of wrong wire type")),
            _ => {}
        }
    }
    Ok((
        String::from_utf8_lossy(&api_version).into_owned(),
        String::from_utf8_lossy(&kind).into_owned(),
        raw,
    ))
}

fn decode_envelope(
    b: &[u8],
    resource_version: Option<&str>,
    layout: Layout,
) -> Result<Decoded, DecodeError> {
    let (api_version, kind, raw) = envelope(b)?;
    if kind.is_empty() {
        return Err(envelope_err("no kind"));
    }
    let unknown = || DecodeError::UnknownKind {
        api_version: api_version.clone(),
        kind: kind.clone(),
    };
    let (group, version) = parse_group_version(&api_version).ok_or_else(unknown)?;
    if version.is_empty() {
        return Err(envelope_err("no version in apiVersion"));
    }
    let message = lookup_kind(&api_version, &kind).ok_or_else(unknown)?;
    let rendered_gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut d = Decoder::new(kind.clone(), layout);
    let mut top = d.message(message, raw, 0)?;
    // TypeMeta is not in the payload: the deserializer sets it from the
    // envelope's group, version and kind.
    if let Some(msg) = msg_of(message) {
        for (i, f) in msg.fields.iter().enumerate() {
            if f.inline && f.ty == Ty::Msg(TYPE_META) {
                let tm = MsgVal {
                    fields: vec![
                        (0, Some(Val::Str(Cow::Borrowed(kind.as_bytes())))),
                        (1, Some(Val::Str(Cow::Borrowed(rendered_gv.as_bytes())))),
                    ],
                };
                if let Some(slot) = top.slot_mut(i) {
                    *slot = Some(Val::Msg(tm));
                }
            }
            if let (Some(rv), "metadata", Ty::Msg(meta)) = (resource_version, f.json, f.ty) {
                set_resource_version(&mut top, i, meta, rv);
            }
        }
    }
    let mut out = String::with_capacity(d.capacity_for(raw.len()));
    d.write_message(&mut out, message, Some(&top), 0)?;
    Ok(Decoded {
        api_version: rendered_gv,
        kind,
        json: out,
    })
}

/// Nesting deeper than this is refused (JSON schemas nest, but not this far).
pub(crate) const MAX_DEPTH: usize = 200;

/// Writing counts every value, list and map level, a few per message.
const MAX_WRITE_DEPTH: usize = 8 * MAX_DEPTH;

/// A protobuf field's payload.
#[derive(Debug, Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    /// The bytes, and the same bytes followed by the rest of the enclosing
    /// message (gogo bounds a map entry's key and value by the latter).
    Len(&'a [u8], &'a [u8]),
    Group,
}

/// Fields of a message; an error ends the walk (Go's unmarshal fails there).
struct Fields<'a>(&'a [u8]);

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Wire<'a>), String>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let r = (|| {
            let (tag, rest) = varint(self.0).ok_or("truncated tag")?;
            // gogo: fieldNum := int32(wire >> 3), refused when <= 0.
            let number = u32::try_from((tag >> 3) as i32).map_err(|_| "illegal tag")?;
            if number == 0 {
                return Err("illegal tag");
            }
            let (w, rest) = match tag & 7 {
                0 => {
                    let (v, rest) = varint(rest).ok_or("truncated varint")?;
                    (Wire::Varint(v), rest)
                }
                1 => {
                    let (x, rest) = rest.split_first_chunk::<8>().ok_or("truncated fixed64")?;
                    (Wire::Fixed64(u64::from_le_bytes(*x)), rest)
                }
                5 => {
                    let (x, rest) = rest.split_first_chunk::<4>().ok_or("truncated fixed32")?;
                    (Wire::Fixed32(u32::from_le_bytes(*x)), rest)
                }
                2 => {
                    let (len, rest) = varint(rest).ok_or("truncated length")?;
                    let len = usize::try_from(len).map_err(|_| "length too large")?;
                    let ext = rest;
                    let (x, rest) = rest.split_at_checked(len).ok_or("length past the end")?;
                    (Wire::Len(x, ext), rest)
                }
                3 => (Wire::Group, skip_group(rest).ok_or("damaged group")?),
                4 => return Err("unexpected end group"),
                _ => return Err("illegal wire type"),
            };
            self.0 = rest;
            Ok((number, w))
        })();
        if r.is_err() {
            self.0 = &[];
        }
        Some(r.map_err(str::to_string))
    }
}

/// The fields of a map entry as gogo's generated code reads them: the key
/// (1) and value (2) in the wire format of their Go types, whatever wire
/// type their tags claim, their lengths bounded by the enclosing message
/// rather than the entry; any other field skipped by its wire type within
/// the entry.
struct EntryFields<'a> {
    /// The entry's bytes followed by the rest of the enclosing message.
    buf: &'a [u8],
    /// Where the entry ends in `buf`; reading stops at or past it.
    end: usize,
    pos: usize,
    key: Ty,
    value: Ty,
}

impl<'a> Iterator for EntryFields<'a> {
    type Item = Result<(u32, Wire<'a>), String>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let r = (|| {
            let b = self.buf.get(self.pos..).ok_or("truncated entry")?;
            let (tag, rest) = varint(b).ok_or("truncated tag")?;
            // gogo: fieldNum := int32(wire >> 3), unchecked in entries.
            let number = (tag >> 3) as i32;
            let as_type = match number {
                1 => Some(self.key),
                2 => Some(self.value),
                _ => None,
            };
            let (w, rest) = match as_type {
                Some(Ty::Bool | Ty::Int32 | Ty::Int64 | Ty::Uint32 | Ty::Uint64) => {
                    let (v, rest) = varint(rest).ok_or("truncated varint")?;
                    (Wire::Varint(v), rest)
                }
                Some(Ty::Float64) => {
                    let (x, rest) = rest.split_first_chunk::<8>().ok_or("truncated fixed64")?;
                    (Wire::Fixed64(u64::from_le_bytes(*x)), rest)
                }
                Some(_) => {
                    let (len, rest) = varint(rest).ok_or("truncated length")?;
                    let len = usize::try_from(len).map_err(|_| "length too large")?;
                    let ext = rest;
                    let (x, rest) = rest.split_at_checked(len).ok_or("length past the end")?;
                    (Wire::Len(x, ext), rest)
                }
                None => {
                    // Skipped as gogo's skipGenerated does, within the entry.
                    let rest = match tag & 7 {
                        0 => varint(rest).ok_or("truncated varint")?.1,
                        1 => rest.get(8..).ok_or("truncated fixed64")?,
                        5 => rest.get(4..).ok_or("truncated fixed32")?,
                        2 => {
                            let (len, rest) = varint(rest).ok_or("truncated length")?;
                            let len = usize::try_from(len).map_err(|_| "length too large")?;
                            rest.get(len..).ok_or("length past the end")?
                        }
                        3 => skip_group(rest).ok_or("damaged group")?,
                        4 => return Err("unexpected end group"),
                        _ => return Err("illegal wire type"),
                    };
                    let new_pos = self.buf.len() - rest.len();
                    if new_pos > self.end {
                        return Err("unknown entry field past the entry");
                    }
                    (Wire::Group, rest)
                }
            };
            self.pos = self.buf.len() - rest.len();
            Ok((u32::try_from(number).unwrap_or(0), w))
        })();
        if r.is_err() {
            self.pos = self.end;
        }
        Some(r.map_err(str::to_string))
    }
}

/// Skips a group's body as gogo's skipGenerated does: start and end
/// markers counted, their field numbers not matched.
fn skip_group(mut b: &[u8]) -> Option<&[u8]> {
    let mut depth: u64 = 1;
    while depth > 0 {
        let (tag, rest) = varint(b)?;
        b = match tag & 7 {
            0 => varint(rest)?.1,
            1 => rest.get(8..)?,
            5 => rest.get(4..)?,
            2 => {
                let (len, rest) = varint(rest)?;
                rest.get(usize::try_from(len).ok()?..)?
            }
            3 => {
                depth += 1;
                rest
            }
            4 => {
                depth -= 1;
                rest
            }
            _ => return None,
        };
    }
    Some(b)
}
/// A decoded value; `None` in a slot means absent (Go's zero or nil).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// Borrowed from the value read (owned only for what the decoder adds).
    Str(Cow<'a, [u8]>),
    Bytes(Cow<'a, [u8]>),
    Msg(MsgVal<'a>),
    /// `metav1.Time`/`MicroTime`: seconds and nanoseconds; `None` is Go's
    /// zero time.
    Time(Option<(i64, i64)>),
    List(Vec<Val<'a>>),
    Map(Vec<(Cow<'a, [u8]>, Option<Val<'a>>)>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct MsgVal<'a> {
    /// The fields present, by index into the message's fields (sparse: an
    /// empty message costs no allocation, whatever its schema's size).
    pub(crate) fields: Vec<(usize, Option<Val<'a>>)>,
}

impl<'a> MsgVal<'a> {
    pub(crate) fn get(&self, i: usize) -> Option<&Val<'a>> {
        let at = self.fields.binary_search_by_key(&i, |(j, _)| *j).ok()?;
        self.fields.get(at).and_then(|(_, v)| v.as_ref())
    }
    /// The field's slot, added when absent (`None` never happens). The
    /// fields stay sorted by index.
    pub(crate) fn slot_mut(&mut self, i: usize) -> Option<&mut Option<Val<'a>>> {
        let at = match self.fields.binary_search_by_key(&i, |(j, _)| *j) {
            Ok(at) => at,
            Err(at) => {
                self.fields.insert(at, (i, None));
                at
            }
        };
        self.fields.get_mut(at).map(|(_, v)| v)
    }
}

/// Sets `resourceVersion` in the ObjectMeta held by field `i` of `top`
/// (a message of type `meta`), creating the metadata if it is absent.
pub(crate) fn set_resource_version<'a>(top: &mut MsgVal<'a>, i: usize, meta: u16, rv: &'a str) {
    let Some(rv_index) =
        msg_of(meta).and_then(|m| m.fields.iter().position(|f| f.json == "resourceVersion"))
    else {
        return;
    };
    let Some(slot) = top.slot_mut(i) else { return };
    if slot.is_none() {
        *slot = Some(Val::Msg(MsgVal { fields: Vec::new() }));
    }
    if let Some(Val::Msg(m)) = slot {
        if let Some(s) = m.slot_mut(rv_index) {
            *s = Some(Val::Str(Cow::Borrowed(rv.as_bytes())));
        }
    }
}

pub(crate) fn msg_of(i: u16) -> Option<&'static Message> {
    MESSAGES.get(usize::from(i))
}

pub(crate) struct Decoder {
    pub(crate) kind: String,
    pub(crate) path: Vec<&'static str>,
    /// One level's indentation, when writing indented.
    unit: Option<&'static str>,
    /// A newline and as many indentations as written so far (cut to the
    /// level needed).
    pad: String,
    /// The JSON nesting being written.
    level: usize,
}

impl Decoder {
    pub(crate) fn new(kind: String, layout: Layout) -> Decoder {
        let (unit, level) = match layout {
            Layout::Compact => (None, 0),
            Layout::Indented { unit, level } => (Some(unit), level),
        };
        Decoder {
            kind,
            path: vec![],
            unit,
            pad: String::from("\n"),
            level,
        }
    }

    /// Opens an object or array.
    fn open(&mut self, out: &mut String, c: char) {
        out.push(c);
        self.level += 1;
    }

    /// Before a member or element: the comma after the one before it, and
    /// the new line when indenting.
    fn next_item(&mut self, out: &mut String, first: bool) {
        if !first {
            out.push(',');
        }
        self.newline(out);
    }

    /// Closes what [`Self::open`] opened; `any`: whether it holds anything
    /// (empty ones stay `{}` and `[]`, as Go writes them).
    fn close(&mut self, out: &mut String, c: char, any: bool) {
        self.level = self.level.saturating_sub(1);
        if any {
            self.newline(out);
        }
        out.push(c);
    }

    /// After a member's name.
    fn colon(&self, out: &mut String) {
        out.push_str(if self.unit.is_some() { ": " } else { ":" });
    }

    fn newline(&mut self, out: &mut String) {
        if let Some(unit) = self.unit {
            let len = 1 + self.level * unit.len();
            while self.pad.len() < len {
                self.pad.push_str(unit);
            }
            out.push_str(self.pad.get(..len).unwrap_or_default());
        }
    }

    /// Room for the JSON of a payload of `n` bytes (indented JSON runs to
    /// several times the protobuf's size).
    fn capacity_for(&self, n: usize) -> usize {
        n.saturating_mul(if self.unit.is_some() { 6 } else { 2 })
    }

    pub(crate) fn err(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Payload {
            kind: self.kind.clone(),
            path: if self.path.is_empty() {
                ".".into()
            } else {
                self.path.join(".")
            },
            reason: reason.into(),
        }
    }

    fn message<'a>(
        &mut self,
        idx: u16,
        b: &'a [u8],
        depth: usize,
    ) -> Result<MsgVal<'a>, DecodeError> {
        let mut m = MsgVal::default();
        self.merge(idx, &mut m, b, depth)?;
        Ok(m)
    }

    /// Decodes `b` into `m` (Go's generated Unmarshal on an existing value).
    fn merge<'a>(
        &mut self,
        idx: u16,
        m: &mut MsgVal<'a>,
        b: &'a [u8],
        depth: usize,
    ) -> Result<(), DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let msg = msg_of(idx).ok_or_else(|| self.err("bad message index"))?;
        // Fields mostly come in the schema's order: the one after the last
        // is tried first (field numbers are unique in a message).
        let mut next = 0;
        for f in Fields(b) {
            let (n, w) = f.map_err(|e| self.err(e))?;
            let i = match msg.fields.get(next) {
                Some(f) if f.number == n && n != 0 => next,
                _ => match msg.fields.iter().position(|f| f.number == n && n != 0) {
                    Some(i) => i,
                    None => continue, // unknown field: skipped
                },
            };
            next = i + 1;
            let Some(field) = msg.fields.get(i) else {
                continue;
            };
            self.path.push(if field.json.is_empty() {
                "(embedded)"
            } else {
                field.json
            });
            let slot = m.slot_mut(i).ok_or_else(|| self.err("bad field index"))?;
            let r = self.field(field.ty, slot, w, depth);
            self.path.pop();
            r?;
        }
        Ok(())
    }

    /// One occurrence of a field of type `ty`, merged into `slot`.
    fn field<'a>(
        &mut self,
        ty: Ty,
        slot: &mut Option<Val<'a>>,
        w: Wire<'a>,
        depth: usize,
    ) -> Result<(), DecodeError> {
        match ty {
            Ty::Ptr(inner) => self.field(*inner, slot, w, depth),
            Ty::List(elem) => {
                let mut items = match slot.take() {
                    Some(Val::List(v)) => v,
                    _ => Vec::new(),
                };
                let packable = matches!(
                    elem,
                    Ty::Bool | Ty::Int32 | Ty::Int64 | Ty::Uint32 | Ty::Uint64 | Ty::Float64
                );
                match w {
                    Wire::Len(mut b, _) if packable => {
                        while !b.is_empty() {
                            let (v, rest) = if *elem == Ty::Float64 {
                                let (x, rest) = b
                                    .split_first_chunk::<8>()
                                    .ok_or_else(|| self.err("truncated packed double"))?;
                                (Val::Float(f64::from_bits(u64::from_le_bytes(*x))), rest)
                            } else {
                                let (v, rest) =
                                    varint(b).ok_or_else(|| self.err("truncated packed varint"))?;
                                (scalar_of_varint(*elem, v), rest)
                            };
                            items.push(v);
                            b = rest;
                        }
                    }
                    _ => {
                        let mut one = None;
                        self.field(*elem, &mut one, w, depth)?;
                        // A message element present with no bytes is still
                        // an element (a zero struct).
                        items.push(match (one, elem) {
                            (Some(v), _) => v,
                            (None, Ty::Msg(_)) => Val::Msg(MsgVal::default()),
                            (None, _) => return Err(self.err("empty list element")),
                        });
                    }
                }
                *slot = Some(Val::List(items));
                Ok(())
            }
            Ty::Items(elem) => {
                let Wire::Len(b, _) = w else {
                    return Err(self.err("list message of wrong wire type"));
                };
                let mut list = match slot.take() {
                    Some(Val::List(v)) => Some(Val::List(v)),
                    _ => Some(Val::List(Vec::new())),
                };
                for f in Fields(b) {
                    let (n, w) = f.map_err(|e| self.err(e))?;
                    if n == 1 {
                        self.field(Ty::List(elem), &mut list, w, depth)?;
                    }
                }
                *slot = list;
                Ok(())
            }
            Ty::Map(kt, vt) => {
                let Wire::Len(entry, ext) = w else {
                    return Err(self.err("map entry of wrong wire type"));
                };
                let mut key: Option<Val> = None;
                let mut val: Option<Val> = None;
                let entries = EntryFields {
                    buf: ext,
                    end: entry.len(),
                    pos: 0,
                    key: *kt,
                    value: *vt,
                };
                for f in entries {
                    let (n, w) = f.map_err(|e| self.err(e))?;
                    match n {
                        1 => self.field(*kt, &mut key, w, depth)?,
                        2 => {
                            // gogo builds a fresh value per entry.
                            val = None;
                            self.field(*vt, &mut val, w, depth)?;
                        }
                        _ => {}
                    }
                }
                // gogo starts a bytes value as empty, not nil: an entry
                // without one (Go writes none for empty bytes) is "".
                // Likewise a named-slice value (`&ExtraValue{}`) is `[]`.
                if val.is_none() {
                    match vt {
                        Ty::Bytes => val = Some(Val::Bytes(Cow::Borrowed(&[]))),
                        Ty::Items(_) => val = Some(Val::List(Vec::new())),
                        _ => {}
                    }
                }
                let key = match key {
                    Some(Val::Str(s)) => s,
                    None if *kt == Ty::String => Cow::Borrowed(&[][..]),
                    _ => return Err(self.err("map key is not a string")),
                };
                let mut entries = match slot.take() {
                    Some(Val::Map(v)) => v,
                    _ => Vec::new(),
                };
                entries.push((key, val));
                *slot = Some(Val::Map(entries));
                Ok(())
            }
            Ty::Msg(idx) => {
                let Wire::Len(b, _) = w else {
                    return Err(self.err("message of wrong wire type"));
                };
                let msg = msg_of(idx).ok_or_else(|| self.err("bad message index"))?;
                match msg.form {
                    Form::Time | Form::MicroTime => {
                        *slot = Some(Val::Time(self.time(idx, b, msg.form, depth)?));
                    }
                    _ => {
                        let mut m = match slot.take() {
                            Some(Val::Msg(m)) => m,
                            _ => MsgVal::default(),
                        };
                        self.merge(idx, &mut m, b, depth + 1)?;
                        if msg.form == Form::Quantity {
                            if let Some(Val::Str(s)) = m.get(0) {
                                quantity::parse(s).map_err(|e| {
                                    self.err(format!(
                                        "quantity {:?}: {e:?}",
                                        String::from_utf8_lossy(s)
                                    ))
                                })?;
                            }
                        }
                        *slot = Some(Val::Msg(m));
                    }
                }
                Ok(())
            }
            Ty::Float64 => match w {
                Wire::Fixed64(v) => {
                    *slot = Some(Val::Float(f64::from_bits(v)));
                    Ok(())
                }
                _ => Err(self.err("double of wrong wire type")),
            },
            Ty::String | Ty::Bytes => match w {
                Wire::Len(b, _) => {
                    *slot = Some(if ty == Ty::String {
                        Val::Str(Cow::Borrowed(b))
                    } else {
                        Val::Bytes(Cow::Borrowed(b))
                    });
                    Ok(())
                }
                _ => Err(self.err("string or bytes of wrong wire type")),
            },
            Ty::Bool | Ty::Int32 | Ty::Int64 | Ty::Uint32 | Ty::Uint64 => match w {
                Wire::Varint(v) => {
                    *slot = Some(scalar_of_varint(ty, v));
                    Ok(())
                }
                _ => Err(self.err("varint field of wrong wire type")),
            },
            Ty::Unsupported => Err(self.err("field type without a protobuf form")),
        }
    }

    /// `metav1.Time`/`MicroTime.Unmarshal`: replaces the value; empty bytes
    /// are the zero time.
    fn time(
        &mut self,
        idx: u16,
        b: &[u8],
        form: Form,
        depth: usize,
    ) -> Result<Option<(i64, i64)>, DecodeError> {
        if b.is_empty() {
            return Ok(None);
        }
        let ts = self.message(idx, b, depth + 1)?;
        let get = |i: usize| match ts.get(i) {
            Some(Val::Int(v)) => *v,
            _ => 0,
        };
        let (secs, nanos) = (get(0), get(1));
        Ok(Some(if form == Form::Time {
            (secs, 0)
        } else {
            // Truncated to microseconds (toward zero), then normalised as
            // time.Unix does.
            let n = nanos - nanos % 1000;
            let secs = secs.checked_add(n.div_euclid(1_000_000_000));
            (
                secs.ok_or_else(|| self.err("time out of range"))?,
                n.rem_euclid(1_000_000_000),
            )
        }))
    }

    // ---- JSON ----

    pub(crate) fn write_message(
        &mut self,
        out: &mut String,
        idx: u16,
        m: Option<&MsgVal>,
        depth: usize,
    ) -> Result<(), DecodeError> {
        if depth > MAX_WRITE_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let msg = msg_of(idx).ok_or_else(|| self.err("bad message index"))?;
        let get = |i: usize| m.and_then(|m| m.get(i));
        let by_number = |n: u32| msg.fields.iter().position(|f| f.number == n).and_then(&get);
        match msg.form {
            Form::Struct => {
                self.open(out, '{');
                let mut first = true;
                self.write_fields(out, msg, m, &mut first, depth)?;
                self.close(out, '}', !first);
            }
            Form::Time | Form::MicroTime => {
                return Err(self.err("time outside a time value"));
            }
            Form::Duration => {
                let d = match by_number(1) {
                    Some(Val::Int(v)) => *v,
                    _ => 0,
                };
                gojson::write_text(out, &gojson::duration_string(d));
            }
            Form::Quantity => {
                let q = match by_number(1) {
                    Some(Val::Str(s)) => {
                        quantity::parse(s).map_err(|e| self.err(format!("quantity: {e:?}")))?
                    }
                    _ => quantity::Quantity::zero(),
                };
                gojson::write_text(out, &q.canonical());
            }
            Form::IntOrString => {
                let ty = match by_number(1) {
                    Some(Val::Int(v)) => *v,
                    _ => 0,
                };
                match ty {
                    0 => {
                        let v = match by_number(2) {
                            Some(Val::Int(v)) => *v,
                            _ => 0,
                        };
                        out.push_str(&v.to_string());
                    }
                    1 => {
                        let s = match by_number(3) {
                            Some(Val::Str(s)) => &**s,
                            _ => &[],
                        };
                        gojson::write_str(out, s);
                    }
                    _ => return Err(self.err("impossible IntOrString.Type")),
                }
            }
            Form::RawExtension | Form::FieldsV1 | Form::RawJson => {
                let raw = match by_number(1) {
                    Some(Val::Bytes(b)) => Some(&**b),
                    _ => None,
                };
                match (msg.form, raw) {
                    (_, None) => out.push_str("null"),
                    (Form::FieldsV1 | Form::RawJson, Some([])) => out.push_str("null"),
                    (_, Some([0xd9, 0xd9, 0xf7, ..])) => {
                        return Err(self.err("embedded CBOR is not decoded"));
                    }
                    (Form::RawExtension, Some(b))
                        if !matches!(
                            b.first(),
                            Some(
                                b'\t'
                                    | b'\r'
                                    | b'\n'
                                    | b' '
                                    | b'{'
                                    | b'['
                                    | b'n'
                                    | b't'
                                    | b'f'
                                    | b'"'
                                    | b'-'
                                    | b'0'..=b'9'
                            )
                        ) =>
                    {
                        return Err(self.err("RawExtension holds neither JSON nor CBOR"));
                    }
                    (_, Some(b)) => match self.unit {
                        None => gojson::write_compact(out, b)
                            .ok_or_else(|| self.err("embedded JSON is not valid"))?,
                        Some(unit) => {
                            let mut compact = String::new();
                            gojson::write_compact(&mut compact, b)
                                .ok_or_else(|| self.err("embedded JSON is not valid"))?;
                            gojson::indent(&compact, unit, self.level, out);
                        }
                    },
                }
            }
            Form::SchemaOrBool => {
                let schema = get(1);
                if let (Some(v), Some(f)) = (schema, msg.fields.get(1)) {
                    self.write_value(out, f.ty, Some(v), depth + 1)?;
                } else {
                    let allows = matches!(get(0), Some(Val::Bool(true)));
                    out.push_str(if allows { "true" } else { "false" });
                }
            }
            Form::SchemaOrArray => {
                let (schema_f, list_f) = (msg.fields.first(), msg.fields.get(1));
                match (get(1), list_f) {
                    (Some(v @ Val::List(items)), Some(f)) if !items.is_empty() => {
                        self.write_value(out, f.ty, Some(v), depth + 1)?;
                    }
                    _ => {
                        let ty = schema_f.map(|f| f.ty).unwrap_or(Ty::Unsupported);
                        self.write_value(out, ty, get(0), depth + 1)?;
                    }
                }
            }
            Form::SchemaOrStringArray => {
                match (get(1), get(0), msg.fields.get(1), msg.fields.first()) {
                    (Some(v @ Val::List(items)), _, Some(f), _) if !items.is_empty() => {
                        self.write_value(out, f.ty, Some(v), depth + 1)?;
                    }
                    (_, Some(v), _, Some(f)) => self.write_value(out, f.ty, Some(v), depth + 1)?,
                    _ => out.push_str("null"),
                }
            }
        }
        Ok(())
    }

    /// The fields of a struct, embedded structs flattened in place.
    fn write_fields(
        &mut self,
        out: &mut String,
        msg: &'static Message,
        m: Option<&MsgVal>,
        first: &mut bool,
        depth: usize,
    ) -> Result<(), DecodeError> {
        for (i, f) in msg.fields.iter().enumerate() {
            if f.skip {
                continue;
            }
            let v = m.and_then(|m| m.get(i));
            if f.inline {
                let (inner, v) = match (f.ty, v) {
                    (Ty::Msg(j), Some(Val::Msg(mv))) => (j, Some(mv)),
                    (Ty::Msg(j), _) => (j, None),
                    (Ty::Ptr(Ty::Msg(j)), Some(Val::Msg(mv))) => (*j, Some(mv)),
                    (Ty::Ptr(_), None) => continue,
                    _ => return Err(self.err("embedded field is not a struct")),
                };
                let inner_msg = msg_of(inner).ok_or_else(|| self.err("bad message index"))?;
                if depth > MAX_WRITE_DEPTH {
                    return Err(self.err("nesting too deep"));
                }
                self.write_fields(out, inner_msg, v, first, depth + 1)?;
                continue;
            }
            if (f.omitempty && is_empty(f.ty, v)) || (f.omitzero && is_zero(f.ty, v)) {
                continue;
            }
            self.next_item(out, *first);
            *first = false;
            // Field names are Go identifiers' json tags: nothing to escape
            // (`field_names_need_no_escaping` checks every one).
            out.push('"');
            out.push_str(f.json);
            out.push('"');
            self.colon(out);
            self.path.push(f.json);
            let r = self.write_value(out, f.ty, v, depth + 1);
            self.path.pop();
            r?;
        }
        Ok(())
    }

    fn write_value(
        &mut self,
        out: &mut String,
        ty: Ty,
        v: Option<&Val>,
        depth: usize,
    ) -> Result<(), DecodeError> {
        if depth > MAX_WRITE_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        match (ty, v) {
            (Ty::Ptr(_) | Ty::List(_) | Ty::Items(_) | Ty::Map(..) | Ty::Bytes, None) => {
                out.push_str("null");
            }
            (Ty::Ptr(inner), Some(v)) => self.write_value(out, *inner, Some(v), depth)?,
            (Ty::Bool, v) => out.push_str(if matches!(v, Some(Val::Bool(true))) {
                "true"
            } else {
                "false"
            }),
            (Ty::Int32 | Ty::Int64, v) => match v {
                Some(Val::Int(i)) => out.push_str(&i.to_string()),
                _ => out.push('0'),
            },
            (Ty::Uint32 | Ty::Uint64, v) => match v {
                Some(Val::Uint(i)) => out.push_str(&i.to_string()),
                _ => out.push('0'),
            },
            (Ty::Float64, v) => {
                let f = match v {
                    Some(Val::Float(f)) => *f,
                    _ => 0.0,
                };
                gojson::write_f64(out, f).ok_or_else(|| self.err("NaN or infinite float"))?;
            }
            (Ty::String, v) => match v {
                Some(Val::Str(s)) => gojson::write_str(out, s),
                _ => out.push_str("\"\""),
            },
            (Ty::Bytes, Some(Val::Bytes(b))) => {
                use base64::Engine as _;
                out.push('"');
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                out.push('"');
            }
            (Ty::List(elem) | Ty::Items(elem), Some(Val::List(items))) => {
                self.open(out, '[');
                for (i, item) in items.iter().enumerate() {
                    self.next_item(out, i == 0);
                    self.write_value(out, *elem, Some(item), depth + 1)?;
                }
                self.close(out, ']', !items.is_empty());
            }
            (Ty::Map(_, vt), Some(Val::Map(entries))) => {
                // Go: last write per key wins, keys sorted bytewise. A
                // stable sort keeps repeated keys in the order written, so
                // the last of each run is the one kept.
                let mut all: Vec<(&[u8], &Option<Val<'_>>)> =
                    entries.iter().map(|(k, v)| (&**k, v)).collect();
                all.sort_by(|a, b| a.0.cmp(b.0));
                let mut sorted: Vec<(&[u8], &Option<Val<'_>>)> = Vec::with_capacity(all.len());
                for e in all {
                    match sorted.last_mut() {
                        Some(last) if last.0 == e.0 => *last = e,
                        _ => sorted.push(e),
                    }
                }
                self.open(out, '{');
                for (i, (k, v)) in sorted.iter().enumerate() {
                    self.next_item(out, i == 0);
                    gojson::write_str(out, k);
                    self.colon(out);
                    self.write_value(out, *vt, v.as_ref(), depth + 1)?;
                }
                self.close(out, '}', !sorted.is_empty());
            }
            (Ty::Msg(idx), v) => {
                let msg = msg_of(idx).ok_or_else(|| self.err("bad message index"))?;
                match (msg.form, v) {
                    (Form::Time | Form::MicroTime, v) => {
                        let t = match v {
                            Some(Val::Time(t)) => *t,
                            _ => None,
                        };
                        write_time(out, t, msg.form == Form::MicroTime)
                            .ok_or_else(|| self.err("time out of range"))?;
                    }
                    (_, Some(Val::Msg(m))) => self.write_message(out, idx, Some(m), depth + 1)?,
                    (_, _) => self.write_message(out, idx, None, depth + 1)?,
                }
            }
            _ => return Err(self.err("value does not match its schema type")),
        }
        Ok(())
    }
}

/// For a protobuf value whose kind the tables do not hold: the envelope's
/// apiVersion and kind, `metadata` read as `ObjectMeta` from field 1 (every
/// Kubernetes object keeps it there) with `resourceVersion` set, and the
/// payload as a raw field tree under `protobuf`: each field number with
/// its value (a list when repeated): varints as numbers, `{"fixed64": n}`,
/// `{"fixed32": n}`, length-delimited fields as a nested tree when they
/// read as one, else as text when UTF-8, else `{"bytes": base64}`. `None`
/// for anything else (not the envelope, or a damaged one).
pub fn raw_tree(value: &[u8], resource_version: Option<&str>, layout: Layout) -> Option<String> {
    use serde_json::{Map, Value};
    let (api_version, kind, raw) = envelope(value.strip_prefix(b"k8s\0")?).ok()?;
    let mut top = Map::new();
    top.insert("apiVersion".into(), Value::String(api_version));
    top.insert("kind".into(), Value::String(kind.clone()));
    let meta_bytes = Fields(raw).find_map(|f| match f {
        Ok((1, Wire::Len(b, _))) => Some(b),
        _ => None,
    });
    let meta_index = MESSAGES
        .iter()
        .position(|m| m.name == "k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta")
        .and_then(|i| u16::try_from(i).ok());
    if let (Some(b), Some(i)) = (meta_bytes, meta_index) {
        let mut d = Decoder::new(kind, Layout::Compact);
        let mut text = String::new();
        let meta = d
            .message(i, b, 0)
            .ok()
            .and_then(|m| d.write_message(&mut text, i, Some(&m), 0).ok())
            .and_then(|()| serde_json::from_str::<Value>(&text).ok());
        if let Some(Value::Object(mut meta)) = meta {
            if let Some(rv) = resource_version {
                meta.insert("resourceVersion".into(), Value::String(rv.into()));
            }
            top.insert("metadata".into(), Value::Object(meta));
        }
    }
    let tree = field_tree(raw, 0).unwrap_or_else(|| raw_bytes(raw));
    top.insert("protobuf".into(), tree);
    Some(layout.apply(Value::Object(top).to_string()))
}

/// Nesting of length-delimited fields read as trees.
const MAX_TREE_DEPTH: usize = 64;

fn raw_bytes(b: &[u8]) -> serde_json::Value {
    use base64::Engine as _;
    serde_json::json!({ "bytes": base64::engine::general_purpose::STANDARD.encode(b) })
}

/// `b` as a field tree (see [`raw_tree`]); `None` when it does not read
/// as protobuf to its end, or holds groups.
fn field_tree(b: &[u8], depth: usize) -> Option<serde_json::Value> {
    use serde_json::{Map, Value};
    if depth > MAX_TREE_DEPTH {
        return None;
    }
    let mut fields: Map<String, Value> = Map::new();
    for f in Fields(b) {
        let (n, w) = f.ok()?;
        let v = match w {
            Wire::Varint(v) => Value::from(v),
            Wire::Fixed64(v) => serde_json::json!({ "fixed64": v }),
            Wire::Fixed32(v) => serde_json::json!({ "fixed32": v }),
            Wire::Group => return None,
            Wire::Len(inner, _) => match field_tree(inner, depth + 1) {
                Some(t) if !inner.is_empty() => t,
                _ => match std::str::from_utf8(inner) {
                    Ok(text) => Value::String(text.into()),
                    Err(_) => raw_bytes(inner),
                },
            },
        };
        match fields.get_mut(&n.to_string()) {
            Some(Value::Array(items)) => items.push(v),
            Some(first) => *first = Value::Array(vec![first.take(), v]),
            None => {
                fields.insert(n.to_string(), v);
            }
        }
    }
    Some(Value::Object(fields))
}

fn scalar_of_varint(ty: Ty, v: u64) -> Val<'static> {
    match ty {
        Ty::Bool => Val::Bool(v != 0),
        Ty::Int32 => Val::Int(i64::from(v as i32)),
        Ty::Uint32 => Val::Uint(u64::from(v as u32)),
        Ty::Uint64 => Val::Uint(v),
        _ => Val::Int(v as i64),
    }
}

fn write_time(out: &mut String, t: Option<(i64, i64)>, micro: bool) -> Option<()> {
    let Some((secs, nanos)) = t else {
        out.push_str("null");
        return Some(());
    };
    if secs == gojson::GO_ZERO_TIME_UNIX && nanos == 0 {
        out.push_str("null");
        return Some(());
    }
    out.push('"');
    out.push_str(&gojson::rfc3339_seconds(secs)?);
    if micro {
        out.push_str(&format!(".{:06}", nanos / 1000));
    }
    out.push_str("Z\"");
    Some(())
}

/// encoding/json's `isEmptyValue` (structs are never empty).
fn is_empty(ty: Ty, v: Option<&Val>) -> bool {
    match (ty, v) {
        (_, None) => !matches!(ty, Ty::Msg(_)),
        (Ty::Ptr(_), Some(_)) => false,
        (_, Some(Val::Bool(b))) => !b,
        (_, Some(Val::Int(i))) => *i == 0,
        (_, Some(Val::Uint(i))) => *i == 0,
        (_, Some(Val::Float(f))) => *f == 0.0,
        (_, Some(Val::Str(s) | Val::Bytes(s))) => s.is_empty(),
        (_, Some(Val::List(l))) => l.is_empty(),
        (_, Some(Val::Map(m))) => m.is_empty(),
        (_, Some(Val::Msg(_) | Val::Time(_))) => false,
    }
}

/// encoding/json's `omitzero`: the zero value, or `IsZero()` for times.
fn is_zero(ty: Ty, v: Option<&Val>) -> bool {
    match (ty, v) {
        (_, None) => true,
        (Ty::Ptr(_) | Ty::List(_) | Ty::Items(_) | Ty::Map(..), Some(_)) => false,
        (_, Some(Val::Time(t))) => match t {
            None => true,
            Some((s, n)) => *s == gojson::GO_ZERO_TIME_UNIX && *n == 0,
        },
        (_, Some(Val::Msg(m))) => m.fields.iter().all(|(_, v)| v.is_none()),
        (Ty::Bytes, Some(_)) => false,
        (t, v) => is_empty(t, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut tm = vec![0x0a, api_version.len() as u8];
        tm.extend_from_slice(api_version.as_bytes());
        tm.extend_from_slice(&[0x12, kind.len() as u8]);
        tm.extend_from_slice(kind.as_bytes());
        let mut v = b"k8s\0".to_vec();
        v.push(0x0a);
        v.push(tm.len() as u8);
        v.extend_from_slice(&tm);
        v.push(0x12);
        v.push(raw.len() as u8);
        v.extend_from_slice(raw);
        v
    }

    #[test]
    fn a_pod_with_a_name() {
        // metadata{name "a"}
        let raw = [0x0a, 0x03, 0x0a, 0x01, b'a'];
        let d = decode_value(&env("v1", "Pod", &raw));
        assert_eq!(
            d.map(|d| d.json),
            Ok(r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"},"spec":{"containers":null},"status":{}}"#.to_string())
        );
    }

    #[test]
    fn json_values_decode_as_go() {
        // A custom resource: unstructured, keys sorted.
        let d = decode_value_at(
            b"{\"kind\":\"Widget\",\"apiVersion\":\"example.com/v1\",\"spec\":{\"n\":1.0}}\n",
            Some("5"),
        );
        assert_eq!(
            d.map(|d| (d.api_version, d.kind, d.json)),
            Ok((
                "example.com/v1".to_string(),
                "Widget".to_string(),
                r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"resourceVersion":"5"},"spec":{"n":1}}"#.to_string()
            ))
        );
        // A built-in kind: its Go type, in Go's field order.
        let d = decode_value_at(
            br#"{"apiVersion":"v1","kind":"ConfigMap","data":{"b":"2","a":"1"},"metadata":{"name":"x","creationTimestamp":"2024-01-02T03:04:05.9+01:00"},"unknown":1}"#,
            Some("5"),
        );
        assert_eq!(
            d.map(|d| d.json),
            Ok(r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","resourceVersion":"5","creationTimestamp":"2024-01-02T02:04:05Z"},"data":{"a":"1","b":"2"}}"#.to_string())
        );
        assert!(matches!(
            decode_value(br#"{"apiVersion":"v1","kind":"ConfigMap","data":{"a":1}}"#),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(decode_value(b"{nope"), Err(DecodeError::Json(_))));
        assert_eq!(decode_value(b"nope"), Err(DecodeError::NotKubernetes));
        assert!(matches!(
            decode_value(&[0xd9, 0xd9, 0xf7, 0xa0]),
            Err(DecodeError::Cbor(_))
        ));
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let good = env("v1", "Pod", &[0x0a, 0x03, 0x0a, 0x01, b'a']);
        for cut in 0..good.len() {
            let _ = decode_value(good.get(..cut).unwrap_or_default());
        }
        for i in 0..good.len() {
            for x in [0u8, 0x7f, 0x80, 0xff] {
                let mut b = good.clone();
                if let Some(v) = b.get_mut(i) {
                    *v = x;
                }
                let _ = decode_value(&b);
            }
        }
        assert!(matches!(
            decode_value(&env("v9", "Nope", &[])),
            Err(DecodeError::UnknownKind { .. })
        ));
        // A field of the wrong wire type.
        assert!(matches!(
            decode_value(&env("v1", "Pod", &[0x08, 0x01])),
            Err(DecodeError::Payload { .. })
        ));
    }
    /// Length-delimited field `n` around `inner`.
    #[test]
    fn repeated_map_keys_keep_the_last_value_keys_sorted() {
        let entry = |k: &[u8], v: &[u8]| wrap(2, &[wrap(1, k), wrap(2, v)].concat());
        let raw = [
            entry(b"b", b"1"),
            entry(b"a", b"2"),
            entry(b"b", b"3"),
            entry(b"c", b"4"),
            entry(b"a", b"5"),
        ]
        .concat();
        let d = decode_value(&env("v1", "ConfigMap", &raw)).unwrap();
        assert_eq!(
            d.json,
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{},"data":{"a":"5","b":"3","c":"4"}}"#
        );
    }

    #[test]
    fn field_names_need_no_escaping() {
        for m in MESSAGES.iter() {
            for f in m.fields {
                let mut escaped = String::new();
                gojson::write_text(&mut escaped, f.json);
                assert_eq!(escaped, format!("\"{}\"", f.json), "{}", m.name);
            }
        }
    }

    #[test]
    fn an_unknown_kind_is_shown_as_its_raw_fields() {
        // ObjectMeta (field 1): name "w1" (1), namespace "ns" (3).
        let meta = [wrap(1, b"w1"), wrap(3, b"ns")].concat();
        let spec = [wrap(1, b"replicas"), vec![0x10, 0x07]].concat();
        let raw = [
            wrap(1, &meta),
            wrap(2, &spec),
            vec![0x19, 1, 0, 0, 0, 0, 0, 0, 0], // 3: fixed64 1
            vec![0x20, 0x05, 0x20, 0x06],       // 4: varint 5, then 6
            wrap(5, &[0xff, 0xfe]),             // 5: not UTF-8, not fields
            vec![0x35, 2, 0, 0, 0],             // 6: fixed32 2
        ]
        .concat();
        let stored = env("example.com/v1", "Widget", &raw);
        assert!(matches!(
            decode_value(&stored),
            Err(DecodeError::UnknownKind { .. })
        ));
        let text = raw_tree(&stored, Some("9"), Layout::Compact).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "w1", "namespace": "ns", "resourceVersion": "9"},
                "protobuf": {
                    "1": {"1": "w1", "3": "ns"},
                    "2": {"1": "replicas", "2": 7},
                    "3": {"fixed64": 1},
                    "4": [5, 6],
                    "5": {"bytes": "//4="},
                    "6": {"fixed32": 2}
                }
            })
        );
        // Indented as asked; a damaged envelope has no tree.
        let indented = raw_tree(
            &stored,
            None,
            Layout::Indented {
                unit: "  ",
                level: 0,
            },
        )
        .unwrap();
        assert!(indented.starts_with("{\n  \"apiVersion\": \"example.com/v1\""));
        assert!(raw_tree(&stored[..stored.len() - 3], None, Layout::Compact).is_none());
        assert!(raw_tree(b"{}", None, Layout::Compact).is_none());
    }

    fn wrap(n: u32, inner: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for mut x in [u64::from(n << 3 | 2), inner.len() as u64] {
            while x >= 0x80 {
                v.push((x as u8) | 0x80);
                x >>= 7;
            }
            v.push(x as u8);
        }
        v.extend_from_slice(inner);
        v
    }

    fn index_of(name: &str) -> u16 {
        MESSAGES
            .iter()
            .position(|m| m.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .unwrap_or(u16::MAX)
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        // JSONSchemaProps.not nested far past the cap.
        let props =
            index_of("k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaProps");
        let not = MESSAGES
            .get(usize::from(props))
            .and_then(|m| m.fields.iter().find(|f| f.json == "not"))
            .map(|f| f.number)
            .unwrap_or(0);
        assert_ne!(not, 0);
        let mut b = Vec::new();
        for _ in 0..5_000 {
            b = wrap(not, &b);
        }
        let mut d = Decoder::new("test".into(), Layout::Compact);
        let got = d.message(props, &b, 0);
        assert!(
            matches!(got, Err(DecodeError::Payload { ref reason, .. }) if reason.contains("deep"))
        );
    }

    #[test]
    fn field_numbers_are_unique_in_every_message() {
        // `merge` relies on it when it tries the next field first.
        for m in MESSAGES {
            let mut seen = std::collections::BTreeSet::new();
            for f in m.fields.iter().filter(|f| f.number != 0) {
                assert!(
                    seen.insert(f.number),
                    "{}: field {} twice",
                    m.name,
                    f.number
                );
            }
        }
    }

    #[test]
    fn empty_messages_cost_no_schema_sized_allocation() {
        // 100k empty elements of Pod.spec.containers: each decodes to an
        // empty sparse message.
        let pod = index_of("k8s.io/api/core/v1.Pod");
        let mut spec = Vec::new();
        for _ in 0..100_000 {
            spec.extend_from_slice(&[0x12, 0x00]); // containers (2), empty
        }
        let raw = wrap(2, &spec);
        let mut d = Decoder::new("Pod".into(), Layout::Compact);
        assert!(d.message(pod, &raw, 0).is_ok());
    }
}
