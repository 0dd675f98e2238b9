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

/// True when the bytes are valid UTF-8 and every character is printable
/// the way Go's `unicode.IsPrint` sees it (letters, marks, numbers,
/// punctuation, symbols and the ASCII space; no controls, other spaces,
/// format characters or private-use characters). This is the test the
/// bbolt command uses to choose between text and hex.
pub fn printable(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(s) => s.chars().all(go_is_print),
        Err(_) => false,
    }
}

fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
        | 0xE0001 | 0xE0020..=0xE007F)
}

/// A key as the bbolt command's `page` view shows it: Go `%q` of the text
/// when printable, lower-case hex otherwise.
pub fn go_quote_or_hex(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) if printable(b) => {
            let mut q = String::with_capacity(s.len() + 2);
            q.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    q.push('\\');
                }
                q.push(c);
            }
            q.push('"');
            q
        }
        _ => hex(b),
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
    hex::encode(b)
}

/// Bytes as JSON: `{"text": ...}` when valid UTF-8, `{"bytes": base64}` otherwise.
pub fn json_bytes(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => json!({ "text": s }),
        Err(_) => json!({ "bytes": base64::engine::general_purpose::STANDARD.encode(b) }),
    }
}

/// Writes `value` as pretty JSON and a newline.
pub fn write_json(
    out: &mut dyn std::io::Write,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Exit status for an error: 2 when the command could not run (the file
/// could not be read or is locked by a running etcd, a flag is wrong, the
/// target is not free), 1 when it ran and found the input damaged or the
/// requested bucket or key missing.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    let io = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some()
            || c.downcast_ref::<crate::paths::Usage>().is_some()
            || matches!(
                c.downcast_ref::<etcdsnap_bbolt::Error>(),
                Some(etcdsnap_bbolt::Error::Io { .. })
            )
            || matches!(
                c.downcast_ref::<etcdsnap_restore::Error>(),
                Some(
                    etcdsnap_restore::Error::Io { .. }
                        | etcdsnap_restore::Error::Config(_)
                        | etcdsnap_restore::Error::Url { .. }
                        | etcdsnap_restore::Error::Target(_)
                )
            )
    });
    if io {
        2
    } else {
        1
    }
}

/// Standard output that remembers when its reader went away (a closed
/// pipe), however the error is wrapped by the time it reaches `main`.
pub struct Stdout<W: std::io::Write> {
    inner: W,
    closed: bool,
}

impl<W: std::io::Write> Stdout<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Stdout {
            inner,
            closed: false,
        }
    }

    /// True once a write or flush found the pipe closed.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                self.closed = true;
            }
        }
        r
    }
}

impl<W: std::io::Write> std::io::Write for Stdout<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
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
        assert_eq!(show(b"a\tb", BytesFormat::Auto), b"610962");
        assert_eq!(
            show("ключ 日本".as_bytes(), BytesFormat::Auto),
            "ключ 日本".as_bytes()
        );
        assert_eq!(show("a\u{200b}".as_bytes(), BytesFormat::Auto), b"61e2808b");
        assert_eq!(show(b"hi", BytesFormat::Base64), b"aGk=");
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote_or_hex(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote_or_hex(b""), r#""""#);
        assert_eq!(go_quote_or_hex(&[0, 1]), "0001");
    }

    #[test]
    fn json_bytes_falls_back_to_base64() {
        assert_eq!(json_bytes(b"k"), json!({"text": "k"}));
        assert_eq!(json_bytes(&[0xff]), json!({"bytes": "/w=="}));
    }
}
