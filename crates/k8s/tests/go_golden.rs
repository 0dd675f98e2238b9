//! etcdsnap's decoding of stored Kubernetes objects against Go's own:
//! `k8sgolden` (testdata/go/k8sgolden) fills objects of every registered
//! kind, stores them with the API server's protobuf serializer and prints
//! what client-go's universal deserializer and JSON serializer make of
//! them; every object must decode here to the same bytes. And
//! `k8sschema` (testdata/go/k8sschema) must still generate the committed
//! tables. Damaged copies of those objects must fail where Go's decoding
//! fails and decode to Go's JSON where it does not; quantity strings of
//! every shape must canonicalise as apimachinery's.
//!
//! The Go programs are built by testdata/scripts/install-oracles.sh
//! (`ETCDSNAP_K8SGOLDEN`, `ETCDSNAP_K8SSCHEMA`); without them the tests are
//! skipped visibly, and fail under `CI=true`. `ETCDSNAP_K8SGOLDEN_SEEDS=N`
//! asks for N objects per kind instead of 10 (seed 0 is the zero object),
//! and N instead of 3 for the damaged copies.
#![allow(clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{b64, first_difference, go_decode, go_reading, golden, run};

#[derive(Default)]
struct Tally {
    objects: usize,
    same: usize,
    go_refused: usize,
}

#[test]
fn every_kind_decodes_as_go_does() {
    let Some(golden) = golden() else { return };
    let seeds = std::env::var("ETCDSNAP_K8SGOLDEN_SEEDS").unwrap_or_else(|_| "10".into());
    let out = run(&golden, &["-seeds", &seeds]);
    let mut kinds: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for line in out.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
        let name = format!("{}/{} {}", field("group"), field("version"), field("kind"));
        let seed = v.get("seed").and_then(|s| s.as_u64()).unwrap_or_default();
        let tally = kinds.entry(name.clone()).or_default();
        tally.objects += 1;
        let stored = b64(field("value_b64"));
        let got = etcdsnap_k8s::decode_value(&stored);
        if !field("error").is_empty() {
            // Go cannot read these back (WatchEvent has no kind in its
            // envelope): etcdsnap must refuse them too, not invent JSON.
            tally.go_refused += 1;
            if !stored.is_empty() && got.is_ok() {
                failures.push(format!(
                    "{name} seed {seed}: Go refused ({}), etcdsnap decoded it",
                    field("error")
                ));
            }
            continue;
        }
        let want = String::from_utf8_lossy(&b64(field("json_b64"))).into_owned();
        // Written indented straight away: Go's text, as kubectl lays it out.
        let indented = etcdsnap_k8s::decode::decode_value_laid_out(
            &stored,
            None,
            etcdsnap_k8s::Layout::Indented {
                unit: "    ",
                level: 2,
            },
        );
        let mut want_indented = String::new();
        etcdsnap_k8s::indent_json(&want, "    ", 2, &mut want_indented);
        match indented {
            Ok(d) if d.json == want_indented => {}
            Ok(d) => failures.push(format!(
                "{name} seed {seed}, indented: {}",
                first_difference(&want_indented, &d.json, 80)
            )),
            Err(e) => failures.push(format!("{name} seed {seed}: indented: {e}")),
        }
        match got {
            Ok(d) if d.json == want => tally.same += 1,
            Ok(d) => failures.push(format!(
                "{name} seed {seed}: {}",
                first_difference(&want, &d.json, 80)
            )),
            Err(e) => failures.push(format!("{name} seed {seed}: etcdsnap error: {e}")),
        }
    }
    let objects: usize = kinds.values().map(|t| t.objects).sum();
    let same: usize = kinds.values().map(|t| t.same).sum();
    let refused: usize = kinds.values().map(|t| t.go_refused).sum();
    let all_pass = kinds
        .values()
        .filter(|t| t.same + t.go_refused == t.objects)
        .count();
    eprintln!(
        "k8s golden: {} kinds, {all_pass} with every object identical; {objects} objects, \
         {same} identical, {refused} Go itself cannot read back",
        kinds.len()
    );
    for (name, t) in &kinds {
        if t.same + t.go_refused != t.objects {
            eprintln!(
                "  {name}: {}/{} identical",
                t.same,
                t.objects - t.go_refused
            );
        }
    }
    assert!(
        kinds.len() > 700,
        "only {} kinds from k8sgolden",
        kinds.len()
    );
    assert!(
        failures.is_empty(),
        "{} objects differ from Go's; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn generated_schema_is_current() {
    let Some(gen) = etcdsnap_testsupport::oracles::find(
        "ETCDSNAP_K8SSCHEMA",
        "/opt/etcdsnap-oracles/bin/k8sschema",
    ) else {
        return;
    };
    let out = run(&gen, &[]);
    let committed =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/generated/schema.rs"))
            .unwrap_or_else(|e| panic!("reading the committed schema: {e}"));
    assert!(
        out.as_bytes() == committed,
        "crates/k8s/src/generated/schema.rs is stale: regenerate it with \
         `{} > crates/k8s/src/generated/schema.rs`",
        gen.display()
    );
}

#[test]
fn quantities_canonicalise_as_apimachinery_does() {
    let Some(golden) = golden() else { return };
    let out = run(&golden, &["-quantities"]);
    let (mut total, mut failures) = (0, Vec::new());
    for line in out.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        let input = v.get("in").and_then(|x| x.as_str()).unwrap_or_default();
        // Go's MarshalJSON output, quotes included.
        let want = v.get("json").and_then(|x| x.as_str()).map(str::to_string);
        let got = etcdsnap_k8s::quantity::parse(input.as_bytes())
            .ok()
            .map(|q| format!("\"{}\"", q.canonical()));
        total += 1;
        if got != want {
            failures.push(format!("{input:?}: go {want:?}, etcdsnap {got:?}"));
        }
    }
    eprintln!("quantities: {total} strings, {} differ", failures.len());
    assert!(total >= 20_000, "only {total} quantities");
    assert!(
        failures.is_empty(),
        "{} quantities differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Damaged copies of a value: cut short, and single bits flipped past the
/// `k8s\0` magic, chosen by a fixed xorshift stream.
fn damaged(stored: &[u8], x: &mut u64) -> Vec<Vec<u8>> {
    let mut next = || {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    };
    let len = stored.len();
    let mut out = Vec::new();
    if len <= 5 {
        return out;
    }
    for _ in 0..2 {
        let cut = 4 + (next() as usize) % (len - 4);
        out.push(stored.get(..cut).unwrap_or_default().to_vec());
    }
    for _ in 0..4 {
        let mut b = stored.to_vec();
        let r = next();
        if let Some(v) = b.get_mut(4 + (r as usize) % (len - 4)) {
            *v ^= 1 << ((r >> 32) % 8);
        }
        out.push(b);
    }
    out
}

#[test]
fn damaged_values_fail_or_decode_as_go_does() {
    let Some(golden) = golden() else { return };
    let seeds = std::env::var("ETCDSNAP_K8SGOLDEN_SEEDS").unwrap_or_else(|_| "3".into());
    let out = run(&golden, &["-seeds", &seeds]);
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut values = Vec::new();
    for line in out.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        if v.get("json_b64").is_none() {
            continue;
        }
        let stored = b64(v
            .get("value_b64")
            .and_then(|s| s.as_str())
            .unwrap_or_default());
        values.extend(damaged(&stored, &mut x));
    }
    let (mut both_refuse, mut same, mut failures) = (0, 0, Vec::new());
    for (g, v) in go_decode(&golden, &[], &values).iter().zip(&values) {
        match (go_reading(g), etcdsnap_k8s::decode_value(v)) {
            (Err(_), Err(_)) => both_refuse += 1,
            (Ok(w), Ok(d)) if w == d.json => same += 1,
            (Ok(w), Ok(d)) => failures.push(format!(
                "both decode: {}",
                first_difference(&w, &d.json, 80)
            )),
            (Ok(_), Err(e)) => failures.push(format!("Go decodes it, etcdsnap: {e}")),
            (Err(g), Ok(_)) => failures.push(format!("Go refuses it ({g}), etcdsnap decodes it")),
        }
    }
    eprintln!(
        "damaged values: {}, both refuse {both_refuse}, same JSON {same}, differ {}",
        values.len(),
        failures.len()
    );
    assert!(
        values.len() > 10_000,
        "only {} damaged values",
        values.len()
    );
    assert!(
        failures.is_empty(),
        "{} damaged values handled unlike Go:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
