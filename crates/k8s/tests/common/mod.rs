//! Shared helpers for the tests that run `k8sgolden`
//! (testdata/go/k8sgolden) and `k8sschema`: finding and running them,
//! feeding values to k8sgolden's `-decode` mode, and reading its base64
//! and JSON answers.
#![allow(dead_code, clippy::panic)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;

/// `k8sgolden`, from `ETCDSNAP_K8SGOLDEN` or the oracles' default place;
/// `None` (said on stderr, a failure under `CI=true`) without it.
pub fn golden() -> Option<PathBuf> {
    etcdsnap_testsupport::oracles::find("ETCDSNAP_K8SGOLDEN", "/opt/etcdsnap-oracles/bin/k8sgolden")
}

/// Bytes from k8sgolden's base64.
pub fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_else(|e| panic!("bad base64 from k8sgolden: {e}"))
}

/// Runs the Go program `bin` (k8sgolden, k8sschema) with `args` and
/// returns its standard output; it must succeed.
pub fn run(bin: &PathBuf, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Go's reading of each value: `values` go to `k8sgolden -decode ARGS`
/// one base64 line each, and each answer line comes back parsed, in
/// order; Go must answer every value.
pub fn go_decode<V: AsRef<[u8]>>(
    golden: &PathBuf,
    args: &[&str],
    values: &[V],
) -> Vec<serde_json::Value> {
    let input: String = values
        .iter()
        .map(|v| base64::engine::general_purpose::STANDARD.encode(v) + "\n")
        .collect();
    let mut child = Command::new(golden)
        .arg("-decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {} -decode: {e}", golden.display()));
    let mut stdin = child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin for k8sgolden -decode"));
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let go = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("k8sgolden -decode: {e}"));
    assert!(
        matches!(writer.join(), Ok(Ok(()))),
        "writing to k8sgolden -decode failed"
    );
    let go = String::from_utf8_lossy(&go.stdout).into_owned();
    let answers: Vec<serde_json::Value> = go
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad k8sgolden -decode line: {e}"))
        })
        .collect();
    assert_eq!(answers.len(), values.len(), "k8sgolden -decode lines");
    answers
}

/// One `-decode` answer as Go's JSON text, or `Err` with Go's error.
pub fn go_reading(g: &serde_json::Value) -> Result<String, String> {
    match g.get("json_b64").and_then(|s| s.as_str()) {
        Some(j) => Ok(String::from_utf8_lossy(&b64(j)).into_owned()),
        None => Err(g
            .get("error")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string()),
    }
}

/// Where Go's text `a` and etcdsnap's `b` first differ, with `context`
/// bytes either side, noting when the two parse to the same JSON (so only
/// key order or number text differ).
pub fn first_difference(a: &str, b: &str, context: usize) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let clip = |s: &str| {
        let from = at.saturating_sub(context);
        let end = (at + context).min(s.len());
        String::from_utf8_lossy(s.as_bytes().get(from..end).unwrap_or_default()).into_owned()
    };
    let parsed = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
    let same_parsed = parsed(a).is_some() && parsed(a) == parsed(b);
    format!(
        "at byte {at}{}:\n    go:       …{}\n    etcdsnap: …{}",
        if same_parsed {
            " (same when parsed: order or number text)"
        } else {
            ""
        },
        clip(a),
        clip(b)
    )
}
