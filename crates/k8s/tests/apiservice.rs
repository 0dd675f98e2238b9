//! APIService objects (apiregistration.k8s.io v1 and v1beta1) decoded from
//! hand-built values. There is no Go oracle for them here: kube-aggregator
//! is not among the Go libraries of testdata/scripts/install-oracles.sh, so
//! the protobuf values are written field by field from kube-aggregator
//! v0.36.2's `pkg/apis/apiregistration/{v1,v1beta1}/generated.proto`, and
//! the expected JSON from its `types.go` (the same lines in both versions):
//!
//! - `APIService` (types.go:153-164): TypeMeta inline, then `metadata`,
//!   `spec`, `status`, all three `omitempty` on structs, which
//!   encoding/json never omits, so `"status":{}` is written when empty;
//! - `APIServiceSpec` (types.go:51-94): `service` (pointer, omitempty),
//!   `group`, `version`, `insecureSkipTLSVerify`, `caBundle` (`[]byte`,
//!   base64) all `omitempty`; `groupPriorityMinimum` and `versionPriority`
//!   without `omitempty`, so written even when 0; protobuf field 6 (the
//!   removed `priority`) unused;
//! - `ServiceReference` (types.go:37-47): `namespace`, `name`, `port`
//!   (`*int32`), all `omitempty`;
//! - `APIServiceCondition` (types.go:118-133): `type`, `status` always;
//!   `lastTransitionTime` (`metav1.Time`, `omitempty` on a struct: written,
//!   `null` when zero); `reason`, `message` `omitempty`;
//! - `APIServiceStatus` (types.go:136-144): `conditions`, `omitempty`.
//!
//! The apiserver itself stores APIServices as JSON (docs/kubernetes.md,
//! "APIService objects"); the last test is such a value.
#![allow(clippy::panic)]

use etcdsnap_k8s::decode::{decode_value_at, lookup_kind, Decoded};

// ---- a small protobuf writer ----

fn varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8 & 0x7f) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// A message under construction: fields appended in the order given.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn new() -> Self {
        Self::default()
    }
    fn bytes(mut self, n: u32, b: &[u8]) -> Self {
        varint(&mut self.0, u64::from(n << 3 | 2));
        varint(&mut self.0, b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    fn string(self, n: u32, s: &str) -> Self {
        self.bytes(n, s.as_bytes())
    }
    fn msg(self, n: u32, m: Msg) -> Self {
        self.bytes(n, &m.0)
    }
    fn uint(mut self, n: u32, x: u64) -> Self {
        varint(&mut self.0, u64::from(n << 3));
        varint(&mut self.0, x);
        self
    }
    /// An `int32` as protobuf writes it: negative values sign-extended to
    /// ten bytes.
    fn int32(self, n: u32, x: i32) -> Self {
        self.uint(n, i64::from(x) as u64)
    }
    fn bool(self, n: u32, b: bool) -> Self {
        self.uint(n, u64::from(b))
    }
}

/// The `k8s\0` envelope: `runtime.Unknown{typeMeta{apiVersion, kind}, raw}`.
fn envelope(api_version: &str, kind: &str, raw: Msg) -> Vec<u8> {
    let unknown = Msg::new()
        .msg(1, Msg::new().string(1, api_version).string(2, kind))
        .bytes(2, &raw.0);
    let mut v = b"k8s\0".to_vec();
    v.extend_from_slice(&unknown.0);
    v
}

/// `metav1.Time`: seconds 1, nanos 2.
fn time(seconds: i64, nanos: i32) -> Msg {
    Msg::new().uint(1, seconds as u64).int32(2, nanos)
}

/// 2026-01-02T03:04:05Z.
const T0: i64 = 1_767_323_045;

fn decode(value: &[u8], rv: Option<&str>) -> Decoded {
    decode_value_at(value, rv).unwrap_or_else(|e| panic!("decoding: {e}"))
}

// ---- protobuf values ----

#[test]
fn apiregistration_kinds_are_known_from_kube_aggregator_generated_proto_no_go_oracle() {
    for v in [
        "apiregistration.k8s.io/v1",
        "apiregistration.k8s.io/v1beta1",
    ] {
        for k in ["APIService", "APIServiceList"] {
            assert!(lookup_kind(v, k).is_some(), "{v} {k} not in the tables");
        }
    }
    assert!(lookup_kind("apiregistration.k8s.io/v1alpha1", "APIService").is_none());
}

#[test]
fn v1_apiservice_with_service_and_ca_bundle_from_kube_aggregator_generated_proto_no_go_oracle() {
    // caBundle with bytes that are not UTF-8: base64 in JSON.
    let ca: &[u8] = b"-----BEGIN CERTIFICATE-----\nMII\x00\xff\xfe\n";
    let raw = Msg::new()
        .msg(
            1,
            Msg::new()
                .string(1, "v1beta1.metrics.k8s.io")
                .string(5, "0b1c2d3e-0000-4000-8000-000000000001")
                .msg(8, time(T0, 0))
                .msg(
                    11,
                    Msg::new().string(1, "k8s-app").string(2, "metrics-server"),
                ),
        )
        .msg(
            2,
            // Fields written out of number order on purpose.
            Msg::new()
                .int32(8, 100)
                .int32(7, 100)
                .bytes(5, ca)
                .string(3, "v1beta1")
                .string(2, "metrics.k8s.io")
                .msg(
                    1,
                    Msg::new()
                        .string(1, "kube-system")
                        .string(2, "metrics-server")
                        .int32(3, 443),
                ),
        )
        .msg(
            3,
            Msg::new().msg(
                1,
                Msg::new()
                    .string(1, "Available")
                    .string(2, "True")
                    // metav1.Time writes whole seconds: the nanos go.
                    .msg(3, time(T0 + 1, 500_000_000))
                    .string(4, "Passed")
                    .string(5, "all checks passed"),
            ),
        );
    let d = decode(
        &envelope("apiregistration.k8s.io/v1", "APIService", raw),
        Some("42"),
    );
    assert_eq!(d.api_version, "apiregistration.k8s.io/v1");
    assert_eq!(d.kind, "APIService");
    // base64 (std, padded) of `ca`.
    let ca64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSQD//go=";
    let want = String::new()
        + r#"{"kind":"APIService","apiVersion":"apiregistration.k8s.io/v1","#
        + r#""metadata":{"name":"v1beta1.metrics.k8s.io","uid":"0b1c2d3e-0000-4000-8000-000000000001","#
        + r#""resourceVersion":"42","creationTimestamp":"2026-01-02T03:04:05Z","#
        + r#""labels":{"k8s-app":"metrics-server"}},"#
        + r#""spec":{"service":{"namespace":"kube-system","name":"metrics-server","port":443},"#
        + r#""group":"metrics.k8s.io","version":"v1beta1","caBundle":""#
        + ca64
        + r#"","groupPriorityMinimum":100,"versionPriority":100},"#
        + r#""status":{"conditions":[{"type":"Available","status":"True","#
        + r#""lastTransitionTime":"2026-01-02T03:04:06Z","reason":"Passed","#
        + r#""message":"all checks passed"}]}}"#;
    assert_eq!(d.json, want);
}

#[test]
fn v1beta1_apiservice_insecure_zero_priorities_from_kube_aggregator_generated_proto_no_go_oracle() {
    let raw = Msg::new()
        .msg(1, Msg::new().string(1, "v1alpha1.example.com"))
        .msg(
            2,
            Msg::new()
                // A service without a port: `port` omitted.
                .msg(1, Msg::new().string(1, "example").string(2, "api"))
                .string(2, "example.com")
                .string(3, "v1alpha1")
                .bool(4, true)
                // Field 6 (the removed `priority`) is unknown to
                // generated.proto: skipped, as Go's Unmarshal skips it.
                .uint(6, 7)
                // Negative priorities, ten-byte varints.
                .int32(7, -5)
                .int32(8, 0),
        )
        .msg(
            3,
            Msg::new()
                .msg(1, Msg::new().string(1, "Available").string(2, "False"))
                .msg(
                    1,
                    Msg::new()
                        .string(1, "Other")
                        .string(2, "Unknown")
                        .msg(3, time(T0, 0)),
                ),
        );
    let d = decode(
        &envelope("apiregistration.k8s.io/v1beta1", "APIService", raw),
        Some("7"),
    );
    assert_eq!(d.api_version, "apiregistration.k8s.io/v1beta1");
    assert_eq!(d.kind, "APIService");
    let want = String::new()
        + r#"{"kind":"APIService","apiVersion":"apiregistration.k8s.io/v1beta1","#
        + r#""metadata":{"name":"v1alpha1.example.com","resourceVersion":"7"},"#
        + r#""spec":{"service":{"namespace":"example","name":"api"},"#
        + r#""group":"example.com","version":"v1alpha1","insecureSkipTLSVerify":true,"#
        + r#""groupPriorityMinimum":-5,"versionPriority":0},"#
        // A zero lastTransitionTime is `null` (omitempty does not omit a
        // struct); empty reason and message are omitted.
        + r#""status":{"conditions":[{"type":"Available","status":"False","lastTransitionTime":null},"#
        + r#"{"type":"Other","status":"Unknown","lastTransitionTime":"2026-01-02T03:04:05Z"}]}}"#;
    assert_eq!(d.json, want);
}

#[test]
fn local_apiservice_without_service_or_status_from_kube_aggregator_generated_proto_no_go_oracle() {
    // What kube-apiserver registers for its own groups: no service, no
    // caBundle, empty status.
    let raw = Msg::new().msg(1, Msg::new().string(1, "v1.apps")).msg(
        2,
        Msg::new()
            .string(2, "apps")
            .string(3, "v1")
            .int32(7, 17800)
            .int32(8, 15),
    );
    let d = decode(
        &envelope("apiregistration.k8s.io/v1", "APIService", raw),
        None,
    );
    assert_eq!(
        d.json,
        String::new()
            + r#"{"kind":"APIService","apiVersion":"apiregistration.k8s.io/v1","#
            + r#""metadata":{"name":"v1.apps"},"#
            + r#""spec":{"group":"apps","version":"v1","groupPriorityMinimum":17800,"versionPriority":15},"#
            + r#""status":{}}"#
    );
    // The zero APIService: every non-omitempty field still written.
    let d = decode(
        &envelope("apiregistration.k8s.io/v1beta1", "APIService", Msg::new()),
        None,
    );
    assert_eq!(
        d.json,
        String::new()
            + r#"{"kind":"APIService","apiVersion":"apiregistration.k8s.io/v1beta1","#
            + r#""metadata":{},"spec":{"groupPriorityMinimum":0,"versionPriority":0},"status":{}}"#
    );
}

#[test]
fn damaged_apiservice_is_an_error_from_kube_aggregator_generated_proto_no_go_oracle() {
    // spec.caBundle (bytes) sent as a varint: wrong wire type.
    let raw = Msg::new().msg(2, Msg::new().uint(5, 1));
    assert!(decode_value_at(
        &envelope("apiregistration.k8s.io/v1", "APIService", raw),
        None
    )
    .is_err());
    // Every truncation of a good value fails or decodes; none panics.
    let good = envelope(
        "apiregistration.k8s.io/v1",
        "APIService",
        Msg::new().msg(
            2,
            Msg::new()
                .msg(1, Msg::new().string(2, "svc").int32(3, 8443))
                .bytes(5, b"ca"),
        ),
    );
    for cut in 0..good.len() {
        let _ = decode_value_at(good.get(..cut).unwrap_or_default(), None);
    }
}

// ---- as the apiserver stores them: JSON ----

#[test]
fn apiservice_stored_as_json_decodes_into_kube_aggregator_types_no_go_oracle() {
    // As the aggregator's storage codec (a JSON LegacyCodec, encoding v1)
    // writes an APIService: encoding/json's struct order, TypeMeta's
    // `kind` before `apiVersion`, no resourceVersion (the storage layer
    // clears it), a trailing newline.
    let stored = String::new()
        + r#"{"kind":"APIService","apiVersion":"apiregistration.k8s.io/v1","#
        + r#""metadata":{"name":"v1.apps","uid":"5d4c3b2a-0000-4000-8000-000000000002","#
        + r#""creationTimestamp":"2026-01-02T03:04:05Z","#
        + r#""labels":{"kube-aggregator.kubernetes.io/automanaged":"onstart"}},"#
        + r#""spec":{"group":"apps","version":"v1","groupPriorityMinimum":17800,"versionPriority":15},"#
        + r#""status":{"conditions":[{"type":"Available","status":"True","#
        + r#""lastTransitionTime":"2026-01-02T03:04:05Z","reason":"Local","#
        + r#""message":"Local APIServices are always available"}]}}"#
        + "\n";
    let d = decode(stored.as_bytes(), Some("99"));
    assert_eq!(d.api_version, "apiregistration.k8s.io/v1");
    assert_eq!(d.kind, "APIService");
    // Decoded into the APIService type and written in its field order:
    // the stored text, with the revision as resourceVersion where
    // ObjectMeta's order puts it.
    let want = stored.trim_end().replace(
        r#""uid":"5d4c3b2a-0000-4000-8000-000000000002","#,
        r#""uid":"5d4c3b2a-0000-4000-8000-000000000002","resourceVersion":"99","#,
    );
    assert_eq!(d.json, want);
    assert!(!d.json.ends_with('\n'));
}
