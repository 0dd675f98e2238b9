//! JSON read as Go's `encoding/json` (in the `sigs.k8s.io/json` fork the
//! apimachinery serializers use) reads it: the whole text checked first
//! (RFC 8259 grammar, nothing but whitespace after the value, at most
//! [`MAX_NEST`] levels, fewer than Go's 10000), strings unquoted with each
//! invalid UTF-8 byte and each lone surrogate escape as U+FFFD
//! (`unquoteBytes` in sigs.k8s.io/json/internal/golang/encoding/json/decode.go),
//! numbers kept as their literal text for the target type to parse.
//!
//! Every value keeps the bytes it was read from: `runtime.RawExtension`,
//! `metav1.FieldsV1` and apiextensions `JSON` hold them as given.

use std::borrow::Cow;

/// Nesting accepted: Go's scanner takes 10000 levels (`maxNestingDepth` in
/// scanner.go); this decoder recurses, so it stops at 1000 and refuses
/// deeper values (no Kubernetes object comes near either).
pub(crate) const MAX_NEST: usize = 1_000;

/// A JSON value and the bytes it was read from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node<'a> {
    /// The value's bytes, whitespace around it excluded.
    pub raw: &'a [u8],
    /// The value.
    pub v: J<'a>,
}

/// A JSON value, objects with their keys in order, duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J<'a> {
    Null,
    Bool(bool),
    /// The number's literal text.
    Num(&'a str),
    /// The unquoted string (valid UTF-8: Go's unquoting replaces what is not).
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    Obj(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// Parses one JSON document as Go does; `Err` with a reason when Go's
/// syntax check refuses it.
pub(crate) fn parse(b: &[u8]) -> Result<Node<'_>, String> {
    let mut p = Parser { b, pos: 0 };
    p.ws();
    let n = p.value(0)?;
    p.ws();
    if p.pos != b.len() {
        return Err(format!(
            "invalid character after top-level value at {}",
            p.pos
        ));
    }
    Ok(n)
}

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at offset {}", self.pos))
    }

    fn slice(&self, from: usize) -> &'a [u8] {
        self.b.get(from..self.pos).unwrap_or_default()
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, String> {
        let start = self.pos;
        let v = match self.peek() {
            None => return self.err("unexpected end of JSON input"),
            Some(b'{') => self.object(depth + 1)?,
            Some(b'[') => self.array(depth + 1)?,
            Some(b'"') => J::Str(self.string()?),
            Some(b't') => self.word(b"true", J::Bool(true))?,
            Some(b'f') => self.word(b"false", J::Bool(false))?,
            Some(b'n') => self.word(b"null", J::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return self.err("invalid character looking for beginning of value"),
        };
        Ok(Node {
            raw: self.slice(start),
            v,
        })
    }

    fn word(&mut self, w: &[u8], v: J<'a>) -> Result<J<'a>, String> {
        let end = self.pos + w.len();
        if self.b.get(self.pos..end) != Some(w) {
            return self.err("invalid literal");
        }
        self.pos = end;
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<J<'a>, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err("invalid character in numeric literal"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.err("invalid character after decimal point in numeric literal");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err("invalid character in exponent of numeric literal");
            }
        }
        // The bytes are ASCII digits and signs.
        Ok(J::Num(
            std::str::from_utf8(self.slice(start)).unwrap_or_default(),
        ))
    }

    fn object(&mut self, depth: usize) -> Result<J<'a>, String> {
        if depth > MAX_NEST {
            return self.err("exceeded max depth");
        }
        self.pos += 1;
        let mut fields = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(J::Obj(fields));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("invalid character looking for beginning of object key string");
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("invalid character after object key");
            }
            self.pos += 1;
            self.ws();
            let v = self.value(depth)?;
            fields.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(J::Obj(fields));
                }
                _ => return self.err("invalid character after object key:value pair"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<J<'a>, String> {
        if depth > MAX_NEST {
            return self.err("exceeded max depth");
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(J::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(J::Arr(items));
                }
                _ => return self.err("invalid character after array element"),
            }
        }
    }

    /// A string, checked as Go's scanner does and unquoted as Go's
    /// `unquoteBytes` does.
    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        let start = self.pos;
        let mut simple = true;
        loop {
            match self.peek() {
                None => return self.err("unexpected end of JSON input in string"),
                Some(b'"') => break,
                Some(b'\\') => {
                    simple = false;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1;
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            for _ in 0..4 {
                                if !matches!(self.peek(), Some(c) if c.is_ascii_hexdigit()) {
                                    return self.err(
                                        "invalid character in \\u hexadecimal character escape",
                                    );
                                }
                                self.pos += 1;
                            }
                        }
                        _ => return self.err("invalid character in string escape code"),
                    }
                }
                Some(c) if c < 0x20 => return self.err("invalid character in string literal"),
                Some(c) => {
                    if c >= 0x80 {
                        simple = false;
                    }
                    self.pos += 1;
                }
            }
        }
        let body = self.slice(start);
        self.pos += 1;
        if simple {
            // ASCII without escapes.
            return Ok(Cow::Borrowed(std::str::from_utf8(body).unwrap_or_default()));
        }
        Ok(Cow::Owned(unquote(body)))
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(b.get(..4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Go's `unquoteBytes` over a string body already checked by the scanner.
fn unquote(body: &[u8]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        if c == b'\\' {
            let esc = body.get(i + 1).copied().unwrap_or(0);
            i += 2;
            let ch = match esc {
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let r = body.get(i..).and_then(hex4).unwrap_or(0xfffd);
                    i += 4;
                    if (0xd800..0xe000).contains(&r) {
                        // A surrogate: paired with a following \uXXXX low
                        // surrogate, else U+FFFD (the next escape read on
                        // its own).
                        let lo = match body.get(i..i + 2) {
                            Some(b"\\u") => body.get(i + 2..).and_then(hex4),
                            _ => None,
                        };
                        match lo {
                            Some(lo)
                                if (0xd800..0xdc00).contains(&r)
                                    && (0xdc00..0xe000).contains(&lo) =>
                            {
                                i += 6;
                                char::from_u32(0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00))
                                    .unwrap_or('\u{fffd}')
                            }
                            _ => '\u{fffd}',
                        }
                    } else {
                        char::from_u32(r).unwrap_or('\u{fffd}')
                    }
                }
                other => char::from(other),
            };
            out.push(ch);
            continue;
        }
        // Up to the next escape (a backslash is never inside a multi-byte
        // rune): valid runs copied, each byte that does not start a valid
        // rune replaced by U+FFFD on its own, as Go decodes rune by rune.
        let rest = body.get(i..).unwrap_or_default();
        let run = memchr::memchr(b'\\', rest).unwrap_or(rest.len());
        for chunk in rest.get(..run).unwrap_or_default().utf8_chunks() {
            out.push_str(chunk.valid());
            for _ in chunk.invalid() {
                out.push('\u{fffd}');
            }
        }
        i += run;
    }
    out
}

/// `schema.ParseGroupVersion`: `""` and `"/"` are empty, one slash splits,
/// more are an error.
pub(crate) fn parse_group_version(gv: &str) -> Result<(&str, &str), String> {
    if gv.is_empty() || gv == "/" {
        return Ok(("", ""));
    }
    match gv.matches('/').count() {
        0 => Ok(("", gv)),
        1 => Ok(gv.split_once('/').unwrap_or(("", gv))),
        _ => Err(format!("unexpected GroupVersion string: {gv}")),
    }
}

/// Go's case-insensitive key folding (`foldName` in encoding/json's
/// fold.go) for the two ASCII names the meta factory reads: ASCII letters
/// upper-cased, and the two non-ASCII runes whose fold set holds an ASCII
/// letter (KELVIN SIGN for `k`, LONG S for `s`) mapped to it.
fn fold(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '\u{212a}' => 'K',
            '\u{17f}' => 'S',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// apimachinery's `SimpleMetaFactory.Interpret`
/// (runtime/serializer/json/meta.go): the top-level `apiVersion` and
/// `kind` read with the standard library's `json.Unmarshal` into a struct
/// (keys matched case-insensitively, the last match winning, `null`
/// leaving the value as it was, any other non-string an error), then the
/// apiVersion split by `schema.ParseGroupVersion`. Returns (apiVersion,
/// kind).
pub(crate) fn interpret(top: &Node<'_>) -> Result<(String, String), String> {
    let mut api_version = String::new();
    let mut kind = String::new();
    let J::Obj(fields) = &top.v else {
        return Err("couldn't get version/kind: not a JSON object".into());
    };
    for (k, v) in fields {
        let (name, slot) = if k == "apiVersion" || (k != "kind" && fold(k) == "APIVERSION") {
            ("apiVersion", &mut api_version)
        } else if k == "kind" || fold(k) == "KIND" {
            ("kind", &mut kind)
        } else {
            continue;
        };
        match &v.v {
            J::Null => {}
            J::Str(s) => *slot = s.to_string(),
            _ => {
                return Err(format!(
                    "couldn't get version/kind; json parse error: {name} is not a string"
                ))
            }
        }
    }
    parse_group_version(&api_version)?;
    Ok((api_version, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> String {
        match parse(b).map(|n| n.v) {
            Ok(J::Str(s)) => s.into_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strings_unquote_as_go() {
        assert_eq!(s(br#""a\u00e9\ud83d\ude00""#), "aé😀");
        assert_eq!(s(br#""\ud83d""#), "\u{fffd}");
        assert_eq!(s(br#""\ud83dx""#), "\u{fffd}x");
        assert_eq!(s(br#""\ude00\ud83d\u0041""#), "\u{fffd}\u{fffd}A");
        assert_eq!(
            s(b"\"\xff\xf0\x9f\x98A\\n\""),
            "\u{fffd}\u{fffd}\u{fffd}\u{fffd}A\n"
        );
        assert_eq!(s("\"é\\t\"".as_bytes()), "é\t");
    }

    #[test]
    fn grammar_as_go() {
        for bad in [
            &b"01"[..],
            b"1.",
            b"-",
            b"1e",
            b"[1,]",
            b"{\"a\":1,}",
            b"\"\x01\"",
            b"\"\\x\"",
            b"tru",
            b"{} {}",
            b"",
            b"NaN",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        for good in [
            &b" -0.5e+3 "[..],
            b"[]",
            b"{\"a\":[1,{\"b\":null}]}",
            b"\"\\/\"",
        ] {
            assert!(parse(good).is_ok(), "{:?}", String::from_utf8_lossy(good));
        }
        let deep = format!("{}{}", "[".repeat(MAX_NEST), "]".repeat(MAX_NEST));
        assert!(parse(deep.as_bytes()).is_ok());
        let deeper = format!("{}{}", "[".repeat(MAX_NEST + 1), "]".repeat(MAX_NEST + 1));
        assert!(parse(deeper.as_bytes()).is_err());
    }

    #[test]
    fn interpret_as_go() {
        let i = |b: &[u8]| parse(b).and_then(|n| interpret(&n));
        assert_eq!(
            i(br#"{"Kind":"A","apiversion":"v1","kind":"B"}"#),
            Ok(("v1".into(), "B".into()))
        );
        assert_eq!(
            i("{\"\u{212a}ind\":\"A\",\"kind\":null}".as_bytes()),
            Ok((String::new(), "A".into()))
        );
        assert!(i(br#"{"kind":1}"#).is_err());
        assert!(i(br#"{"apiVersion":"a/b/c","kind":"X"}"#).is_err());
    }
}
