//! The shapes of the generated tables ([`crate::MESSAGES`], [`crate::KINDS`]): one
//! [`Message`] per Go type the API server's objects are made of, its fields
//! in Go struct order (the order Go's encoding/json writes them in), and the
//! registered kinds. The generator (`testdata/go/k8sschema`) reads them from
//! the Go types by reflection; this module only names their parts.

/// How a Go type is written as JSON: by encoding/json's struct rules, or by
/// the type's own `MarshalJSON`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A struct: its fields, in order, with their omission rules.
    Struct,
    /// `metav1.Time`: RFC 3339 in UTC, whole seconds; `null` when zero.
    Time,
    /// `metav1.MicroTime`: RFC 3339 in UTC with six fractional digits.
    MicroTime,
    /// `metav1.Duration`: Go's `time.Duration` string.
    Duration,
    /// `resource.Quantity`: the canonical string.
    Quantity,
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
    /// `runtime.RawExtension`: embedded JSON, `null` when absent.
    RawExtension,
    /// `metav1.FieldsV1`: embedded JSON, `null` when empty.
    FieldsV1,
    /// apiextensions `JSON`: embedded JSON, `null` when empty.
    RawJson,
    /// apiextensions `JSONSchemaPropsOrBool`: the schema, else the bool.
    SchemaOrBool,
    /// apiextensions `JSONSchemaPropsOrArray`: the array, else the schema.
    SchemaOrArray,
    /// apiextensions `JSONSchemaPropsOrStringArray`: the strings, else the schema.
    SchemaOrStringArray,
}

/// A Go field type, as far as protobuf and JSON care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `bool` (varint).
    Bool,
    /// `int32` (varint, truncated).
    Int32,
    /// `int64` (varint).
    Int64,
    /// `uint32` (varint, truncated).
    Uint32,
    /// `uint64` (varint).
    Uint64,
    /// `float64` (fixed64).
    Float64,
    /// `string` and string types.
    String,
    /// `[]byte`: base64 in JSON.
    Bytes,
    /// A struct, by index into `MESSAGES`.
    Msg(u16),
    /// A pointer: `null` when absent.
    Ptr(&'static Ty),
    /// A slice: `null` when absent.
    List(&'static Ty),
    /// A named slice type (`metav1.Verbs`, `ExtraValue`): JSON as a slice,
    /// protobuf as a message of its own with the elements in field 1
    /// (present and empty is `[]`, absent is `null`).
    Items(&'static Ty),
    /// A map (protobuf: repeated entries with key 1 and value 2).
    Map(&'static Ty, &'static Ty),
    /// A Go type with no protobuf form (never seen in the tables shipped).
    Unsupported,
}

/// One Go struct field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// JSON name (the Go field name when the tag gives none).
    pub json: &'static str,
    /// An embedded struct whose fields encoding/json writes in its place.
    pub inline: bool,
    /// `json:"-"` or unexported: decoded, never written.
    pub skip: bool,
    /// `,omitempty`.
    pub omitempty: bool,
    /// `,omitzero`.
    pub omitzero: bool,
    /// Protobuf field number; 0 for a field protobuf does not carry.
    pub number: u32,
    /// The Go type.
    pub ty: Ty,
}

/// One Go type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    /// Full Go name, `k8s.io/api/core/v1.Pod`.
    pub name: &'static str,
    /// How it is written as JSON.
    pub form: Form,
    /// Its fields, in Go struct order.
    pub fields: &'static [Field],
}

/// A registered kind and the message its objects decode as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gvk {
    /// API group, empty for the core group.
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Index into `MESSAGES`.
    pub message: u16,
}
