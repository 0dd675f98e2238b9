//! Objects as `kubectl get -o yaml` prints them, byte for byte.
//!
//! kubectl marshals an object to JSON (`encoding/json`), then
//! `sigs.k8s.io/yaml.JSONToYAML` reads that JSON with go-yaml v2 (YAML 1.1
//! resolution: numbers become int, uint or float64) and marshals the result
//! with go-yaml v2's emitter. This module does the same walk over a
//! [`serde_json::Value`]:
//!
//! - map keys in go-yaml's "natural" order (runs of digits compare as
//!   numbers, letters sort after other characters);
//! - strings that YAML 1.1 would read as something else (`y`, `off`, `~`,
//!   `0x1f`, `1_000`, `.5`, `1:20`, dates) double-quoted; strings with a
//!   line feed as `|` literal blocks; others plain, single-quoted or
//!   double-quoted as the emitter's scalar analysis decides, long ones
//!   folded at spaces past column 80;
//! - numbers as Go prints the int64, uint64 or float64 that JSON held: a
//!   float is written by `encoding/json` first, so an integral float below
//!   1e21 comes out as an integer (`1.0` → `1`, `1e15` →
//!   `1000000000000000`), any other with `strconv`'s shortest `%g`
//!   (`1e+21`, `1.5e-07`, `0.1`);
//! - what the JSON round trip does to strings: a raw U+0085 (which
//!   `encoding/json` does not escape) is a line break to go-yaml's reader and
//!   is folded like one.
//!
//! Where kubectl itself fails, [`to_yaml`] fails too (see [`YamlError`]).
//!
//! What a `Value` cannot say, and what is assumed:
//!
//! - A number is taken as the Go value `encoding/json` would write for it:
//!   serde_json's i64 and u64 as int64 and uint64, its f64 as float64. An
//!   integer literal beyond u64 reaches serde_json as a float already and
//!   comes out as one (`1e+20`), as it does in Go. Kubernetes'
//!   unstructured decoding keeps integers only up to i64; for a value
//!   between i64 and u64 kubectl would print the float
//!   (`1.8446744073709552e+19`) where this prints the integer.
//! - Where go-yaml's key order is not a total order (see [`key_less`]),
//!   kubectl's order changes from run to run; this one is fixed.
//!
//! ```
//! use etcdsnap_k8s::yaml::to_yaml;
//!
//! let cm = serde_json::json!({"kind": "ConfigMap", "data": {"on": "yes", "n": 1.0}});
//! assert_eq!(to_yaml(&cm)?, "data:\n  \"n\": 1\n  \"on\": \"yes\"\nkind: ConfigMap\n");
//! # Ok::<(), etcdsnap_k8s::yaml::YamlError>(())
//! ```

use serde_json::{Number, Value};

mod unicode;

/// go-yaml's scanner refuses JSON nested deeper than this.
pub const MAX_DEPTH: usize = 10_000;

/// Emitter line width: longer plain and quoted scalars fold at spaces.
const BEST_WIDTH: usize = 80;
/// Emitter indentation step.
const BEST_INDENT: isize = 2;
/// Longest key (in bytes) the emitter writes as `key: value`; longer ones
/// are written as `? key` / `: value`.
const MAX_SIMPLE_KEY: usize = 128;
/// go-yaml's reader drops a flow key whose ':' comes more than this many
/// characters after the key's opening quote.
const MAX_KEY_CHARS: usize = 1024;

/// Why kubectl could not print a value as YAML; [`to_yaml`] fails alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// A character `encoding/json` writes raw but go-yaml's reader refuses
    /// (U+007F, C1 controls other than U+0085, U+FFFE, U+FFFF).
    #[error("string holds U+{code:04X}, a control character go-yaml does not read")]
    ControlCharacter {
        /// The code point.
        code: u32,
    },
    /// A map key holding U+0085: go-yaml reads it as a line break, and a
    /// key must fit on one line.
    #[error("map key holds U+0085, a line break to go-yaml")]
    KeyLineBreak,
    /// A map key longer than go-yaml accepts, counted in characters of its
    /// JSON encoding with the quotes.
    #[error(
        "map key is {chars} characters as JSON, go-yaml reads keys of at most {MAX_KEY_CHARS}"
    )]
    KeyTooLong {
        /// Length of the key's JSON encoding, quotes included.
        chars: usize,
    },
    /// `---` or `...` right after a U+0085 line break in a string: a
    /// document marker to go-yaml.
    #[error("string holds a document marker after U+0085")]
    DocumentMarker,
    /// More nested maps and lists than go-yaml accepts.
    #[error("nested deeper than {MAX_DEPTH} maps and lists")]
    TooDeep,
}

/// The YAML `kubectl get -o yaml` prints for `v` (ends with a line feed).
pub fn to_yaml(v: &Value) -> Result<String, YamlError> {
    let mut e = Emitter::new();
    e.document(v)?;
    Ok(e.out)
}

// ---------------------------------------------------------------------
// Scalars: what go-yaml's Unmarshal makes of the JSON, and its Marshal's
// choice of style.

/// The style go-yaml's encoder asks for; the emitter may override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

#[derive(Debug)]
struct Scalar {
    value: String,
    style: Style,
}

impl Scalar {
    fn plain(value: String) -> Self {
        Scalar {
            value,
            style: Style::Plain,
        }
    }

    /// A string as go-yaml's encoder sends it to the emitter.
    fn string(value: String) -> Self {
        let style = if value.contains('\n') {
            Style::Literal
        } else if resolves_to_string(&value) && !is_base60_float(&value) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        Scalar { value, style }
    }
}

fn scalar_of(v: &Value) -> Result<Option<Scalar>, YamlError> {
    Ok(match v {
        Value::Null => Some(Scalar::plain("null".into())),
        Value::Bool(b) => Some(Scalar::plain(if *b { "true" } else { "false" }.into())),
        Value::Number(n) => Some(Scalar::plain(number(n))),
        Value::String(s) => Some(Scalar::string(read_back(s)?)),
        Value::Array(_) | Value::Object(_) => None,
    })
}

/// A number as Go prints the value JSON decoding gave it.
fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        n.as_f64().map_or_else(|| n.to_string(), float)
    }
}

/// A float64 after `encoding/json` then go-yaml: `encoding/json` writes an
/// integral float below 1e21 without a point, which go-yaml reads back as
/// an integer when it fits in 64 bits.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let (neg, digits, exp) = shortest(f);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // `%f`: the shortest digits padded with zeros to the point.
        let mut text = String::new();
        if neg {
            text.push('-');
        }
        text.push_str(&digits);
        let zeros = (exp + 1).saturating_sub(digits.len() as i64).max(0);
        for _ in 0..zeros {
            text.push('0');
        }
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    format_g(neg, &digits, exp)
}

/// Shortest round-trip decimal digits of a finite float, as Go's
/// `strconv` picks them: sign, digits without leading or trailing zeros
/// ("0" for zero), decimal exponent of the first digit.
///
/// Rust's shortest digits are Go's except when the float lies exactly
/// halfway between the two closest candidates of that length: Go rounds
/// such a tie to the even digit (1803600000000000.25 →
/// `1.8036000000000002e+15`), Rust up.
fn shortest(f: f64) -> (bool, String, i64) {
    let (neg, digits, exp) = split_exp(&format!("{:e}", f));
    // A tie needs an exact value of one digit more, ending in 5: at most
    // 18 digits, so rounding to 18 shows it (and the exact check below
    // weeds out values that only look so once rounded).
    let (_, rounded, _) = split_exp(&format!("{:.17e}", f));
    if rounded.len() != digits.len() + 1 || !rounded.ends_with('5') {
        return (neg, digits, exp);
    }
    if let Some((down, up, t_even)) = exact_tie(f.abs()) {
        let ours = (digits.clone(), exp);
        if ours == down || ours == up {
            let (d, e) = if t_even { down } else { up };
            return (neg, d, e);
        }
    }
    (neg, digits, exp)
}

/// Splits Rust's `{:e}` output into sign, digits without trailing zeros,
/// exponent.
fn split_exp(text: &str) -> (bool, String, i64) {
    let (neg, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let trimmed = digits.trim_end_matches('0');
    let digits = if trimmed.is_empty() { "0" } else { trimmed };
    (neg, digits.to_owned(), exp.parse().unwrap_or(0))
}

/// If the exact decimal value of `f` (at most 767 significant digits) ends
/// in a 5 after at least one digit, the two candidates it lies halfway
/// between — truncated and incremented, as (digits, exponent) without
/// trailing zeros — and whether the truncated one ends in an even digit.
#[allow(clippy::type_complexity)]
fn exact_tie(f: f64) -> Option<((String, i64), (String, i64), bool)> {
    let (_, exact, exp) = split_exp(&format!("{:.780e}", f));
    let t = exact.strip_suffix('5')?;
    let last = t.bytes().last()?;
    let t_even = last.is_multiple_of(2); // b'0' is even
    let trim = |d: &str, e: i64| {
        let d = d.trim_end_matches('0');
        if d.is_empty() {
            ("0".to_owned(), e)
        } else {
            (d.to_owned(), e)
        }
    };
    let down = trim(t, exp);
    // t + 1 in the last digit, carrying.
    let mut bytes = t.as_bytes().to_vec();
    let mut carry = true;
    for b in bytes.iter_mut().rev() {
        if !carry {
            break;
        }
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            carry = false;
        }
    }
    let up = if carry {
        ("1".to_owned(), exp + 1)
    } else {
        trim(&String::from_utf8_lossy(&bytes), exp)
    };
    Some((down, up, t_even))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` from shortest digits.
fn format_g(neg: bool, digits: &str, exp: i64) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if !(-4..6).contains(&exp) {
        let mut chars = digits.chars();
        if let Some(first) = chars.next() {
            s.push(first);
        }
        let rest = chars.as_str();
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        s.push('e');
        s.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            s.push('0');
        }
        s.push_str(&e.to_string());
        return s;
    }
    let dp = exp + 1;
    let nd = digits.len() as i64;
    if dp <= 0 {
        s.push_str("0.");
        for _ in 0..-dp {
            s.push('0');
        }
        s.push_str(digits);
    } else if dp >= nd {
        s.push_str(digits);
        for _ in 0..dp - nd {
            s.push('0');
        }
    } else {
        let (int, frac) = digits.split_at(usize::try_from(dp).unwrap_or(0));
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    }
    s
}

/// Characters `encoding/json` writes raw that go-yaml's reader refuses.
fn unreadable(c: char) -> bool {
    matches!(c, '\u{7F}'..='\u{84}' | '\u{86}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// A string after the JSON round trip: `encoding/json` escapes control
/// characters, U+2028 and U+2029 but writes spaces and U+0085 raw, and
/// go-yaml's double-quoted scanner folds a raw run of spaces and line
/// breaks (U+0085) like YAML line folding.
fn read_back(s: &str) -> Result<String, YamlError> {
    if let Some(c) = s.chars().find(|&c| unreadable(c)) {
        return Err(YamlError::ControlCharacter { code: u32::from(c) });
    }
    if !s.contains('\u{85}') {
        return Ok(s.to_owned());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c != ' ' && c != '\u{85}' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        let mut breaks = 0usize;
        while let Some(&c) = chars.get(i) {
            match c {
                ' ' => {}
                '\u{85}' => breaks += 1,
                _ => break,
            }
            i += 1;
        }
        if breaks == 0 {
            out.extend(chars.get(start..i).unwrap_or_default());
            continue;
        }
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
        // After a line break at column 0, `---` or `...` then a blank is a
        // document marker to the scanner.
        if i > 0 && chars.get(i - 1) == Some(&'\u{85}') {
            let marker = chars.get(i..i + 3);
            let blank = matches!(chars.get(i + 3), Some(' ' | '\u{85}'));
            if blank && (marker == Some(&['-', '-', '-']) || marker == Some(&['.', '.', '.'])) {
                return Err(YamlError::DocumentMarker);
            }
        }
    }
    Ok(out)
}

/// A map key after the JSON round trip; go-yaml reads a flow key only on
/// one line and within 1024 characters.
fn read_back_key(s: &str) -> Result<String, YamlError> {
    if s.contains('\u{85}') {
        return Err(YamlError::KeyLineBreak);
    }
    let chars = 2 + s.chars().map(json_chars).sum::<usize>();
    if chars > MAX_KEY_CHARS {
        return Err(YamlError::KeyTooLong { chars });
    }
    read_back(s)
}

/// Length of a character as `encoding/json` writes it in a string.
fn json_chars(c: char) -> usize {
    match c {
        '"' | '\\' | '\u{8}' | '\u{C}' | '\n' | '\r' | '\t' => 2,
        '\0'..='\u{1F}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
        _ => 1,
    }
}

// ---------------------------------------------------------------------
// go-yaml v2's implicit resolution (resolve.go), as far as a string's
// quoting depends on it: a string that would not read back as a string
// is quoted.

/// Whether go-yaml resolves `s`, unquoted, to a string.
fn resolves_to_string(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false; // null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            !is_special_word(s)
        }
        b'.' => !is_special_word(s) && !dot_float(s),
        b'+' | b'-' | b'0'..=b'9' => !is_special_word(s) && !resolves_as_number(s),
        _ => true,
    }
}

fn is_special_word(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// Starts with a sign or digit: timestamp, int, uint, float or 0b int.
fn resolves_as_number(s: &str) -> bool {
    if is_timestamp(s) {
        return true;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if go_parse_int(&plain, 0) || go_parse_uint(&plain, 0).is_some() {
        return true;
    }
    if yaml_style_float(&plain) && finite_float(&plain) {
        return true;
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        return go_parse_int(rest, 2) || go_parse_uint(rest, 2).is_some();
    }
    if let Some(rest) = plain.strip_prefix("-0b") {
        return go_parse_int(&format!("-{rest}"), 2);
    }
    false
}

fn finite_float(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `strconv.ParseUint(s, base, 64)`; base 0 takes 0b/0o/0x/0 prefixes.
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    let b = s.as_bytes();
    let (base, digits) = if base == 0 {
        match b {
            [] => return None,
            [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, b.get(2..)?),
            [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, b.get(2..)?),
            [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, b.get(2..)?),
            [b'0', ..] => (8, b.get(1..)?),
            _ => (10, b),
        }
    } else {
        if b.is_empty() {
            return None;
        }
        (base, b)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Whether `strconv.ParseInt(s, base, 64)` succeeds.
fn go_parse_int(s: &str, base: u32) -> bool {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    match go_parse_uint(rest, base) {
        Some(u) if neg => u <= 1 << 63,
        Some(u) => u < 1 << 63,
        None => false,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` succeeds for a string starting with '.'.
fn dot_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 1; // the '.'
    let mut mantissa_digits = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => mantissa_digits += 1,
            b'_' => {}
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    if i != b.len() || (s.contains('_') && !underscore_ok(s)) {
        return false;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    finite_float(&plain)
}

/// Go's `underscoreOK`: underscores only between digits.
fn underscore_ok(s: &str) -> bool {
    let mut saw = b'^';
    let b = s.as_bytes();
    let b = match b.first() {
        Some(b'+' | b'-') => b.get(1..).unwrap_or_default(),
        _ => b,
    };
    let mut i = 0;
    let mut hex = false;
    if let [b'0', p, ..] = b {
        let p = p.to_ascii_lowercase();
        if b.len() >= 2 && matches!(p, b'b' | b'o' | b'x') {
            i = 2;
            saw = b'0';
            hex = p == b'x';
        }
    }
    while let Some(&c) = b.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// encode.go's isBase60Float:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// resolve.go's parseTimestamp: `time.Parse` with the four layouts
/// go-yaml tries, after its "YYYY-" quick check.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(year) = b.get(..4) else {
        return false;
    };
    if !year.iter().all(u8::is_ascii_digit) || b.get(4) != Some(&b'-') {
        return false;
    }
    let year = year.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    (0..4).any(|layout| parse_time(b.get(5..).unwrap_or_default(), year, layout))
}

/// Go's `getnum(s, false)`: one or two digits.
fn getnum(s: &[u8]) -> Option<(u32, &[u8])> {
    match s {
        [a @ b'0'..=b'9', b @ b'0'..=b'9', rest @ ..] => {
            Some((u32::from(a - b'0') * 10 + u32::from(b - b'0'), rest))
        }
        [a @ b'0'..=b'9', rest @ ..] => Some((u32::from(a - b'0'), rest)),
        _ => None,
    }
}

/// Layouts: 0 `2006-1-2T15:4:5.999999999Z07:00`, 1 the same with `t`,
/// 2 `2006-1-2 15:4:5.999999999`, 3 `2006-1-2`; `v` follows "YYYY-".
fn parse_time(v: &[u8], year: u32, layout: u8) -> bool {
    let Some((month, v)) = getnum(v) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    let Some(v) = v.strip_prefix(b"-") else {
        return false;
    };
    let Some((day, mut v)) = getnum(v) else {
        return false;
    };
    if layout != 3 {
        v = match layout {
            0 => match v.strip_prefix(b"T") {
                Some(v) => v,
                None => return false,
            },
            1 => match v.strip_prefix(b"t") {
                Some(v) => v,
                None => return false,
            },
            _ => {
                if v.first().is_some_and(|&c| c != b' ') {
                    return false;
                }
                let spaces = v.iter().take_while(|&&c| c == b' ').count();
                v.get(spaces..).unwrap_or_default()
            }
        };
        let Some((hour, rest)) = getnum(v) else {
            return false;
        };
        let Some(rest) = rest.strip_prefix(b":") else {
            return false;
        };
        let Some((minute, rest)) = getnum(rest) else {
            return false;
        };
        let Some(rest) = rest.strip_prefix(b":") else {
            return false;
        };
        let Some((second, rest)) = getnum(rest) else {
            return false;
        };
        if hour >= 24 || minute >= 60 || second >= 60 {
            return false;
        }
        v = rest;
        if let [b'.' | b',', b'0'..=b'9', ..] = v {
            let n = 1 + v.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
            v = v.get(n..).unwrap_or_default();
        }
        if layout != 2 {
            if let Some(rest) = v.strip_prefix(b"Z") {
                v = rest;
            } else {
                let Some(&[sign, h1, h2, colon, m1, m2]) = v.get(..6) else {
                    return false;
                };
                let digits = [h1, h2, m1, m2];
                if colon != b':' || !digits.iter().all(u8::is_ascii_digit) {
                    return false;
                }
                let hh = u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0');
                let mm = u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0');
                if hh > 24 || mm > 60 || !matches!(sign, b'+' | b'-') {
                    return false;
                }
                v = v.get(6..).unwrap_or_default();
            }
        }
    }
    if !v.is_empty() {
        return false;
    }
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&day)
}

// ---------------------------------------------------------------------
// Key order: sorter.go's keyList.Less for string keys.

fn go_is_letter(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x100 {
        return c.is_ascii_alphabetic()
            || matches!(u, 0xAA | 0xB5 | 0xBA | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0xFF);
    }
    in_table(&unicode::LETTERS, u)
}

fn go_is_digit(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x100 {
        return c.is_ascii_digit();
    }
    in_table(&unicode::DIGITS, u)
}

fn in_table(table: &[(u32, u32)], u: u32) -> bool {
    let i = table.partition_point(|&(_, hi)| hi < u);
    table.get(i).is_some_and(|&(lo, _)| lo <= u)
}

/// Whether go-yaml v2 sorts map key `a` before `b` (sorter.go's "natural"
/// order: digit runs compare as numbers, letters after other characters).
///
/// This order is not transitive for every set of keys: `152` < `1e-400`
/// (a letter sorts last) < `23` (1 < 23) < `152` (23 < 152). Go sorts with
/// it all the same, starting from its map's random iteration order, so for
/// such a set kubectl's key order changes from run to run; [`to_yaml`]
/// then gives one of those orders, always the same.
pub fn key_less(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    key_less_chars(&a, &b)
}

fn key_less_chars(a: &[char], b: &[char]) -> bool {
    for (i, (&ca, &cb)) in a.iter().zip(b).enumerate() {
        if ca == cb {
            continue;
        }
        let al = go_is_letter(ca);
        let bl = go_is_letter(cb);
        if al && bl {
            return ca < cb;
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ca == '0' || cb == '0' {
            for j in (0..i).rev() {
                match a.get(j) {
                    Some(&c) if go_is_digit(c) => {
                        if c != '0' {
                            an = 1;
                            bn = 1;
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }
        let digit_value = |c: char| i64::from(u32::from(c)).wrapping_sub(i64::from(b'0'));
        let mut ai = i;
        while let Some(&c) = a.get(ai).filter(|&&c| go_is_digit(c)) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(c));
            ai += 1;
        }
        let mut bi = i;
        while let Some(&c) = b.get(bi).filter(|&&c| go_is_digit(c)) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(c));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ca < cb;
    }
    a.len() < b.len()
}

/// Merge sort by `less` alone: never panics, whatever `less` answers
/// (go-yaml's order is not transitive for every set of keys, and Go's own
/// result then depends on its map's random iteration order).
fn sort_keys<T>(items: Vec<T>, less: &impl Fn(&T, &T) -> bool) -> Vec<T> {
    if items.len() <= 1 {
        return items;
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = sort_keys(left, less);
    let right = sort_keys(right, less);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        let take_right = match (l.peek(), r.peek()) {
            (Some(x), Some(y)) => less(y, x),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right { r.next() } else { l.next() };
        out.extend(next);
    }
    out
}

// ---------------------------------------------------------------------
// The emitter: go-yaml v2's emitterc.go for the events Marshal produces
// from JSON (block mappings and sequences, empty ones in flow style,
// untagged scalars), with its column, indentation and whitespace state.

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

/// The emitter's is_printable, by code point.
fn is_printable(c: char) -> bool {
    matches!(u32::from(c), 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// yaml_emitter_analyze_scalar, for block context.
fn analyze(value: &[char]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = matches!(value, ['-', '-', '-', ..] | ['.', '.', '.', ..]);
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;
    let last = value.len() - 1;
    for (i, &c) in value.iter().enumerate() {
        let followed_by_whitespace = value.get(i + 1).is_none_or(|&n| is_blank(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// A map or list being written.
enum Frame<'a> {
    Map {
        entries: std::vec::IntoIter<(Vec<char>, &'a Value)>,
    },
    Seq {
        items: std::slice::Iter<'a, Value>,
    },
}

#[derive(Debug)]
struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: isize,
    indents: Vec<isize>,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn document(&mut self, root: &Value) -> Result<(), YamlError> {
        let mut stack: Vec<Frame<'_>> = Vec::new();
        if let Some(frame) = self.node(root, 0, false)? {
            stack.push(frame);
        }
        loop {
            let depth = stack.len();
            let next = match stack.last_mut() {
                None => break,
                Some(Frame::Seq { items }) => items.next().map(|item| (None, item)),
                Some(Frame::Map { entries }) => entries.next().map(|(k, v)| (Some(k), v)),
            };
            let Some((key, value)) = next else {
                self.pop_indent();
                stack.pop();
                continue;
            };
            self.write_indent();
            let is_value = key.is_some();
            match key {
                None => self.write_indicator("-", true, false, true),
                Some(key) => self.key(key),
            }
            if let Some(frame) = self.node(value, depth, is_value)? {
                stack.push(frame);
            }
        }
        // Document end.
        self.write_indent();
        Ok(())
    }

    /// A key and its ':' (simple) or `? key` then ':' on its own line.
    fn key(&mut self, key: Vec<char>) {
        let analysis = analyze(&key);
        let scalar = Scalar::string(key.iter().collect());
        if !analysis.multiline && scalar.value.len() <= MAX_SIMPLE_KEY {
            self.mapping_context = true;
            self.simple_key_context = true;
            self.scalar(&scalar, &key, analysis);
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indicator("?", true, false, true);
            self.mapping_context = true;
            self.simple_key_context = false;
            self.scalar(&scalar, &key, analysis);
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
    }

    /// Writes a node: a scalar whole, an empty map or list in flow style,
    /// or the start of a block one, returned for the caller to walk.
    /// `depth`: maps and lists it is in; `map_value`: it is a map's value.
    fn node<'a>(
        &mut self,
        v: &'a Value,
        depth: usize,
        map_value: bool,
    ) -> Result<Option<Frame<'a>>, YamlError> {
        self.mapping_context = map_value;
        self.simple_key_context = false;
        if let Some(scalar) = scalar_of(v)? {
            let chars: Vec<char> = scalar.value.chars().collect();
            let analysis = analyze(&chars);
            self.scalar(&scalar, &chars, analysis);
            return Ok(None);
        }
        if depth >= MAX_DEPTH {
            return Err(YamlError::TooDeep);
        }
        match v {
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) => {
                let indentless = self.mapping_context && !self.indention;
                self.increase_indent(false, indentless);
                return Ok(Some(Frame::Seq {
                    items: items.iter(),
                }));
            }
            Value::Object(map) => {
                let mut entries = Vec::with_capacity(map.len());
                for (k, v) in map {
                    entries.push((read_back_key(k)?.chars().collect::<Vec<char>>(), v));
                }
                let entries = sort_keys(entries, &|a: &(Vec<char>, &Value), b| {
                    key_less_chars(&a.0, &b.0)
                });
                self.increase_indent(false, false);
                return Ok(Some(Frame::Map {
                    entries: entries.into_iter(),
                }));
            }
            _ => {}
        }
        Ok(None)
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    /// yaml_emitter_select_scalar_style then process_scalar.
    fn scalar(&mut self, scalar: &Scalar, chars: &[char], a: Analysis) {
        let simple_key = self.simple_key_context;
        let mut style = scalar.style;
        if simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain && (!a.block_plain_allowed || (chars.is_empty() && simple_key)) {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || simple_key) {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        match style {
            Style::Plain => self.write_plain(chars, !simple_key),
            Style::SingleQuoted => self.write_single_quoted(chars, !simple_key),
            Style::DoubleQuoted => self.write_double_quoted(chars, !simple_key),
            Style::Literal => self.write_literal(chars),
        }
        self.pop_indent();
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent.max(0)).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, v: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let last = v.len().saturating_sub(1);
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < last
                    && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, v: &[char], allow_breaks: bool) {
        // go-yaml's is_bom looks at the start of the value, not at the
        // current character: a value starting with U+FEFF is escaped whole.
        let bom = v.first() == Some(&'\u{FEFF}');
        self.write_indicator("\"", true, false, false);
        let mut spaces = false;
        let last = v.len().saturating_sub(1);
        for (i, &c) in v.iter().enumerate() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{B}' => self.put('v'),
                    '\u{C}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1B}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let u = u32::from(c);
                        let (letter, width) = match u {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let digit = (u >> (k * 4)) & 0xF;
                            self.put(
                                char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < last {
                    self.write_indent();
                    if v.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, v: &[char]) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints.
        if v.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        let chomp = match v {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn y(v: Value) -> String {
        to_yaml(&v).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn deployment_shape() {
        let v = json!({"kind": "Deployment", "spec": {"replicas": 1, "template": {"spec": {
            "containers": [{"name": "a", "args": ["--x", "y"], "ports": []}]}}}, "metadata": {}});
        assert_eq!(
            y(v),
            "kind: Deployment\nmetadata: {}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - args:\n        - --x\n        - \"y\"\n        name: a\n        ports: []\n"
        );
    }

    #[test]
    fn floats_as_go_prints_them() {
        for (f, want) in [
            (1.0, "1"),
            (100.0, "100"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (1e15, "1000000000000000"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-07"),
            (1234567.5, "1.2345675e+06"),
            (123456.5, "123456.5"),
            (1803600000000000.2, "1.8036000000000002e+15"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
        ] {
            assert_eq!(float(f), want, "{f}");
        }
    }

    #[test]
    fn natural_key_order() {
        let keys = ["b", "a10", "a9", "a", "A", "1", "10", "9", "_x", "a09"];
        let chars: Vec<Vec<char>> = keys.iter().map(|k| k.chars().collect()).collect();
        let sorted = sort_keys(chars, &|a: &Vec<char>, b: &Vec<char>| key_less_chars(a, b));
        let sorted: Vec<String> = sorted.iter().map(|k| k.iter().collect()).collect();
        assert_eq!(
            sorted,
            ["_x", "1", "9", "10", "A", "a", "a9", "a09", "a10", "b"]
        );
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        // Building and dropping nested values recurses: a large stack.
        let run = std::thread::Builder::new().stack_size(256 << 20);
        let (deepest, limit) = run
            .spawn(|| {
                let mut v = json!([]);
                for _ in 1..MAX_DEPTH {
                    v = Value::Array(vec![v]);
                }
                let limit = to_yaml(&v);
                let deepest = to_yaml(&Value::Array(vec![v]));
                (deepest, limit)
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(deepest, Err(YamlError::TooDeep));
        assert!(limit.is_ok());
    }
}
