//! Kubernetes objects of every built-in kind and version, written into a
//! real etcd 3.5.30 as kube-apiserver 1.36 stores them (protobuf envelope,
//! Secrets encrypted at rest with aescbc, aesgcm and secretbox, a KMS v2
//! Secret, a CRD and JSON custom resources) by `testdata/go/k8sfixture`,
//! then read back from the saved snapshot by `etcdsnap k8s get` and
//! compared, object by object as parsed JSON, with what the apiserver's
//! own decoders and JSON serializer give for the same stored bytes, at
//! the head and at an older revision.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// (apiVersion, kind, namespace, name) of an object.
fn id(v: &Value) -> String {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!(
        "{} {} {}/{}",
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

/// Go's expected objects (by id) and the keys Go could not read.
fn expected(path: &Path) -> (BTreeMap<String, Value>, Vec<String>) {
    let mut objects = BTreeMap::new();
    let mut errors = Vec::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        match v.get("json") {
            Some(j) => {
                objects.insert(id(j), j.clone());
            }
            None => errors.push(v["key"].as_str().unwrap().to_string()),
        }
    }
    (objects, errors)
}

/// The first path where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (p, q) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if p != q {
                    return first_difference(p, q, format!("{path}.{k}"));
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (p, q))| p != q)
            .and_then(|(i, (p, q))| first_difference(p, q, format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: etcdsnap {a} / Go {b}")),
    }
}

fn compare(snapshot: &Path, out: &Path, rev: i64) -> usize {
    let (want, unreadable) = expected(&out.join(format!("expected-{rev}.jsonl")));
    let o = etcdsnap([
        "k8s",
        "get",
        snapshot.to_str().unwrap(),
        "-A",
        "-o",
        "jsonl",
        "--show-secrets",
        "--rev",
        &rev.to_string(),
        "--encryption-config",
        out.join("encryption.yaml").to_str().unwrap(),
    ]);
    assert_no_crash(&o, "k8s get");
    let stderr = String::from_utf8_lossy(&o.stderr);
    // Exactly the keys Go could not read are reported, and only they.
    for key in &unreadable {
        assert!(
            stderr.contains(key.as_str()),
            "{key} not reported: {stderr}"
        );
    }
    let reported = stderr
        .lines()
        .filter(|l| l.starts_with("etcdsnap: /registry/"))
        .count();
    assert_eq!(reported, unreadable.len(), "unexpected problems: {stderr}");
    assert_eq!(
        o.status.code(),
        Some(if unreadable.is_empty() { 0 } else { 1 })
    );
    let mut got = BTreeMap::new();
    for line in String::from_utf8(o.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        got.insert(id(&v), v);
    }
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, w) in &want {
        let kind = k.split(' ').take(2).collect::<Vec<_>>().join(" ");
        match got.get(k) {
            None => failures
                .entry(kind)
                .or_default()
                .push(format!("{k}: missing")),
            Some(g) if g != w => failures.entry(kind).or_default().push(format!(
                "{k}: {}",
                first_difference(g, w, String::new()).unwrap_or_default()
            )),
            Some(_) => {}
        }
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        failures.entry("extra".into()).or_default().push(k.clone());
    }
    assert!(
        failures.is_empty(),
        "{} kinds differ from Go at revision {rev}:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|(k, v)| format!("  {k}: {}", v.first().cloned().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    want.len()
}

#[test]
fn every_kind_decodes_as_the_apiserver_decodes_it() {
    let Some(generator) = oracle(
        "ETCDSNAP_K8SFIXTURE",
        "/opt/etcdsnap-oracles/bin/k8sfixture",
    ) else {
        return;
    };
    let Some(etcd) = oracle(
        "ETCDSNAP_ETCD3530",
        "/opt/etcdsnap-oracles/etcd-3.5.30/etcd",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    {
        let peer = live::peer_url();
        let mut e = live::Etcd::spawn(
            etcd.parent().unwrap(),
            &dir.path().join("data"),
            "k8s",
            &peer,
            &format!("k8s={peer}"),
        );
        e.wait_healthy();
        let g = Command::new(&generator)
            .args(["-endpoint", &e.endpoint, "-out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            g.status.success(),
            "k8sfixture: {}",
            String::from_utf8_lossy(&g.stderr)
        );
    }
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    let snapshot = out.join("snapshot.db");
    let before = sha256(&snapshot);
    let head = compare(&snapshot, &out, meta["head"].as_i64().unwrap());
    let old = compare(&snapshot, &out, meta["old"].as_i64().unwrap());
    assert!(meta["kinds"].as_i64().unwrap() > 130, "{meta}");
    assert!(head > 200 && old > head, "{head} {old}");
    history_holds_both_versions(&snapshot, &out, &meta);
    export_matches_the_objects(&snapshot, &out, &meta);
    let o = etcdsnap([
        "k8s",
        "diff",
        snapshot.to_str().unwrap(),
        snapshot.to_str().unwrap(),
        "--encryption-config",
        out.join("encryption.yaml").to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "",
        "a snapshot differs from itself"
    );
    assert_eq!(sha256(&snapshot), before, "the snapshot was written to");
}

/// For objects that changed between the older revision and the head,
/// `k8s history -o json` holds both versions exactly as Go decoded them.
fn history_holds_both_versions(snapshot: &Path, out: &Path, meta: &Value) {
    let (old, _) = expected(&out.join(format!("expected-{}.jsonl", meta["old"])));
    let (head, _) = expected(&out.join(format!("expected-{}.jsonl", meta["head"])));
    let changed: Vec<(&String, &Value)> = head
        .iter()
        .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v) && !k.contains(" Secret "))
        .take(20)
        .collect();
    assert!(
        changed.len() >= 10,
        "too few changed objects: {}",
        changed.len()
    );
    for (id, v) in changed {
        let kind = v["kind"].as_str().unwrap();
        let group = v["apiVersion"]
            .as_str()
            .unwrap()
            .rsplit_once('/')
            .map_or("", |(g, _)| g);
        let t = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let name = v["metadata"]["name"].as_str().unwrap();
        let ns = v["metadata"]["namespace"].as_str().unwrap_or("default");
        let o = etcdsnap([
            "k8s",
            "history",
            snapshot.to_str().unwrap(),
            &format!("{t}/{name}"),
            "-n",
            ns,
            "-o",
            "json",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{id}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let list: Value = serde_json::from_slice(&o.stdout).unwrap();
        let objects: Vec<&Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["object"])
            .collect();
        assert!(
            objects.contains(&&old[id]),
            "{id}: the version at the older revision is missing"
        );
        assert!(objects.contains(&v), "{id}: the head version is missing");
    }
}

/// `k8s export -A --no-skip --show-secrets` writes one manifest per
/// readable object, which parses back to Go's object less what export
/// strips.
fn export_matches_the_objects(snapshot: &Path, out: &Path, meta: &Value) {
    let (head, unreadable) = expected(&out.join(format!("expected-{}.jsonl", meta["head"])));
    let dir = out.join("export");
    let o = etcdsnap([
        "k8s",
        "export",
        snapshot.to_str().unwrap(),
        "-A",
        "--no-skip",
        "--show-secrets",
        "--keep-status",
        "--encryption-config",
        out.join("encryption.yaml").to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(if unreadable.is_empty() { 0 } else { 1 })
    );
    let mut files = 0;
    for (id, want) in &head {
        let mut want = want.clone();
        etcdsnap_k8s::export::strip(
            &mut want,
            etcdsnap_k8s::export::ExportOptions {
                keep_status: true,
                no_skip: true,
                secrets: true,
            },
        );
        let known = etcdsnap_k8s::resources::built_in();
        let Some(rel) = etcdsnap_k8s::export::relative_path(&want, &known) else {
            continue;
        };
        let text =
            std::fs::read_to_string(dir.join(&rel)).unwrap_or_else(|e| panic!("{id}: {rel}: {e}"));
        let got: Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(got, want, "{rel}");
        files += 1;
    }
    assert!(files > 200, "{files}");
}
