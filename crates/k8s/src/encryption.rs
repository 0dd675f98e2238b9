//! Encryption at rest as kube-apiserver does it, read back offline.
//!
//! A value the apiserver encrypted starts with `k8s:enc:<provider>:<version>:`
//! and, for the local-key providers, the key's name and a colon:
//!
//! ```text
//! k8s:enc:aescbc:v1:NAME:    IV (16) | AES-CBC ciphertext, PKCS#7 padded
//! k8s:enc:aesgcm:v1:NAME:    nonce (12) | AES-GCM ciphertext | tag (16); AAD = the etcd key
//! k8s:enc:secretbox:v1:NAME: nonce (24) | XSalsa20-Poly1305 box
//! k8s:enc:kms:v1:NAME:       DEK length (2, big endian) | DEK | ciphertext  (KMS plugin only)
//! k8s:enc:kms:v2:NAME:       EncryptedObject protobuf                      (KMS plugin only)
//! ```
//!
//! (k8s.io/apiserver 0.36: `pkg/storage/value/encrypt/aes/aes.go`,
//! `secretbox/secretbox.go`, `server/options/encryptionconfig/config.go`;
//! the authenticated data is `store.go`'s `authenticatedDataString`, the
//! full etcd key.) The keys come from the apiserver's own
//! `EncryptionConfiguration` file. Only aesgcm authenticates anything: a
//! wrong aescbc key can still pass the padding check, so a plaintext that
//! is not a Kubernetes encoding (the `k8s\0` envelope, JSON or CBOR)
//! counts as the wrong key too, and is never handed on as an object.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use serde::Deserialize;

/// The providers a stored value can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// AES-CBC with PKCS#7 padding.
    Aescbc,
    /// AES-GCM, the etcd key as authenticated data.
    Aesgcm,
    /// XSalsa20 and Poly1305 (NaCl secretbox).
    Secretbox,
    /// An external KMS plugin, envelope format v1.
    KmsV1,
    /// An external KMS plugin, envelope format v2.
    KmsV2,
}

impl Provider {
    /// The name the configuration file and the stored prefix use.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Aescbc => "aescbc",
            Provider::Aesgcm => "aesgcm",
            Provider::Secretbox => "secretbox",
            Provider::KmsV1 => "kms v1",
            Provider::KmsV2 => "kms v2",
        }
    }
}

/// Why an encrypted value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecryptable {
    /// No `--encryption-config` was given.
    NoConfig,
    /// The configuration has no key of that provider and name.
    NoKey,
    /// Every key of that name failed (authentication, padding, or the
    /// plaintext is not a Kubernetes encoding).
    WrongKey,
    /// A KMS plugin holds the key; nothing offline can ask it.
    Kms,
    /// The ciphertext is too short or misaligned for its provider.
    Damaged(String),
}

/// An encrypted value that stays encrypted, with what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptError {
    /// The provider of the prefix, or None for an unknown `k8s:enc:` one.
    pub provider: Option<Provider>,
    /// The prefix's provider text as stored (for unknown providers).
    pub provider_text: String,
    /// The key name the value was encrypted with (KMS: the plugin name).
    pub key: String,
    /// What went wrong.
    pub why: Undecryptable,
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p: &str = match self.provider {
            Some(p) => p.name(),
            None => &self.provider_text,
        };
        let k = &self.key;
        match &self.why {
            Undecryptable::NoConfig => write!(
                f,
                "encrypted at rest ({p}, key {k:?}); pass the apiserver's --encryption-config to read it"
            ),
            Undecryptable::NoKey => write!(
                f,
                "encrypted at rest ({p}, key {k:?}); the encryption config has no {p} key named {k:?}"
            ),
            Undecryptable::WrongKey => write!(
                f,
                "encrypted at rest ({p}, key {k:?}); the key of that name in the encryption config does not decrypt it (wrong key)"
            ),
            Undecryptable::Kms => write!(
                f,
                "encrypted at rest by the KMS plugin {k:?} ({p}); its key is held by the KMS and cannot be used offline"
            ),
            Undecryptable::Damaged(why) => {
                write!(f, "encrypted at rest ({p}, key {k:?}) but damaged: {why}")
            }
        }
    }
}

/// A key from the configuration.
#[derive(Clone)]
struct Key {
    provider: Provider,
    name: String,
    secret: Vec<u8>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret.
        f.debug_struct("Key")
            .field("provider", &self.provider)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The keys of an apiserver `EncryptionConfiguration`
/// (`apiserver.config.k8s.io/v1`), for every resource it names.
#[derive(Debug, Clone, Default)]
pub struct EncryptionConfig {
    keys: Vec<Key>,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("encryption config: {0}")]
pub struct ConfigError(String);

#[derive(Deserialize)]
struct FileDoc {
    kind: Option<String>,
    #[serde(default)]
    resources: Vec<ResourceDoc>,
}

#[derive(Deserialize)]
struct ResourceDoc {
    #[serde(default)]
    providers: Vec<ProviderDoc>,
}

#[derive(Deserialize)]
struct ProviderDoc {
    aescbc: Option<KeysDoc>,
    aesgcm: Option<KeysDoc>,
    secretbox: Option<KeysDoc>,
}

#[derive(Deserialize)]
struct KeysDoc {
    #[serde(default)]
    keys: Vec<KeyDoc>,
}

#[derive(Deserialize)]
struct KeyDoc {
    name: String,
    secret: String,
}

impl EncryptionConfig {
    /// Reads the configuration's text (YAML or JSON). Keys are checked as
    /// the apiserver checks them: base64, 16, 24 or 32 bytes for AES, 32
    /// for secretbox, a name without a colon.
    pub fn parse(text: &str) -> Result<EncryptionConfig, ConfigError> {
        let doc: FileDoc = serde_yaml_ng::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        match doc.kind.as_deref() {
            Some("EncryptionConfiguration" | "EncryptionConfig") => {}
            Some(k) => {
                return Err(ConfigError(format!(
                    "kind {k:?}: expected EncryptionConfiguration"
                )))
            }
            None => {
                return Err(ConfigError(
                    "no kind: expected EncryptionConfiguration".into(),
                ))
            }
        }
        let mut keys = Vec::new();
        for r in doc.resources {
            for p in r.providers {
                for (provider, ks) in [
                    (Provider::Aescbc, p.aescbc),
                    (Provider::Aesgcm, p.aesgcm),
                    (Provider::Secretbox, p.secretbox),
                ] {
                    for k in ks.map(|k| k.keys).unwrap_or_default() {
                        keys.push(Key::new(provider, k)?);
                    }
                }
            }
        }
        Ok(EncryptionConfig { keys })
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &std::path::Path) -> Result<EncryptionConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl Key {
    fn new(provider: Provider, k: KeyDoc) -> Result<Key, ConfigError> {
        if k.name.is_empty() || k.name.contains(':') {
            return Err(ConfigError(format!(
                "{} key name {:?}: must be non-empty and without ':'",
                provider.name(),
                k.name
            )));
        }
        let secret = base64::engine::general_purpose::STANDARD
            .decode(k.secret.trim())
            .map_err(|e| {
                ConfigError(format!(
                    "{} key {:?}: secret is not base64: {e}",
                    provider.name(),
                    k.name
                ))
            })?;
        let ok = match provider {
            Provider::Secretbox => secret.len() == 32,
            _ => matches!(secret.len(), 16 | 24 | 32),
        };
        if !ok {
            return Err(ConfigError(format!(
                "{} key {:?}: {} bytes (AES takes 16, 24 or 32, secretbox 32)",
                provider.name(),
                k.name,
                secret.len()
            )));
        }
        Ok(Key {
            provider,
            name: k.name,
            secret,
        })
    }
}

/// An encrypted value taken apart: its provider, key name (KMS: plugin
/// name) and the bytes after the prefix.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'v> {
    /// The provider.
    pub provider: Provider,
    /// The key's name.
    pub key: &'v str,
    /// The ciphertext with its nonce or IV.
    pub body: &'v [u8],
}

/// The `k8s:enc:` prefix of a stored value, or None when the value is
/// not encrypted.
pub fn envelope(value: &[u8]) -> Option<Result<Envelope<'_>, DecryptError>> {
    let rest = value.strip_prefix(b"k8s:enc:")?;
    let (ptext, rest) = split_colon(rest)?;
    let (version, rest) = split_colon(rest)?;
    let provider = match (ptext, version) {
        (b"aescbc", b"v1") => Some(Provider::Aescbc),
        (b"aesgcm", b"v1") => Some(Provider::Aesgcm),
        (b"secretbox", b"v1") => Some(Provider::Secretbox),
        (b"kms", b"v1") => Some(Provider::KmsV1),
        (b"kms", b"v2") => Some(Provider::KmsV2),
        _ => None,
    };
    let (name, body) = split_colon(rest).unwrap_or((b"", rest));
    let name = std::str::from_utf8(name).unwrap_or("");
    Some(match provider {
        Some(provider) => Ok(Envelope {
            provider,
            key: name,
            body,
        }),
        None => Err(DecryptError {
            provider: None,
            provider_text: format!(
                "{}:{}",
                String::from_utf8_lossy(ptext),
                String::from_utf8_lossy(version)
            ),
            key: name.to_string(),
            why: Undecryptable::Damaged("an unknown provider".into()),
        }),
    })
}

fn split_colon(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = b.iter().position(|&c| c == b':')?;
    Some((b.get(..i)?, b.get(i + 1..)?))
}

/// Whether `plain` looks like something the apiserver stores: the
/// protobuf envelope, a JSON object, or CBOR's self-described tag.
pub fn is_kubernetes_encoding(plain: &[u8]) -> bool {
    if plain.starts_with(b"k8s\0") || plain.starts_with(&[0xd9, 0xd9, 0xf7]) {
        return true;
    }
    let first = plain.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(plain).is_ok()
}

/// The stored value `value` of etcd key `key` as the apiserver would
/// read it: itself when it is not encrypted, else its plaintext, or why
/// it cannot be had.
pub fn decrypt<'v>(
    config: Option<&EncryptionConfig>,
    key: &[u8],
    value: &'v [u8],
) -> Result<std::borrow::Cow<'v, [u8]>, DecryptError> {
    let Some(env) = envelope(value) else {
        return Ok(std::borrow::Cow::Borrowed(value));
    };
    let Envelope {
        provider,
        key: name,
        body,
    } = env?;
    let fail = |why| DecryptError {
        provider: Some(provider),
        provider_text: provider.name().to_string(),
        key: name.to_string(),
        why,
    };
    if matches!(provider, Provider::KmsV1 | Provider::KmsV2) {
        return Err(fail(Undecryptable::Kms));
    }
    let Some(config) = config else {
        return Err(fail(Undecryptable::NoConfig));
    };
    let mut candidates = config
        .keys
        .iter()
        .filter(|k| k.provider == provider && k.name == name)
        .peekable();
    if candidates.peek().is_none() {
        return Err(fail(Undecryptable::NoKey));
    }
    let mut damaged = None;
    for k in candidates {
        match open(provider, &k.secret, key, body) {
            Ok(plain) if is_kubernetes_encoding(&plain) => {
                return Ok(std::borrow::Cow::Owned(plain))
            }
            Ok(_) | Err(Opened::Wrong) => {}
            Err(Opened::Short(why)) => damaged = Some(why),
        }
    }
    Err(fail(
        damaged.map_or(Undecryptable::WrongKey, Undecryptable::Damaged),
    ))
}

enum Opened {
    /// The bytes cannot be ciphertext of this provider.
    Short(String),
    /// Authentication or padding failed.
    Wrong,
}

fn open(provider: Provider, secret: &[u8], aad: &[u8], body: &[u8]) -> Result<Vec<u8>, Opened> {
    match provider {
        Provider::Aescbc => open_cbc(secret, body),
        Provider::Aesgcm => {
            let (nonce, ct) = body
                .split_at_checked(12)
                .ok_or_else(|| Opened::Short("shorter than an AES-GCM nonce".into()))?;
            let payload = Payload { msg: ct, aad };
            let nonce = aes_gcm::Nonce::from_slice(nonce);
            match secret.len() {
                16 => aes_gcm::Aes128Gcm::new_from_slice(secret)
                    .map_err(|_| Opened::Wrong)?
                    .decrypt(nonce, payload),
                24 => aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(
                    secret,
                )
                .map_err(|_| Opened::Wrong)?
                .decrypt(nonce, payload),
                _ => aes_gcm::Aes256Gcm::new_from_slice(secret)
                    .map_err(|_| Opened::Wrong)?
                    .decrypt(nonce, payload),
            }
            .map_err(|_| Opened::Wrong)
        }
        Provider::Secretbox => {
            let (nonce, ct) = body
                .split_at_checked(24)
                .ok_or_else(|| Opened::Short("shorter than a secretbox nonce".into()))?;
            crypto_secretbox::XSalsa20Poly1305::new_from_slice(secret)
                .map_err(|_| Opened::Wrong)?
                .decrypt(crypto_secretbox::Nonce::from_slice(nonce), ct)
                .map_err(|_| Opened::Wrong)
        }
        Provider::KmsV1 | Provider::KmsV2 => Err(Opened::Wrong),
    }
}

/// AES-CBC as the apiserver reads it: the padding is checked as its code
/// checks it (any length up to the whole text, every byte equal).
fn open_cbc(secret: &[u8], body: &[u8]) -> Result<Vec<u8>, Opened> {
    use cbc::cipher::{BlockDecryptMut, KeyIvInit};
    let (iv, ct) = body
        .split_at_checked(16)
        .ok_or_else(|| Opened::Short("shorter than an AES-CBC IV".into()))?;
    if ct.len() % 16 != 0 {
        return Err(Opened::Short(format!(
            "{} bytes of AES-CBC ciphertext, not a multiple of the block size",
            ct.len()
        )));
    }
    let mut buf = ct.to_vec();
    let done = match secret.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(secret, iv).map(|d| {
            d.decrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut buf)
                .map(|_| ())
        }),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(secret, iv).map(|d| {
            d.decrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut buf)
                .map(|_| ())
        }),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(secret, iv).map(|d| {
            d.decrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut buf)
                .map(|_| ())
        }),
    };
    if !matches!(done, Ok(Ok(()))) {
        return Err(Opened::Wrong);
    }
    let pad = usize::from(*buf.last().ok_or(Opened::Wrong)?);
    if pad == 0 || pad > buf.len() {
        return Err(Opened::Wrong);
    }
    let size = buf.len() - pad;
    if buf
        .get(size..)
        .is_none_or(|t| t.iter().any(|&b| usize::from(b) != pad))
    {
        return Err(Opened::Wrong);
    }
    buf.truncate(size);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
            - name: g1
              secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
      - aescbc:
          keys:
            - name: c1
              secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
      - secretbox:
          keys:
            - name: s1
              secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
      - identity: {}
"#;

    #[test]
    fn parses_every_local_provider() {
        let c = EncryptionConfig::parse(CONFIG).unwrap();
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn refuses_bad_keys() {
        let bad = CONFIG.replace("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAEC");
        let e = EncryptionConfig::parse(&bad).unwrap_err().to_string();
        assert!(e.contains("3 bytes"), "{e}");
        assert!(EncryptionConfig::parse("kind: Pod").is_err());
    }

    #[test]
    fn names_what_it_cannot_open() {
        let c = EncryptionConfig::parse(CONFIG).unwrap();
        let e = decrypt(
            Some(&c),
            b"/registry/secrets/a/b",
            b"k8s:enc:kms:v2:vault:xyz",
        )
        .unwrap_err();
        assert_eq!(e.why, Undecryptable::Kms);
        assert_eq!(e.key, "vault");
        let e = decrypt(Some(&c), b"k", b"k8s:enc:aesgcm:v1:other:0123456789abcdef").unwrap_err();
        assert_eq!(e.why, Undecryptable::NoKey);
        let e = decrypt(None, b"k", b"k8s:enc:aesgcm:v1:g1:0123456789abcdef").unwrap_err();
        assert_eq!(e.why, Undecryptable::NoConfig);
        let e = decrypt(Some(&c), b"k", b"k8s:enc:aesgcm:v1:g1:0123456789abcdef0123").unwrap_err();
        assert_eq!(e.why, Undecryptable::WrongKey);
        let e = decrypt(Some(&c), b"k", b"k8s:enc:aescbc:v1:c1:short").unwrap_err();
        assert!(matches!(e.why, Undecryptable::Damaged(_)), "{e}");
        assert_eq!(decrypt(Some(&c), b"k", b"{}").unwrap().as_ref(), b"{}");
    }
}
