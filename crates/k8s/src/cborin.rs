//! CBOR custom resources (stored with the self-described tag, 0xd9d9f7,
//! since Kubernetes 1.32) read as apimachinery's CBOR serializer reads them
//! into `unstructured.Unstructured`: `modes.DecodeLax`
//! (apimachinery/pkg/runtime/serializer/cbor/internal/modes/decode.go) over
//! fxamacker/cbor v2 into a `map[string]interface{}`. The rules, from those
//! sources:
//!
//! - the whole input is one well-formed item (decode.go `Unmarshal`,
//!   valid.go): no bytes after it, reserved additional information and a
//!   stray break refused, indefinite strings made of definite chunks of
//!   their own type, nested arrays, maps and chained tags counted as Go
//!   counts them (Go allows 10000 levels, this decoder 1000),
//!   at most 2097152 pairs in a map;
//! - simple values other than false, true and null refused (undefined
//!   too), NaN and infinities refused, bignums (tags 2, 3) refused;
//! - integers must fit an int64; floats of every width become float64;
//! - text strings must be valid UTF-8 (each chunk on its own); byte
//!   strings become Go strings of the same bytes, or inside tags 21, 22
//!   and 23 (expected later encoding) base64url, base64 and base16 text;
//! - map keys decode into a Go string: text, byte strings and null (the
//!   empty string) accepted, anything else refused; a duplicate key is an
//!   error (`DupMapKeyEnforcedAPF`);
//! - tag 0 (RFC 3339 text) and tag 1 (epoch number) values become
//!   RFC 3339 strings with nanoseconds (`TimeTagToRFC3339Nano`), tag 1 in
//!   UTC, tag 0 in its own offset (a zero offset written `Z`; Go's local
//!   zone makes no difference: it is used only when its offset is the one
//!   parsed); a year outside 0-9999 or an offset of 24 hours is an error;
//!   any other tag stands for its content.

use crate::unstructured::{self, U};

/// Nesting accepted: the modes set fxamacker's `MaxNestedLevels` to
/// 10000; this decoder recurses, so it stops at 1000 (as the JSON reader
/// does) and refuses deeper values.
const MAX_NEST: usize = crate::jsonin::MAX_NEST;
/// `MaxMapPairs`.
const MAX_MAP_PAIRS: u64 = 2_097_152;
/// Go's error for a map over [`MAX_MAP_PAIRS`].
const TOO_MANY_PAIRS: &str = "cbor: exceeded max number of key-value pairs 2097152 for CBOR map";
/// `MaxArrayElements`.
const MAX_ARRAY: u64 = 2_147_483_647;

/// The self-described CBOR tag's head.
pub(crate) const SELF_DESCRIBED: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// Decodes a stored CBOR value into an unstructured object.
pub(crate) fn decode(b: &[u8]) -> Result<unstructured::Object, String> {
    let mut d = Dec {
        b,
        pos: 0,
        enc: Vec::new(),
    };
    // The top level decodes into the map itself: tags (after validation)
    // stand for their content; null leaves the map nil.
    let top = d.top()?;
    if d.pos != b.len() {
        return Err(format!(
            "cbor: {} bytes of extraneous data starting at index {}",
            b.len() - d.pos,
            d.pos
        ));
    }
    unstructured::object(top, true)
}

struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
    /// Expected-later-encoding tags (21, 22, 23) in force, innermost last.
    enc: Vec<u64>,
}

/// An item's head.
#[derive(Clone, Copy)]
struct Head {
    major: u8,
    ai: u8,
    /// The argument (length, value, tag number, float bits).
    val: u64,
}

impl Head {
    fn indefinite(&self) -> bool {
        self.ai == 31
    }
}

fn eof<T>() -> Result<T, String> {
    Err("unexpected EOF".into())
}

impl<'a> Dec<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Whether the next byte is the break (0xff) that ends an
    /// indefinite-length item; consumes it if so.
    fn at_break(&mut self) -> Result<bool, String> {
        match self.peek() {
            None => eof(),
            Some(0xff) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// Opens an array or map nested in `depth` levels: Go's nesting
    /// limit, then its head, a definite length over `max` refused with
    /// `too_many`. Returns the array's or map's own depth and its head.
    fn open_container(
        &mut self,
        depth: usize,
        max: u64,
        too_many: &str,
    ) -> Result<(usize, Head), String> {
        let depth = depth + 1;
        if depth > MAX_NEST {
            return Err("cbor: exceeded max nested level".into());
        }
        let h = self.head()?;
        if !h.indefinite() && h.val > max {
            return Err(too_many.into());
        }
        Ok((depth, h))
    }

    /// Whether an array or map with head `h` ends after its first `i`
    /// items: at the break when indefinite-length, else at its count.
    fn container_done(&mut self, h: &Head, i: u64) -> Result<bool, String> {
        if h.indefinite() {
            self.at_break()
        } else {
            Ok(i == h.val)
        }
    }

    /// Reads a head with fxamacker's well-formedness checks
    /// (`wellformedHead`).
    fn head(&mut self) -> Result<Head, String> {
        let Some(ib) = self.peek() else { return eof() };
        self.pos += 1;
        let (major, ai) = (ib >> 5, ib & 0x1f);
        let n = match ai {
            0..=23 => 0,
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            31 => {
                return match major {
                    0 | 1 | 6 => Err(format!(
                        "cbor: invalid additional information 31 for type {major}"
                    )),
                    7 => Err("cbor: unexpected \"break\" code".into()),
                    _ => Ok(Head { major, ai, val: 0 }),
                }
            }
            _ => {
                return Err(format!(
                    "cbor: invalid additional information {ai} for type {major}"
                ))
            }
        };
        let val = if n == 0 {
            u64::from(ai)
        } else {
            let Some(arg) = self.b.get(self.pos..self.pos + n) else {
                return eof();
            };
            self.pos += n;
            arg.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x))
        };
        if major == 7 {
            match ai {
                24 if val < 32 => return Err(format!("cbor: invalid simple value {val}")),
                25 => acceptable(f64::from(f16(val as u16)))?,
                26 => acceptable(f64::from(f32::from_bits(val as u32)))?,
                27 => acceptable(f64::from_bits(val))?,
                20..=22 => {}
                _ => return Err(format!("cbor: simple value {val} is not recognized")),
            }
        }
        Ok(Head { major, ai, val })
    }

    /// A definite length's bytes.
    fn take(&mut self, len: u64) -> Result<&'a [u8], String> {
        if len > i64::MAX as u64 {
            return Err(format!("cbor: length {len} is too large"));
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.pos.checked_add(l))
            .filter(|&e| e <= self.b.len());
        let Some(end) = end else { return eof() };
        let s = self.b.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(s)
    }

    /// The bytes of a byte or text string whose head was read; text
    /// checked as UTF-8 chunk by chunk.
    fn string_body(&mut self, h: Head) -> Result<Vec<u8>, String> {
        let check = |s: &[u8]| {
            if h.major == 3 && std::str::from_utf8(s).is_err() {
                Err("cbor: invalid UTF-8 string".to_string())
            } else {
                Ok(())
            }
        };
        if !h.indefinite() {
            let s = self.take(h.val)?;
            check(s)?;
            return Ok(s.to_vec());
        }
        let mut out = Vec::new();
        loop {
            if self.at_break()? {
                return Ok(out);
            }
            let c = self.head()?;
            if c.major != h.major {
                return Err("cbor: wrong element type for indefinite-length string".into());
            }
            if c.indefinite() {
                return Err("cbor: indefinite-length chunk is not definite-length".into());
            }
            let s = self.take(c.val)?;
            check(s)?;
            out.extend_from_slice(s);
        }
    }

    /// Tags before an item: checked as `validBuiltinTag` checks them
    /// against the next byte, chained tags counted as nesting. Returns the
    /// tag numbers outermost first.
    fn tags(&mut self, depth: &mut usize) -> Result<Vec<u64>, String> {
        let mut tags = Vec::new();
        while self.peek().map(|b| b >> 5) == Some(6) {
            let h = self.head()?;
            if !tags.is_empty() {
                *depth += 1;
                if *depth > MAX_NEST {
                    return Err("cbor: exceeded max nested level".into());
                }
            }
            let Some(next) = self.peek() else {
                return eof();
            };
            let t = next >> 5;
            match h.val {
                0 if t != 3 => {
                    return Err("cbor: tag number 0 must be followed by text string".into())
                }
                1 if t != 0 && t != 1 && !(0xf9..=0xfb).contains(&next) => {
                    return Err(
                        "cbor: tag number 1 must be followed by integer or floating-point number"
                            .into(),
                    )
                }
                2 | 3 => return Err("cbor: bignum is not accepted".into()),
                _ => {}
            }
            tags.push(h.val);
        }
        Ok(tags)
    }

    fn top(&mut self) -> Result<U, String> {
        let mut depth = 0;
        let tags = self.tags(&mut depth)?;
        let pushed = self.push_enc(&tags);
        let r = (|| {
            let Some(next) = self.peek() else {
                return eof();
            };
            match next >> 5 {
                5 => self.map(depth),
                // null leaves the map nil: no kind.
                7 if next == 0xf6 => {
                    self.pos += 1;
                    Ok(U::Null)
                }
                _ => {
                    self.skip(depth)?;
                    Err(
                        "cbor: cannot unmarshal into Go value of type map[string]interface {}"
                            .into(),
                    )
                }
            }
        })();
        self.enc.truncate(self.enc.len() - pushed);
        r
    }

    /// Pushes the expected-later-encoding tags among `tags`.
    fn push_enc(&mut self, tags: &[u64]) -> usize {
        let before = self.enc.len();
        self.enc
            .extend(tags.iter().filter(|t| matches!(t, 21..=23)));
        self.enc.len() - before
    }

    /// A byte string's bytes as a Go string: encoded per the innermost
    /// expected-later-encoding tag in force.
    fn bytes_to_string(&self, b: Vec<u8>) -> Vec<u8> {
        use base64::Engine as _;
        match self.enc.last() {
            Some(21) => base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(&b)
                .into_bytes(),
            Some(22) => base64::engine::general_purpose::STANDARD
                .encode(&b)
                .into_bytes(),
            Some(23) => b
                .iter()
                .flat_map(|x| format!("{x:02x}").into_bytes())
                .collect(),
            _ => b,
        }
    }

    /// A map into `map[string]interface{}` (`parseMapToMap`).
    fn map(&mut self, depth: usize) -> Result<U, String> {
        let (depth, h) = self.open_container(depth, MAX_MAP_PAIRS, TOO_MANY_PAIRS)?;
        let mut m = Vec::new();
        let mut i: u64 = 0;
        while !self.container_done(&h, i)? {
            if h.indefinite() && i >= MAX_MAP_PAIRS {
                return Err(TOO_MANY_PAIRS.into());
            }
            i += 1;
            let k = self.key(depth)?;
            let v = self.value(depth)?;
            m.push((k, v));
        }
        unstructured::map(m, true)
            .map(U::Obj)
            .ok_or_else(|| "cbor: found duplicate map key".to_string())
    }

    /// A map key into a Go string.
    fn key(&mut self, depth: usize) -> Result<Vec<u8>, String> {
        let mut depth = depth;
        let tags = self.tags(&mut depth)?;
        let pushed = self.push_enc(&tags);
        let r = (|| {
            let Some(next) = self.peek() else {
                return eof();
            };
            match next >> 5 {
                2 | 3 => {
                    let h = self.head()?;
                    let s = self.string_body(h)?;
                    Ok(if h.major == 2 {
                        self.bytes_to_string(s)
                    } else {
                        s
                    })
                }
                7 if next == 0xf6 => {
                    self.pos += 1;
                    Ok(Vec::new())
                }
                _ => {
                    self.skip(depth)?;
                    Err("cbor: cannot unmarshal map key into Go value of type string".into())
                }
            }
        })();
        self.enc.truncate(self.enc.len() - pushed);
        r
    }

    /// A value into an `interface{}` (`parse`).
    fn value(&mut self, depth: usize) -> Result<U, String> {
        let mut depth = depth;
        let tags = self.tags(&mut depth)?;
        // The innermost of tags 0 and 1 decides a time; other tags stand
        // for their content.
        if let Some(&t) = tags.last() {
            if t == 0 || t == 1 {
                return self.time(t);
            }
        }
        let pushed = self.push_enc(&tags);
        let r = self.untagged(depth);
        self.enc.truncate(self.enc.len() - pushed);
        r
    }

    fn untagged(&mut self, depth: usize) -> Result<U, String> {
        let Some(next) = self.peek() else {
            return eof();
        };
        match next >> 5 {
            0 => {
                let h = self.head()?;
                i64::try_from(h.val)
                    .map(U::Int)
                    .map_err(|_| format!("cbor: {} overflows Go's int64", h.val))
            }
            1 => {
                let h = self.head()?;
                i64::try_from(h.val)
                    .map(|v| U::Int(-1 - v))
                    .map_err(|_| "cbor: negative integer overflows Go's int64".to_string())
            }
            2 => {
                let h = self.head()?;
                let s = self.string_body(h)?;
                Ok(U::Str(self.bytes_to_string(s)))
            }
            3 => {
                let h = self.head()?;
                Ok(U::Str(self.string_body(h)?))
            }
            4 => {
                let (depth, h) =
                    self.open_container(depth, MAX_ARRAY, "cbor: exceeded max number of elements")?;
                let mut items = Vec::new();
                let mut i: u64 = 0;
                while !self.container_done(&h, i)? {
                    i += 1;
                    items.push(self.value(depth)?);
                }
                Ok(U::Arr(items))
            }
            5 => self.map(depth),
            _ => {
                let h = self.head()?;
                Ok(match h.ai {
                    20 => U::Bool(false),
                    21 => U::Bool(true),
                    22 => U::Null,
                    25 => U::Float(f64::from(f16(h.val as u16))),
                    26 => U::Float(f64::from(f32::from_bits(h.val as u32))),
                    _ => U::Float(f64::from_bits(h.val)),
                })
            }
        }
    }

    /// Skips one item (after an error Go reports anyway; the item is
    /// still checked for well-formedness, which can only change the error).
    fn skip(&mut self, depth: usize) -> Result<(), String> {
        self.value(depth).map(|_| ())
    }

    /// Tag 0 or 1 content as `parseToTime` reads it, written as
    /// `Time.MarshalText` (RFC 3339 with nanoseconds).
    fn time(&mut self, tag: u64) -> Result<U, String> {
        let h = self.head()?;
        let text = match (tag, h.major) {
            (0, 3) => {
                let s = self.string_body(h)?;
                rfc3339_reformat(&s).ok_or_else(|| {
                    format!(
                        "cbor: cannot set {} for time.Time",
                        String::from_utf8_lossy(&s)
                    )
                })?
            }
            (1, 0) => {
                let s = i64::try_from(h.val)
                    .map_err(|_| "cbor: time overflows Go's int64".to_string())?;
                unix_text(s, 0)
                    .ok_or("cbor: decoded time cannot be represented in RFC3339 format")?
            }
            (1, 1) => {
                let v = i64::try_from(h.val)
                    .map_err(|_| "cbor: time overflows Go's int64".to_string())?;
                unix_text(-1 - v, 0)
                    .ok_or("cbor: decoded time cannot be represented in RFC3339 format")?
            }
            (1, 7) => {
                let f = match h.ai {
                    25 => f64::from(f16(h.val as u16)),
                    26 => f64::from(f32::from_bits(h.val as u32)),
                    _ => f64::from_bits(h.val),
                };
                let secs = f.trunc();
                if !(-9.3e18..9.3e18).contains(&secs) {
                    return Err("cbor: time overflows Go's int64".into());
                }
                let nanos = ((f - secs) * 1e9) as i64;
                unix_text(secs as i64, nanos)
                    .ok_or("cbor: decoded time cannot be represented in RFC3339 format")?
            }
            _ => return Err("cbor: wrong content for a time tag".into()),
        };
        Ok(U::Str(text.into_bytes()))
    }
}

fn acceptable(f: f64) -> Result<(), String> {
    if f.is_nan() {
        return Err("cbor: floating-point NaN is not accepted".into());
    }
    if f.is_infinite() {
        return Err("cbor: floating-point infinity is not accepted".into());
    }
    Ok(())
}

/// IEEE 754 half precision to single (exact).
fn f16(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

/// Seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years
/// `Time.MarshalText` writes.
const MIN_TEXT_SECS: i64 = -62_167_219_200;
const MAX_TEXT_SECS: i64 = 253_402_300_799;

/// `time.Unix(secs, nanos).UTC().MarshalText()`.
fn unix_text(secs: i64, nanos: i64) -> Option<String> {
    let secs = secs.checked_add(nanos.div_euclid(1_000_000_000))?;
    let nanos = nanos.rem_euclid(1_000_000_000);
    if !(MIN_TEXT_SECS..=MAX_TEXT_SECS).contains(&secs) {
        return None;
    }
    let mut s = crate::gojson::rfc3339_seconds(secs)?;
    push_nanos(&mut s, nanos);
    s.push('Z');
    Some(s)
}

/// RFC 3339Nano's fraction: trailing zeros dropped, none when zero.
fn push_nanos(s: &mut String, nanos: i64) {
    if nanos != 0 {
        let f = format!("{nanos:09}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
}

/// `time.Parse(time.RFC3339, s)` then `MarshalText` in the parsed
/// offset, a zero offset written `Z`, an offset of 24 hours or more
/// refused as `MarshalText` refuses it.
fn rfc3339_reformat(s: &[u8]) -> Option<String> {
    let p = crate::gotime::parse_rfc3339(s, false)?;
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        p.year, p.month, p.day, p.hour, p.min, p.sec
    );
    push_nanos(&mut out, p.nanos);
    match p.offset_min {
        0 => out.push('Z'),
        off => {
            let a = off.abs();
            if a / 60 >= 24 {
                return None;
            }
            out.push_str(&format!(
                "{}{:02}:{:02}",
                if off < 0 { '-' } else { '+' },
                a / 60,
                a % 60
            ));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(b: &[u8]) -> Result<String, String> {
        let mut v = SELF_DESCRIBED.to_vec();
        v.extend_from_slice(b);
        decode(&v).and_then(|o| o.to_json())
    }

    /// `{"apiVersion": "v", "kind": "W"` then the rest of a map of `n`.
    fn head(n: u8) -> Vec<u8> {
        let mut v = vec![0xa0 + n, 0x6a];
        v.extend_from_slice(b"apiVersion");
        v.extend_from_slice(&[0x61, b'v', 0x64, b'k', b'i', b'n', b'd', 0x61, b'W']);
        v
    }

    /// `{"apiVersion": "v", "kind": "W", "x": <item>}`.
    fn with_x(item: &[u8]) -> Vec<u8> {
        let mut v = head(3);
        v.extend_from_slice(&[0x61, b'x']);
        v.extend_from_slice(item);
        v
    }

    #[test]
    fn values_as_go() {
        let x = |item: &[u8]| {
            go(&with_x(item)).map(|s| {
                s.strip_prefix(r#"{"apiVersion":"v","kind":"W","x":"#)
                    .and_then(|s| s.strip_suffix('}'))
                    .unwrap_or(&s)
                    .to_string()
            })
        };
        assert_eq!(x(&[0xf9, 0x3c, 0x00]), Ok("1".into())); // half 1.0
        assert_eq!(x(&[0xf9, 0x00, 0x01]), Ok("5.960464477539062e-8".into()));
        assert_eq!(x(&[0xfa, 0x3f, 0xc0, 0, 0]), Ok("1.5".into()));
        assert!(x(&[0xf9, 0x7e, 0x00]).is_err()); // NaN
        assert!(x(&[0xf9, 0x7c, 0x00]).is_err()); // Inf
        assert!(x(&[0xf7]).is_err()); // undefined
        assert!(x(&[0xe0]).is_err()); // simple 0
        assert!(x(&[0xf8, 0x10]).is_err());
        assert!(x(&[0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert_eq!(
            x(&[0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Ok("-9223372036854775808".into())
        );
        assert!(x(&[0xc2, 0x41, 0x01]).is_err()); // bignum
        assert_eq!(x(&[0x42, 0xff, b'a']), Ok("\"\u{fffd}a\"".into()));
        assert_eq!(x(&[0xd6, 0x42, 0xff, b'a']), Ok("\"/2E=\"".into()));
        assert_eq!(x(&[0xd5, 0x81, 0x42, 0xff, b'a']), Ok("[\"_2E\"]".into()));
        assert_eq!(x(&[0xd7, 0x42, 0xff, b'a']), Ok("\"ff61\"".into()));
        assert!(x(&[0x62, 0xc3, b'a']).is_err()); // invalid UTF-8 text
        assert_eq!(
            x(&[0x7f, 0x61, b'a', 0x61, b'b', 0xff]),
            Ok("\"ab\"".into())
        );
        assert!(x(&[0x7f, 0x61, 0xc3, 0x61, 0xa9, 0xff]).is_err()); // split rune
        assert!(x(&[0x7f, 0x41, b'a', 0xff]).is_err()); // wrong chunk type
        assert_eq!(x(&[0xd9, 0x01, 0x00, 0x01]), Ok("1".into())); // unknown tag
        assert_eq!(
            x(&[0xc1, 0x1a, 0x00, 0x01, 0x51, 0x80]),
            Ok("\"1970-01-02T00:00:00Z\"".into())
        );
        assert_eq!(
            x(&[0xc1, 0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
            Ok("\"1970-01-01T00:00:01.5Z\"".into())
        );
        let t0 = |s: &str| {
            let mut v = vec![0xc0, 0x78, s.len() as u8];
            v.extend_from_slice(s.as_bytes());
            x(&v)
        };
        assert_eq!(
            t0("2024-02-29T01:02:03.500Z"),
            Ok("\"2024-02-29T01:02:03.5Z\"".into())
        );
        assert_eq!(
            t0("2024-02-29T1:02:03,5+00:00"),
            Ok("\"2024-02-29T01:02:03.5Z\"".into())
        );
        assert_eq!(
            t0("2024-02-29T01:02:03-07:30"),
            Ok("\"2024-02-29T01:02:03-07:30\"".into())
        );
        assert!(t0("2023-02-29T01:02:03Z").is_err());
        assert!(t0("2024-02-29T01:02:03+24:00").is_err());
        assert!(x(&[0xc0, 0x01]).is_err());
        assert_eq!(x(&[0x9f, 0x01, 0x9f, 0xff, 0xff]), Ok("[1,[]]".into()));
        assert!(x(&[0x9f, 0x01]).is_err());
        assert!(x(&[0xff]).is_err());
        assert!(x(&[0x1c]).is_err());
    }

    #[test]
    fn maps_as_go() {
        // Duplicate keys (text and bytes alike) refused; null key is "".
        let with = |rest: &[u8]| {
            let mut v = head(3);
            v.extend_from_slice(rest);
            go(&v)
        };
        assert!(with(&[0x44, b'k', b'i', b'n', b'd', 0x61, b'V']).is_err());
        assert_eq!(
            with(&[0xf6, 0x01]),
            Ok(r#"{"":1,"apiVersion":"v","kind":"W"}"#.into())
        );
        assert!(with(&[0x01, 0x01]).is_err());
        assert!(with(&[0xf9, 0x3c, 0x00, 0x01]).is_err());
        // Kind required, and a version.
        assert!(go(&[0xa1, 0x61, b'x', 0x01]).is_err());
        assert!(go(&[0xa1, 0x64, b'k', b'i', b'n', b'd', 0x61, b'W']).is_err());
        assert!(go(&[0xf6]).is_err());
        assert!(go(&[0x80]).is_err());
        // Trailing bytes.
        assert!(go(&[0xa0, 0x00]).is_err());
        let mut deep = head(3);
        deep.extend_from_slice(&[0x61, b'x']);
        deep.extend(std::iter::repeat_n(0x81, MAX_NEST));
        deep.push(0x00);
        assert!(go(&deep).is_err());
    }
}
