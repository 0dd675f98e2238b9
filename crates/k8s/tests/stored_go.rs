//! etcdsnap's decoding of JSON- and CBOR-stored objects against Go's own:
//! `k8sgolden -forms` (testdata/go/k8sgolden/stored.go) fills objects of
//! every built-in kind, writes them with the JSON storage serializer
//! (`--storage-media-type=application/json`) and with apimachinery's CBOR
//! serializer, and prints what Go's storage decoding makes of them (the
//! universal deserializer for built-in JSON, the CBOR serializer into
//! `unstructured.Unstructured` for CBOR, as custom resources are read);
//! `k8sgolden -cr N` does the same for random custom resources written in
//! many valid (and some invalid) JSON and CBOR encodings. Every value must
//! decode here to Go's exact text, or fail where Go fails; damaged copies
//! too. `metadata.resourceVersion` is set on both sides as the API server
//! sets it.
//!
//! The Go program is built by testdata/scripts/install-oracles.sh
//! (`ETCDSNAP_K8SGOLDEN`); without it the tests are skipped visibly, and
//! fail under `CI=true`. `ETCDSNAP_K8SGOLDEN_SEEDS=N` asks for N objects per
//! kind instead of 4.
#![allow(clippy::panic)]

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use common::{b64, first_difference, go_decode, go_reading, golden, run};

const RV: &str = "4242";

/// One stored value and Go's reading of it.
struct Case {
    name: String,
    value: Vec<u8>,
    /// Go's printed JSON, or `Err` with Go's error.
    want: Result<String, String>,
}

fn cases(text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        let field = |v: &serde_json::Value, k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let name = format!(
            "{}/{} {} seed {}",
            field(&v, "group"),
            field(&v, "version"),
            field(&v, "kind"),
            v.get("seed").and_then(|s| s.as_u64()).unwrap_or_default()
        );
        for f in v
            .get("forms")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let value = b64(&field(f, "value_b64"));
            if value.is_empty() {
                continue; // Go could not encode it
            }
            out.push(Case {
                name: format!("{name} {}", field(f, "enc")),
                value,
                want: go_reading(f),
            });
        }
    }
    out
}

#[derive(Default, Debug)]
struct Tally {
    same: usize,
    both_refuse: usize,
    failures: Vec<String>,
}

fn compare(cases: &[Case]) -> BTreeMap<String, Tally> {
    let mut by_enc: BTreeMap<String, Tally> = BTreeMap::new();
    for c in cases {
        let enc = if c.value.starts_with(&[0xd9, 0xd9, 0xf7]) {
            "cbor"
        } else {
            "json"
        };
        let t = by_enc.entry(enc.to_string()).or_default();
        match (
            &c.want,
            etcdsnap_k8s::decode::decode_value_at(&c.value, Some(RV)),
        ) {
            (Ok(w), Ok(d)) if *w == d.json => t.same += 1,
            (Ok(w), Ok(d)) => {
                t.failures
                    .push(format!("{}: {}", c.name, first_difference(w, &d.json, 60)))
            }
            (Ok(_), Err(e)) => t
                .failures
                .push(format!("{}: Go decodes it, etcdsnap: {e}", c.name)),
            (Err(_), Err(_)) => t.both_refuse += 1,
            (Err(g), Ok(_)) => t.failures.push(format!(
                "{}: Go refuses it ({g}), etcdsnap decodes it",
                c.name
            )),
        }
    }
    by_enc
}

fn report(what: &str, by_enc: &BTreeMap<String, Tally>, min_same: usize) {
    for (enc, t) in by_enc {
        eprintln!(
            "{what} {enc}: {} identical, {} refused by both, {} differ",
            t.same,
            t.both_refuse,
            t.failures.len()
        );
    }
    let same: usize = by_enc.values().map(|t| t.same).sum();
    let failures: Vec<&String> = by_enc.values().flat_map(|t| &t.failures).collect();
    assert!(
        failures.is_empty(),
        "{what}: {} values handled unlike Go; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(same >= min_same, "{what}: only {same} values decoded");
}

fn seeds() -> String {
    std::env::var("ETCDSNAP_K8SGOLDEN_SEEDS").unwrap_or_else(|_| "4".into())
}

#[test]
fn json_and_cbor_stored_built_ins_decode_as_go() {
    let Some(golden) = golden() else { return };
    let text = run(&golden, &["-forms", "-seeds", &seeds(), "-rv", RV]);
    let cases = cases(&text);
    report("built-in kinds", &compare(&cases), 2_000);
}

#[test]
fn custom_resources_decode_as_go() {
    let Some(golden) = golden() else { return };
    let text = run(&golden, &["-cr", "4000", "-rv", RV]);
    let cases = cases(&text);
    report("custom resources", &compare(&cases), 4_000);
}

/// Damaged copies of a value: cut short, a byte replaced by one that
/// matters to the grammar, single bits flipped; from a fixed xorshift
/// stream, the magic (CBOR's self-described tag) left alone.
fn damaged(stored: &[u8], x: &mut u64) -> Vec<Vec<u8>> {
    let mut next = || {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    };
    let skip = if stored.starts_with(&[0xd9, 0xd9, 0xf7]) {
        3
    } else {
        0
    };
    let len = stored.len();
    let mut out = Vec::new();
    if len <= skip + 1 {
        return out;
    }
    let span = len - skip;
    out.push(
        stored
            .get(..skip + (next() as usize) % span)
            .unwrap_or_default()
            .to_vec(),
    );
    const BYTES: &[u8] = b"{}[]\",:0-.e\\ \x00\x7f\x80\xff\xf6\xf7\xf9\xfa\xfb\x1f\x3f\x5f\x7f\x9f\xbf\xc0\xc1\xc2\xd5\xd6";
    for _ in 0..2 {
        let mut b = stored.to_vec();
        let r = next();
        if let (Some(v), Some(&n)) = (
            b.get_mut(skip + (r as usize) % span),
            BYTES.get(((r >> 32) as usize) % BYTES.len()),
        ) {
            *v = n;
        }
        out.push(b);
    }
    for _ in 0..2 {
        let mut b = stored.to_vec();
        let r = next();
        if let Some(v) = b.get_mut(skip + (r as usize) % span) {
            *v ^= 1 << ((r >> 32) % 8);
        }
        out.push(b);
    }
    out
}

#[test]
fn damaged_json_and_cbor_fail_or_decode_as_go() {
    let Some(golden) = golden() else { return };
    let mut values = Vec::new();
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for text in [
        run(&golden, &["-forms", "-seeds", "2", "-rv", RV]),
        run(&golden, &["-cr", "1500", "-rv", RV]),
    ] {
        for c in cases(&text) {
            values.extend(damaged(&c.value, &mut x));
        }
    }
    let cases: Vec<Case> = go_decode(&golden, &["-rv", RV], &values)
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (g, v))| Case {
            name: format!(
                "damaged value {i} ({})",
                base64::engine::general_purpose::STANDARD.encode(&v)
            ),
            value: v,
            want: go_reading(g),
        })
        .collect();
    report("damaged values", &compare(&cases), 1_000);
}

/// Rewrites Go's JSON of an object with the things Go's decoder must
/// resolve: keys given twice (a `null`, an empty array or object, or a
/// sibling's value first or after), keys in another case, `null` for
/// values, escaped strings, numbers written as floats, whitespace.
struct Variant {
    x: u64,
}

impl Variant {
    fn next(&mut self) -> u64 {
        self.x ^= self.x << 13;
        self.x ^= self.x >> 7;
        self.x ^= self.x << 17;
        self.x
    }
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
    fn ws(&mut self, out: &mut String) {
        if self.one_in(8) {
            let ws = [" ", "\n", "\t", "\r\n "];
            out.push_str(ws.get((self.next() % 4) as usize).copied().unwrap_or(" "));
        }
    }
    fn string(&mut self, out: &mut String, s: &str) {
        if !self.one_in(6) {
            out.push_str(&serde_json::Value::String(s.to_string()).to_string());
            return;
        }
        out.push('"');
        for c in s.chars() {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
        out.push('"');
    }
    fn write(&mut self, out: &mut String, v: &serde_json::Value) {
        use serde_json::Value as V;
        self.ws(out);
        match v {
            V::Object(m) => {
                out.push('{');
                let vals: Vec<&V> = m.values().collect();
                let mut first = true;
                for (k, v) in m {
                    let mut pair = |me: &mut Self, out: &mut String, key: &str, val: &V| {
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        me.string(out, key);
                        me.ws(out);
                        out.push(':');
                        me.write(out, val);
                    };
                    let pick = self.next() % 40;
                    let other = vals
                        .get((self.next() as usize) % vals.len().max(1))
                        .copied();
                    let empty = match v {
                        V::Array(_) => V::Array(vec![]),
                        V::Object(_) => V::Object(Default::default()),
                        _ => V::Null,
                    };
                    match pick {
                        0 => pair(self, out, k, &V::Null),
                        1 => pair(self, out, k, &empty),
                        2 => {
                            if let Some(o) = other {
                                pair(self, out, k, o)
                            }
                        }
                        _ => {}
                    }
                    let key = if pick == 3 {
                        let mut c = k.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect())
                            .unwrap_or_default()
                    } else {
                        k.clone()
                    };
                    if pick == 4 {
                        pair(self, out, &key, &V::Null);
                    } else {
                        pair(self, out, &key, v);
                    }
                    match pick {
                        5 => pair(self, out, k, &V::Null),
                        6 => pair(self, out, k, &empty),
                        7 => pair(self, out, k, v),
                        _ => {}
                    }
                }
                self.ws(out);
                out.push('}');
            }
            V::Array(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write(out, it);
                }
                self.ws(out);
                out.push(']');
            }
            V::String(s) => self.string(out, s),
            V::Number(n) if n.is_i64() && self.one_in(60) => {
                out.push_str(&format!("{n}.0"));
            }
            other => out.push_str(&other.to_string()),
        }
        self.ws(out);
    }
}

#[test]
fn rewritten_json_of_built_ins_decodes_as_go() {
    let Some(golden) = golden() else { return };
    let mut values = Vec::new();
    let mut var = Variant {
        x: 0x1234_5678_9abc_def1,
    };
    for c in cases(&run(&golden, &["-forms", "-seeds", "3", "-rv", RV])) {
        if c.value.starts_with(&[0xd9, 0xd9, 0xf7]) {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&c.value) else {
            continue;
        };
        for _ in 0..3 {
            let mut out = String::new();
            var.write(&mut out, &v);
            values.push(out.into_bytes());
        }
    }
    let cases: Vec<Case> = go_decode(&golden, &["-rv", RV], &values)
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (g, v))| Case {
            name: format!("rewritten value {i} ({})", String::from_utf8_lossy(&v)),
            value: v,
            want: go_reading(g),
        })
        .collect();
    report("rewritten JSON", &compare(&cases), 1_000);
}

/// Hand-written values at the edges of Go's JSON reading: the types' own
/// `UnmarshalJSON`s given odd input, case and escapes in keys, `null`.
const EDGE_CASES: &[&str] = &[
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2024-01-02T03:04:05+24:00"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2024-01-02T3:04:05,123456789123Z"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2024-01-02T03:04:05+01:60"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2024-01-02t03:04:05Z"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"0001-01-01T00:00:00Z"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"0001-01-01T00:00:00.5Z"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2024-02-30T00:00:00Z"}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":""}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":5}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":null,"deletionTimestamp":null}}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":"2024-01-02T03:04:05.123456Z"}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":"2024-01-02T03:04:05.123Z"}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":"2024-01-02T03:04:05.+12345Z"}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":"2024-01-02T03:04:05.-00000Z"}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":"2024-01-02T03:04:05,123456-01:30"}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":"2024-01-02T03:04:05.1234567Z"}"#,
    r#"{"apiVersion":"v1","kind":"Event","eventTime":null}"#,
    r#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"targetPort":"80"},{"targetPort":80},{"targetPort":null},{"targetPort":"x","targetPort":null}]}}"#,
    r#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"targetPort":80.0}]}}"#,
    r#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"targetPort":true}]}}"#,
    r#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"targetPort":2147483648}]}}"#,
    r#"{"apiVersion":"v1","kind":"Secret","data":{"a":"YQ==","b":"Y\nQ==","c":"YR==","d":"","e":null,"f":[97,98,null]}}"#,
    r#"{"apiVersion":"v1","kind":"Secret","data":{"a":"YQ"}}"#,
    r#"{"apiVersion":"v1","kind":"Secret","data":{"a":[256]}}"#,
    r#"{"apiVersion":"v1","kind":"Secret","data":{"a":"Y Q=="}}"#,
    r#"{"apiVersion":"apps/v1","kind":"ControllerRevision","data":{ "a" : [ 1 , "<>" ] }}"#,
    r#"{"apiVersion":"apps/v1","kind":"ControllerRevision","data":"x","data":null}"#,
    r#"{"apiVersion":"apps/v1","kind":"ControllerRevision","data":5,"revision":-0}"#,
    r#"{"apiVersion":"apps/v1","kind":"ControllerRevision","revision":9223372036854775808}"#,
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"managedFields":[{"fieldsV1":{ "f:a" : {} }},{"fieldsV1":null},{"fieldsV1":"s"}]}}"#,
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":null,"data":null,"binaryData":{"x":"AAEC"}}"#,
    r#"{"\u0061piVersion":"v1","\u006bind":"ConfigMap","data":{"\u00e9":"\ud83d\ude00\ud800"}}"#,
    r#"{"apiVersion":"v1","kind":"ConfigMap","KIND":"Other"}"#,
    r#"{"apiVersion":"v1","Kind":"ConfigMap"}"#,
    r#"{"apiVersion":"v1","kind":"ConfigMap","kind":null}"#,
    r#"{"apiVersion":"v1/","kind":"ConfigMap"}"#,
    r#"{"apiVersion":"/v1","kind":"ConfigMap"}"#,
    r#"{"kind":"Status","apiVersion":"v1","code":1e2}"#,
    r#"{"kind":"Status","apiVersion":"foo.example/v1","code":500}"#,
    r#"{"kind":"Status"}"#,
    r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":{"versions":[{"name":"v1","schema":{"openAPIV3Schema":{"additionalProperties":null,"items":5,"maximum":-0,"minimum":1e-7,"default":{ "a" : 1 },"example":null,"dependencies":{"a":null,"b":["x"],"c":1,"d":{"type":"string"}},"properties":{"x":{"additionalProperties":true,"items":[]},"y":{"additionalProperties":{},"items":[{}]},"z":{"items":{"type":"object"}}}}}}]}}"#,
    r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":{"versions":[{"name":"v1","schema":{"openAPIV3Schema":{"additionalProperties":5}}}]}}"#,
    r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":{"versions":[{"name":"v1","schema":{"openAPIV3Schema":{"maximum":1e400}}}]}}"#,
    r#"{"apiVersion":"example.com/v1","kind":"Widget","spec":{"a":1.5e300,"b":-0.0,"c":12345678901234567890,"d":"\u2028<>&"},"metadata":[]}"#,
    r#"{"apiVersion":"example.com/v1","kind":"Widget","spec":1e400}"#,
    r#"{"apiVersion":"example.com/v1","kind":7}"#,
    r#"{"apiVersion":"example.com/v1/x","kind":"Widget"}"#,
    r#"{"APIVERSION":"example.com/v1/x","apiVersion":"v1","kind":"Widget"}"#,
    r#"{"apiVersion":"a/b/c","APIVERSION":"v1","kind":"Widget"}"#,
    " \n{\"apiVersion\":\"v1\",\"kind\":\"Widget\"}\n\n",
    "{\"apiVersion\":\"v1\",\"kind\":\"Widget\"} x",
];

#[test]
fn hand_written_edge_cases_decode_as_go() {
    let Some(golden) = golden() else { return };
    let cases: Vec<Case> = go_decode(&golden, &["-rv", RV], EDGE_CASES)
        .iter()
        .zip(EDGE_CASES)
        .map(|(g, v)| Case {
            name: (*v).to_string(),
            value: v.as_bytes().to_vec(),
            want: go_reading(g),
        })
        .collect();
    report("edge cases", &compare(&cases), 20);
}
