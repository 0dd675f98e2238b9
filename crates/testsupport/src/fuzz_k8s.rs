//! Entry point for the `k8s_value` fuzz target and the test that replays
//! its corpus: arbitrary bytes decoded as a value stored under
//! `/registry/` (the protobuf envelope, JSON, CBOR), and as a kind this
//! build does not know. Besides panics, hangs and unbounded allocation,
//! a failure is an indented decoding that is not the compact one indented,
//! or output that is not JSON.

use etcdsnap_k8s::decode::{decode_value_laid_out, raw_tree};
use etcdsnap_k8s::{indent_json, Layout};

const INDENTED: Layout = Layout::Indented {
    unit: "  ",
    level: 1,
};

/// `text` indented as kubectl does, at nesting 1.
fn indented(text: &str) -> String {
    let mut out = String::new();
    indent_json(text, "  ", 1, &mut out);
    out
}

/// Panics unless `text` is JSON.
fn assert_json(text: &str, what: &str) {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("{what} is not JSON ({e}): {text}");
    }
}

/// The bytes as a stored value, at a revision and without one, compact
/// and indented; and as the raw field tree of an unknown kind.
pub fn stored_value(data: &[u8]) {
    for rv in [None, Some("7")] {
        let compact = decode_value_laid_out(data, rv, Layout::Compact);
        let laid_out = decode_value_laid_out(data, rv, INDENTED);
        match (&compact, &laid_out) {
            (Ok(c), Ok(i)) => {
                assert_json(&c.json, "the decoded object");
                assert_eq!(i.json, indented(&c.json), "indented output differs");
            }
            (Err(_), Err(_)) => {}
            _ => panic!("compact and indented decoding disagree: {compact:?} / {laid_out:?}"),
        }
        let tree = raw_tree(data, rv, Layout::Compact);
        if let Some(t) = &tree {
            assert_json(t, "the raw field tree");
            assert_eq!(
                raw_tree(data, rv, INDENTED).as_deref(),
                Some(indented(t).as_str())
            );
        }
    }
}
