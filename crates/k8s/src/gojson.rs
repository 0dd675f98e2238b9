//! Go's encoding/json output, byte for byte, for the pieces the decoder
//! writes: strings (HTML-safe escapes, each invalid UTF-8 byte as U+FFFD), float64
//! (shortest, exponent outside [1e-6, 1e21)), embedded JSON from a
//! `MarshalJSON` (validated and compacted), and the time and duration
//! strings of `metav1.Time`, `metav1.MicroTime` and `time.Duration`.

/// Appends `s` as a JSON string the way encoding/json does with HTML
/// escaping on (its default, and the API server's).
pub fn write_str(out: &mut String, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push('"');
    if let Ok(text) = std::str::from_utf8(s) {
        write_valid(out, text);
    } else {
        for chunk in s.utf8_chunks() {
            write_valid(out, chunk.valid());
            // Go replaces each byte of an invalid sequence on its own, with
            // U+FFFD written as it is (not escaped).
            for _ in chunk.invalid() {
                out.push('\u{fffd}');
            }
        }
    }
    out.push('"');
}

/// [`write_str`] for text already known to be UTF-8 (field names, numbers
/// written as strings): the same escapes, without checking it again.
pub fn write_text(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    write_valid(out, s);
    out.push('"');
}

/// Bytes that may need an escape: controls, `"`, `\\`, `<`, `>`, `&`,
/// and the first byte of U+2028 and U+2029.
const SPECIAL: [bool; 256] = special();

#[allow(clippy::indexing_slicing)] // constant, in-bounds indices
const fn special() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xe2] = true;
    t
}

/// The escaping of `write_str` over valid text: runs of characters that
/// need none are copied whole.
fn write_valid(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if !SPECIAL.get(usize::from(b)).copied().unwrap_or(false) {
            i += 1;
            continue;
        }
        let (escape, len): (&str, usize) = match b {
            b'"' => ("\\\"", 1),
            b'\\' => ("\\\\", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            b'\t' => ("\\t", 1),
            0x08 => ("\\b", 1),
            0x0c => ("\\f", 1),
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            0x00..=0x1f => ("", 1),
            // U+2028 and U+2029.
            0xe2 if matches!(bytes.get(i + 1..i + 3), Some([0x80, 0xa8 | 0xa9])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        if escape.is_empty() {
            let c = s
                .get(i..i + len)
                .and_then(|c| c.chars().next())
                .unwrap_or_default();
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push_str(escape);
        }
        i += len;
        run = i;
    }
    out.push_str(s.get(run..).unwrap_or_default());
}

/// Appends a float64 as encoding/json does; `None` for NaN and infinities,
/// which Go refuses.
pub fn write_f64(out: &mut String, f: f64) -> Option<()> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0" } else { "0" });
        return Some(());
    }
    let (digits, exp) = shortest_digits(f.abs());
    if f < 0.0 {
        out.push('-');
    }
    let abs = f.abs();
    let n = digits.len() as i32;
    if !(1e-6..1e21).contains(&abs) {
        // 'e' form: Go writes the exponent with a sign ("1e+21") and at
        // least one digit ("1e-7").
        out.push_str(digits.get(..1).unwrap_or("0"));
        if n > 1 {
            out.push('.');
            out.push_str(digits.get(1..).unwrap_or_default());
        }
        out.push_str(&format!(
            "e{}{}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    } else if exp < 0 {
        // 0.000ddd
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if exp + 1 >= n {
        // dddd000
        out.push_str(&digits);
        for _ in 0..(exp + 1 - n) {
            out.push('0');
        }
    } else {
        let (int, frac) = digits.split_at(usize::try_from(exp + 1).unwrap_or(0));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    Some(())
}

/// The shortest decimal digits that read back as `f` (positive, finite)
/// and the decimal exponent of the first, as Go's `strconv` chooses them:
/// Rust's shortest digits, except that where the exact value lies halfway
/// between two shortest candidates Go takes the one with an even last
/// digit (its Ryū rounds half to even) and Rust may take the other.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{f:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    // Two candidates half a last digit from the exact value can both read
    // back only at 16 or 17 digits (a double holds 53 bits).
    if n < 16 {
        return (digits, exp);
    }
    // The exact value's digits (an f64's expansion has at most 767).
    let exact = format!("{f:.800e}");
    let (emant, eexp) = exact.split_once('e').unwrap_or((&exact, "0"));
    if eexp.parse::<i32>().ok() != Some(exp) {
        return (digits, exp);
    }
    let edigits: Vec<u8> = emant.bytes().filter(u8::is_ascii_digit).collect();
    let (head, tail) = edigits.split_at(n.min(edigits.len()));
    let tie = tail.first() == Some(&b'5') && tail.iter().skip(1).all(|&c| c == b'0');
    if !tie {
        return (digits, exp);
    }
    // Candidates: the exact digits cut at n (`head`), and one unit more.
    let last_even = head.last().is_some_and(|d| (d - b'0').is_multiple_of(2));
    if last_even {
        let h = String::from_utf8_lossy(head).into_owned();
        let trimmed = h.trim_end_matches('0');
        return (
            if trimmed.is_empty() {
                h
            } else {
                trimmed.to_string()
            },
            exp,
        );
    }
    let mut up = head.to_vec();
    for d in up.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            break;
        }
    }
    if up.first() == Some(&b'0') {
        // Carried past the first digit: not a same-length candidate.
        return (digits, exp);
    }
    let u = String::from_utf8_lossy(&up).into_owned();
    let trimmed = u.trim_end_matches('0');
    (
        if trimmed.is_empty() {
            u
        } else {
            trimmed.to_string()
        },
        exp,
    )
}

/// Validates `raw` as one JSON value and appends it compacted, as
/// encoding/json does with the output of a `MarshalJSON` (HTML-sensitive
/// characters escaped). `None` when it is not valid JSON.
pub fn write_compact(out: &mut String, raw: &[u8]) -> Option<()> {
    let mut c = Compact {
        src: raw,
        pos: 0,
        out: Vec::with_capacity(raw.len()),
        depth: 0,
    };
    c.ws();
    c.value()?;
    c.ws();
    if c.pos != raw.len() {
        return None;
    }
    // Bytes from a valid-JSON scan may still hold invalid UTF-8 inside
    // strings (Go passes them through): keep them, lossily for a String.
    out.push_str(&String::from_utf8_lossy(&c.out));
    Some(())
}

struct Compact<'a> {
    src: &'a [u8],
    pos: usize,
    out: Vec<u8>,
    depth: usize,
}

const MAX_DEPTH: usize = 10_000;

impl Compact<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }
    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }
    fn lit(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        if self.src.get(self.pos..end)? != word {
            return None;
        }
        self.out.extend_from_slice(word);
        self.pos = end;
        Some(())
    }
    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'{' => self.nested(b'}', true),
            b'[' => self.nested(b']', false),
            b'"' => self.string(),
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            b'n' => self.lit(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }
    fn nested(&mut self, close: u8, object: bool) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let open = self.bump()?;
        self.out.push(open);
        self.ws();
        if self.peek()? == close {
            self.pos += 1;
            self.out.push(close);
            self.depth -= 1;
            return Some(());
        }
        loop {
            self.ws();
            if object {
                if self.peek()? != b'"' {
                    return None;
                }
                self.string()?;
                self.ws();
                if self.bump()? != b':' {
                    return None;
                }
                self.out.push(b':');
                self.ws();
            }
            self.value()?;
            self.ws();
            match self.bump()? {
                b',' => self.out.push(b','),
                b if b == close => {
                    self.out.push(close);
                    self.depth -= 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
    fn string(&mut self) -> Option<()> {
        self.bump()?;
        self.out.push(b'"');
        loop {
            let b = self.bump()?;
            match b {
                b'"' => {
                    self.out.push(b);
                    return Some(());
                }
                b'\\' => {
                    let e = self.bump()?;
                    self.out.push(b'\\');
                    self.out.push(e);
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            for _ in 0..4 {
                                let h = self.bump()?;
                                if !h.is_ascii_hexdigit() {
                                    return None;
                                }
                                self.out.push(h);
                            }
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                b'<' => self.out.extend_from_slice(b"\\u003c"),
                b'>' => self.out.extend_from_slice(b"\\u003e"),
                b'&' => self.out.extend_from_slice(b"\\u0026"),
                0xe2 if self.src.get(self.pos) == Some(&0x80)
                    && matches!(self.src.get(self.pos + 1), Some(0xa8 | 0xa9)) =>
                {
                    let last = self.src.get(self.pos + 1).copied().unwrap_or(0xa8);
                    self.pos += 2;
                    self.out
                        .extend_from_slice(if last == 0xa8 { b"\\u2028" } else { b"\\u2029" });
                }
                _ => self.out.push(b),
            }
        }
    }
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            self.out.push(b);
            self.pos += 1;
        }
        self.pos - start
    }
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.out.push(b'-');
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => {
                self.out.push(b'0');
                self.pos += 1;
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.out.push(b'.');
            self.pos += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(e @ (b'e' | b'E')) = self.peek() {
            self.out.push(e);
            self.pos += 1;
            if let Some(s @ (b'+' | b'-')) = self.peek() {
                self.out.push(s);
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }
}

/// Civil date of a day count from 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Seconds of Go's zero `time.Time` (0001-01-01T00:00:00Z) from the epoch.
pub const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// `2006-01-02T15:04:05` of a Unix second count, UTC, with Go's year
/// rendering (four digits at least, a minus sign before negative years).
/// `None` past what Go's time arithmetic holds without wrapping.
pub fn rfc3339_seconds(secs: i64) -> Option<String> {
    // Go keeps seconds since year 1 in an int64; stay well inside it.
    if !(-(1i64 << 59)..(1i64 << 59)).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let year = if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    };
    Some(format!(
        "{year}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// Go's `time.Duration.String()`.
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut s = String::new();
    if u < 1_000_000_000 {
        // Below a second: ns, µs or ms with a fraction.
        let (unit, div) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        s.push_str(&frac(u, div));
        s.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let ns = u % 1_000_000_000;
        let h = secs_total / 3600;
        let m = secs_total / 60 % 60;
        let sec = secs_total % 60;
        if h > 0 {
            s.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            s.push_str(&format!("{m}m"));
        }
        s.push_str(&frac(sec * 1_000_000_000 + ns, 1_000_000_000));
        s.push('s');
    }
    if neg {
        s.insert(0, '-');
    }
    s
}

/// `v / div` with the fraction's trailing zeros dropped (Go's fmtFrac).
fn frac(v: u64, div: u64) -> String {
    let whole = v / div;
    let f = v % div;
    if f == 0 || div == 1 {
        return whole.to_string();
    }
    let width = div.ilog10() as usize;
    let digits = format!("{f:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Compact JSON text laid out as Go's `json.MarshalIndent(v, "", indent)`
/// lays it out (kubectl's `-o json`), starting at nesting `depth` (the
/// first line is not indented): one member or element per line, `": "`
/// after keys, empty objects and arrays kept as `{}` and `[]`. Key order
/// and every string are kept as they are.
pub fn indent(compact: &str, indent: &str, depth: usize, out: &mut String) {
    let bytes = compact.as_bytes();
    out.reserve(compact.len() + compact.len() / 2);
    let mut depth = depth;
    // A newline and indents, cut to the depth needed.
    let mut pad = String::from("\n");
    let mut newline = |out: &mut String, depth: usize| {
        let len = 1 + depth * indent.len();
        while pad.len() < len {
            pad.push_str(indent);
        }
        out.push_str(pad.get(..len).unwrap_or_default());
    };
    // Bytes from `run` up to `i` are copied as they are, in one piece;
    // every position cut at is an ASCII byte, so a character boundary.
    let mut run = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                // To the closing quote: only `\` and `"` matter inside.
                i += 1;
                loop {
                    let Some(at) = bytes.get(i..).and_then(|r| memchr::memchr2(b'"', b'\\', r))
                    else {
                        // Unterminated: the rest is copied as it is.
                        i = bytes.len();
                        break;
                    };
                    let quote = bytes.get(i + at) == Some(&b'"');
                    i += at + if quote { 1 } else { 2 };
                    if quote {
                        break;
                    }
                }
                continue;
            }
            b'{' | b'[' | b'}' | b']' | b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {}
            _ => {
                i += 1;
                continue;
            }
        }
        out.push_str(compact.get(run..i).unwrap_or_default());
        let c = char::from(b);
        match b {
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                if bytes.get(i + 1) == Some(&close) {
                    out.push(c);
                    out.push(char::from(close));
                    i += 1;
                } else {
                    out.push(c);
                    depth += 1;
                    newline(out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(out, depth);
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(out, depth);
            }
            b':' => out.push_str(": "),
            _ => {}
        }
        i += 1;
        run = i;
    }
    out.push_str(compact.get(run..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> String {
        let mut s = String::new();
        write_f64(&mut s, x).map(|()| s).unwrap_or_default()
    }

    #[test]
    fn floats_as_go_writes_them() {
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(1e21), "1e+21");
        // Exact ties between two shortest candidates: Go rounds half to even.
        assert_eq!(f(-(1.0 + 2f64.powi(-17))), "-1.0000076293945312");
        assert_eq!(f(1.0 + 3.0 * 2f64.powi(-17)), "1.0000228881835938");
        assert_eq!(f(1.000_000_000_000_000_2), "1.0000000000000002");
        assert_eq!(f(123_456_789.125), "123456789.125");
        assert_eq!(f(9_007_199_254_740_993.0), "9007199254740992");
        assert_eq!(f(5e-324), "5e-324");
        assert_eq!(f(1e23), "1e+23");
        assert_eq!(f(0.000_001), "0.000001");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(123e18), "123000000000000000000");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(1e20), "100000000000000000000");
        assert_eq!(f(1.5e-7), "1.5e-7");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(123456789e-30), "1.23456789e-22");
    }

    #[test]
    fn text_is_escaped_as_bytes_are() {
        for t in ["apiVersion", "a<b>&\"\\\n\u{1}\u{2028}日本", "", "500m"] {
            let (mut a, mut b) = (String::new(), String::new());
            write_str(&mut a, t.as_bytes());
            write_text(&mut b, t);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn strings_as_go_writes_them() {
        let mut s = String::new();
        write_str(&mut s, b"a<b>&\"\\\n\x01\xff\xe2\x80\xa8");
        assert_eq!(
            s,
            "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001\u{fffd}\\u2028\""
        );
        // A truncated four-byte sequence is three replacements in Go.
        let mut s = String::new();
        write_str(&mut s, b"\xf0\x9f\x98A");
        assert_eq!(s, "\"\u{fffd}\u{fffd}\u{fffd}A\"");
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(1500), "1.5µs");
        assert_eq!(duration_string(-90_000_000_000), "-1m30s");
        assert_eq!(duration_string(3_600_000_000_001), "1h0m0.000000001s");
        assert_eq!(duration_string(i64::MIN), "-2562047h47m16.854775808s");
        assert_eq!(rfc3339_seconds(0).as_deref(), Some("1970-01-01T00:00:00"));
        assert_eq!(
            rfc3339_seconds(GO_ZERO_TIME_UNIX - 86_400).as_deref(),
            Some("0000-12-31T00:00:00")
        );
    }

    #[test]
    fn embedded_json_is_compacted() {
        let mut s = String::new();
        assert!(write_compact(&mut s, b" { \"a\" : [1, 2.5e3 ,\"<\"] } ").is_some());
        assert_eq!(s, r#"{"a":[1,2.5e3,"\u003c"]}"#);
        assert!(write_compact(&mut String::new(), b"{\"a\":}").is_none());
        assert!(write_compact(&mut String::new(), b"01").is_none());
        assert!(write_compact(&mut String::new(), b"").is_none());
    }
}

#[cfg(test)]
mod indent_tests {
    use super::indent as indent_json;

    #[test]
    fn lays_out_as_go_marshal_indent() {
        let mut s = String::new();
        indent_json(
            r#"{"b":1,"a":{"x":[1,{}],"e":[],"s":"a,b:{\"}"}}"#,
            "    ",
            0,
            &mut s,
        );
        assert_eq!(
            s,
            "{\n    \"b\": 1,\n    \"a\": {\n        \"x\": [\n            1,\n            {}\n        ],\n        \"e\": [],\n        \"s\": \"a,b:{\\\"}\"\n    }\n}"
        );
    }
}

#[cfg(test)]
mod indent_edge_tests {
    use super::indent as indent_json;

    fn indent(s: &str) -> String {
        let mut out = String::new();
        indent_json(s, "  ", 0, &mut out);
        out
    }

    #[test]
    fn strings_with_escapes_and_multibyte_text_are_copied_whole() {
        assert_eq!(
            indent(r#"{"ключ\\":"日本\"{,}:","x":[]}"#),
            "{\n  \"ключ\\\\\": \"日本\\\"{,}:\",\n  \"x\": []\n}"
        );
    }

    #[test]
    fn an_unterminated_string_is_copied_to_the_end() {
        assert_eq!(indent(r#"{"a":"b,c:{"#), "{\n  \"a\": \"b,c:{");
        assert_eq!(indent(r#"["a\"#), "[\n  \"a\\");
    }

    #[test]
    fn whitespace_outside_strings_is_dropped() {
        assert_eq!(
            indent("{ \"a\" :\t1 ,\n\"b\": \"x y\"}"),
            "{\n  \"a\": 1,\n  \"b\": \"x y\"\n}"
        );
    }
}
