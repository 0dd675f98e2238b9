//! Rendering helpers: byte strings as text, hex or base64, JSON values.

use base64::Engine;
use clap::ValueEnum;
use serde_json::{json, Value};

/// How keys and values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum BytesFormat {
    /// Text when the bytes are printable UTF-8, hex otherwise.
    #[default]
    Auto,
    /// Always hex.
    Hex,
    /// Always base64.
    Base64,
    /// The raw bytes, unchanged.
    Bytes,
}

/// Output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON.
    Json,
}

/// True when the bytes read well as text.
pub fn printable(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(s) => !s.chars().any(|c| c.is_control() && c != '\t'),
        Err(_) => false,
    }
}

/// Shows bytes in text output.
pub fn show(b: &[u8], f: BytesFormat) -> Vec<u8> {
    match f {
        BytesFormat::Auto if printable(b) => b.to_vec(),
        BytesFormat::Auto | BytesFormat::Hex => hex(b).into_bytes(),
        BytesFormat::Base64 => base64::engine::general_purpose::STANDARD
            .encode(b)
            .into_bytes(),
        BytesFormat::Bytes => b.to_vec(),
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Bytes as JSON: `{"text": ...}` when valid UTF-8, `{"bytes": base64}` otherwise.
pub fn json_bytes(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => json!({ "text": s }),
        Err(_) => json!({ "bytes": base64::engine::general_purpose::STANDARD.encode(b) }),
    }
}

/// True when the error chain ends in a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_shows_text_or_hex() {
        assert_eq!(show(b"abc", BytesFormat::Auto), b"abc");
        assert_eq!(show(&[0xff, 0x01], BytesFormat::Auto), b"ff01");
        assert_eq!(show(b"a\nb", BytesFormat::Auto), b"610a62");
        assert_eq!(show(b"hi", BytesFormat::Base64), b"aGk=");
    }

    #[test]
    fn json_bytes_falls_back_to_base64() {
        assert_eq!(json_bytes(b"k"), json!({"text": "k"}));
        assert_eq!(json_bytes(&[0xff]), json!({"bytes": "/w=="}));
    }
}
