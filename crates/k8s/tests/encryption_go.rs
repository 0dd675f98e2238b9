//! Values encrypted by kube-apiserver's own encryption-at-rest code
//! (k8s.io/apiserver 0.36, through `testdata/go/k8senc`) decrypt to the
//! same bytes here, with each local-key provider and key size; the wrong
//! key, the wrong etcd key under aesgcm, and a missing key are each named.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;
use etcdsnap_k8s::encryption::{decrypt, EncryptionConfig, Undecryptable};
use etcdsnap_testsupport::oracles;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn config(provider: &str, name: &str, secret: &[u8]) -> String {
    format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets, configmaps]\n    providers:\n      - {provider}:\n          keys:\n            - name: {name}\n              secret: {}\n      - identity: {{}}\n",
        B64.encode(secret)
    )
}

/// What the apiserver stores for each (etcd key, plaintext).
fn encrypt_with_go(bin: &std::path::Path, cfg: &str, items: &[(String, Vec<u8>)]) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("enc.yaml");
    std::fs::write(&path, cfg).unwrap();
    let mut child = Command::new(bin)
        .arg(&path)
        .arg("secrets")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for (k, v) in items {
            let line = serde_json::json!({"key": k, "plain": B64.encode(v)});
            writeln!(stdin, "{line}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "k8senc failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            B64.decode(v["stored"].as_str().unwrap()).unwrap()
        })
        .collect()
}

fn plaintexts() -> Vec<(String, Vec<u8>)> {
    let mut envelope = b"k8s\0\n\x0c\n\x02v1\x12\x06Secret".to_vec();
    envelope.extend(std::iter::repeat_n(0x41, 300));
    vec![
        ("/registry/secrets/default/a".into(), envelope),
        (
            "/registry/secrets/kube-system/b".into(),
            br#"{"kind":"Secret","apiVersion":"v1","data":{"x":"eQ=="}}"#.to_vec(),
        ),
        // Exactly one block: the padding is a whole block.
        (
            "/registry/secrets/default/c".into(),
            b"{\"k\":\"0123456\"}".to_vec(),
        ),
    ]
}

#[test]
fn decrypts_what_the_apiserver_encrypted() {
    let Some(bin) = oracles::find("ETCDSNAP_K8SENC", "/opt/etcdsnap-oracles/bin/k8senc") else {
        return;
    };
    let items = plaintexts();
    let mut checked = 0;
    for provider in ["aescbc", "aesgcm", "secretbox"] {
        let sizes: &[usize] = if provider == "secretbox" {
            &[32]
        } else {
            &[16, 24, 32]
        };
        for &size in sizes {
            let secret: Vec<u8> = (0..size as u8).map(|b| b.wrapping_mul(7)).collect();
            let text = config(provider, "key1", &secret);
            let stored = encrypt_with_go(&bin, &text, &items);
            let cfg = EncryptionConfig::parse(&text).unwrap();
            let other: Vec<u8> = secret.iter().map(|b| b ^ 0x5a).collect();
            let wrong = EncryptionConfig::parse(&config(provider, "key1", &other)).unwrap();
            let renamed = EncryptionConfig::parse(&config(provider, "key2", &secret)).unwrap();
            for ((key, plain), value) in items.iter().zip(&stored) {
                let prefix = format!("k8s:enc:{provider}:v1:key1:");
                assert!(
                    value.starts_with(prefix.as_bytes()),
                    "{provider}: {value:?}"
                );
                let got = decrypt(Some(&cfg), key.as_bytes(), value).unwrap();
                assert_eq!(got.as_ref(), plain.as_slice(), "{provider} {size}: {key}");
                let e = decrypt(Some(&wrong), key.as_bytes(), value).unwrap_err();
                assert_eq!(e.why, Undecryptable::WrongKey, "{provider} {size}: {e}");
                let e = decrypt(Some(&renamed), key.as_bytes(), value).unwrap_err();
                assert_eq!(e.why, Undecryptable::NoKey, "{provider} {size}: {e}");
                assert_eq!(e.key, "key1");
                let e = decrypt(None, key.as_bytes(), value).unwrap_err();
                assert_eq!(e.why, Undecryptable::NoConfig);
                // Only aesgcm binds the value to its etcd key.
                let moved = decrypt(Some(&cfg), b"/registry/secrets/default/elsewhere", value);
                if provider == "aesgcm" {
                    assert_eq!(moved.unwrap_err().why, Undecryptable::WrongKey);
                } else {
                    assert_eq!(moved.unwrap().as_ref(), plain.as_slice());
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 7 * 3);
}
