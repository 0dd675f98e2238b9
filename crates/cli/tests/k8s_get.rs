//! `k8s get` on a real etcd 3.5.1 snapshot holding JSON objects under
//! `/registry/` (written by etcdctl in testdata/scripts/make-etcd-fixtures.sh):
//! kubectl's grammar, the output formats, and the exit codes (2: could
//! not run; 1: something asked for is missing or unreadable).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

fn snapshot() -> String {
    testdata()
        .join("etcd/etcd-3.5.1.snapshot.db")
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let mut a = vec!["k8s", "get"];
    a.extend_from_slice(args);
    let o = etcdsnap(&a);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn lists_objects_as_kubectl_would() {
    let s = snapshot();
    let (rc, out, _) = run(&[&s, "-A"]);
    assert_eq!(rc, 0);
    insta::assert_snapshot!("k8s_get_all_table", out);
    let (rc, out, _) = run(&[&s, "po", "-A", "-o", "name"]);
    assert_eq!((rc, out.as_str()), (0, "pod/x\npod/y\n"));
    // Short name, plural, kind and case all name the same type.
    for t in ["pods", "Pod", "POD", "pod"] {
        assert_eq!(run(&[&s, t, "-A", "-w", "name"]).1, "pod/x\npod/y\n", "{t}");
    }
    let (rc, out, _) = run(&[&s, "pod/x", "-A", "-o", "json"]);
    assert_eq!(rc, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["metadata"]["name"], "x");
    assert_eq!(v["metadata"]["resourceVersion"], "42");
    // Two names: a List, with the revision read.
    let (_, out, _) = run(&[&s, "po", "x", "y", "-A", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["metadata"]["resourceVersion"], "75");
    let (_, out, _) = run(&[&s, "svc", "-A", "-o", "jsonl"]);
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn missing_names_and_bad_requests() {
    let s = snapshot();
    let (rc, out, err) = run(&[&s, "po", "x", "nope", "-A", "-o", "name"]);
    assert_eq!((rc, out.as_str()), (1, "pod/x\n"));
    assert!(err.contains(r#"pods "nope" not found"#), "{err}");
    let (rc, out, err) = run(&[&s, "bogus"]);
    assert_eq!((rc, out.as_str()), (2, ""));
    assert!(
        err.contains(r#"doesn't have a resource type "bogus""#),
        "{err}"
    );
    let (rc, out, _) = run(&[&s, "po", "-l", "a in b"]);
    assert_eq!((rc, out.as_str()), (2, ""));
    let (rc, out, err) = run(&[&s, "po", "--rev", "43"]);
    assert_eq!((rc, out.as_str()), (1, ""));
    assert!(
        err.contains("required revision has been compacted"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("enc.yaml");
    std::fs::write(&bad, "kind: EncryptionConfiguration\nresources: [{providers: [{aescbc: {keys: [{name: a, secret: eA==}]}}]}]\n").unwrap();
    let (rc, out, err) = run(&[&s, "--encryption-config", bad.to_str().unwrap()]);
    assert_eq!((rc, out.as_str()), (2, ""));
    assert!(err.contains("1 bytes"), "{err}");
}

/// `-o json` is laid out as kubectl lays it out: each object's compact
/// JSON (`-o jsonl`) indented by four, at the nesting it is printed at.
#[test]
fn json_is_laid_out_as_kubectl_does() {
    let s = snapshot();
    let (_, jsonl, _) = run(&[&s, "po", "-A", "-o", "jsonl"]);
    let lines: Vec<&str> = jsonl.lines().collect();
    assert_eq!(lines.len(), 2);
    let indent = |text: &str, depth: usize| {
        let mut out = String::new();
        etcdsnap_k8s::indent_json(text, "    ", depth, &mut out);
        out
    };
    let (_, single, _) = run(&[&s, "pod/x", "-A", "-o", "json"]);
    assert_eq!(single, format!("{}\n", indent(lines[0], 0)));
    let (_, list, _) = run(&[&s, "po", "-A", "-o", "json"]);
    let items: Vec<String> = lines.iter().map(|l| indent(l, 2)).collect();
    assert_eq!(
        list,
        format!(
            "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {}\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {{\n        \"resourceVersion\": \"75\"\n    }}\n}}\n",
            items.join(",\n        ")
        )
    );
}

/// A protobuf object of a kind this build does not know is shown as its
/// envelope, metadata and raw protobuf fields, with a warning naming its
/// key (exit 1); the objects around it are shown as usual.
#[test]
fn an_unknown_kind_is_shown_as_raw_fields_with_a_warning() {
    // runtime.Unknown: typeMeta {apiVersion, kind}, raw = Widget with
    // ObjectMeta {name w1, namespace ns} and a field 2 holding 7.
    let meta = [&[0x0a, 2][..], b"w1", &[0x1a, 2], b"ns"].concat();
    let raw = [&[0x0a, meta.len() as u8][..], &meta, &[0x10, 7]].concat();
    let tm = [&[0x0a, 14][..], b"example.com/v1", &[0x12, 6], b"Widget"].concat();
    let widget = [
        &b"k8s\0"[..],
        &[0x0a, tm.len() as u8],
        &tm,
        &[0x12, raw.len() as u8],
        &raw,
    ]
    .concat();
    let cm = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"}}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    tiny_db(
        &path,
        &[
            (b"/registry/configmaps/ns/c", cm, 0),
            (b"/registry/example.com/widgets/ns/w1", &widget, 0),
        ],
    );
    let p = path.to_string_lossy().into_owned();
    let (rc, out, err) = run(&[&p, "-A", "-o", "json"]);
    assert_eq!(rc, 1, "{err}");
    assert!(
        err.contains("/registry/example.com/widgets/ns/w1: kind Widget of example.com/v1")
            && err.contains("shown as its raw protobuf fields"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{out}");
    assert_eq!(items[0]["kind"], "ConfigMap");
    assert_eq!(items[1]["kind"], "Widget");
    assert_eq!(items[1]["metadata"]["name"], "w1");
    assert_eq!(items[1]["metadata"]["resourceVersion"], "3");
    assert_eq!(items[1]["protobuf"]["2"], 7);
    // The table names it too.
    let (rc, table, _) = run(&[&p, "-A"]);
    assert_eq!(rc, 1);
    assert!(table.contains("w1") && table.contains("Widget"), "{table}");
    // Its raw fields are no manifest: export leaves it out, with an error.
    let out_dir = dir.path().join("out");
    let o = etcdsnap([
        "k8s",
        "export",
        &p,
        out_dir.to_str().unwrap(),
        "-A",
        "--no-skip",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("/registry/example.com/widgets/ns/w1"), "{err}");
    assert!(out_dir.join("ns/configmaps/c.yaml").is_file(), "{err}");
    assert!(!err.contains("raw protobuf"), "{err}");
}
