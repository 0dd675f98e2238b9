//! `resource.Quantity` as apimachinery reads and writes it: protobuf
//! stores the string a client sent, JSON carries the canonical form
//! (`ParseQuantity`, then `MarshalJSON`). A parse keeps the original string
//! where apimachinery caches it (small exact values already in canonical
//! shape, `+5` included); otherwise the value is rounded up to nano units,
//! binary values are capped at the int64 maximum, and the canonical string
//! is built: decimal mantissa with an SI suffix or `eN` exponent (multiple of
//! three), or a base-1024 mantissa with `Ki`..`Ei`.
//!
//! Numbers are kept exact as decimal digits and a power of ten, so no
//! input length or exponent makes arithmetic wrap or allocate beyond the
//! input's own size (plus a bounded few digits).

/// Why a quantity string does not parse (apimachinery's three errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    /// `ErrFormatWrong`: not `<number><suffix>`.
    Format,
    /// `ErrSuffix`: an unknown suffix.
    Suffix,
    /// `ErrNumeric`: the number cannot be read.
    Numeric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    DecimalExponent,
    DecimalSI,
    BinarySI,
}

/// Splits a quantity string as apimachinery's `parseQuantityString` does:
/// sign, integer digits (leading zeros dropped), fraction digits, suffix.
/// A quantity string's parts.
struct Parts<'a> {
    positive: bool,
    /// Any digit at all in the number (leading zeros included).
    digits_seen: bool,
    num: &'a [u8],
    denom: &'a [u8],
    suffix: &'a [u8],
}

fn split(s: &[u8]) -> Result<Parts<'_>, QuantityError> {
    let mut pos = 0;
    let mut positive = true;
    match s.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    let number_start = pos;
    while s.get(pos) == Some(&b'0') {
        pos += 1;
    }
    let digits_end = |from: usize| {
        let mut i = from;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let num_end = digits_end(pos);
    let num = s.get(pos..num_end).unwrap_or_default();
    pos = num_end;
    let mut denom: &[u8] = &[];
    if s.get(pos) == Some(&b'.') {
        let end = digits_end(pos + 1);
        denom = s.get(pos + 1..end).unwrap_or_default();
        pos = end;
    }
    let digits_seen = s
        .get(number_start..pos)
        .is_some_and(|n| n.iter().any(u8::is_ascii_digit));
    let suffix_start = pos;
    while s.get(pos).is_some_and(|c| b"eEinumkKMGTP".contains(c)) {
        pos += 1;
    }
    if matches!(s.get(pos), Some(b'-' | b'+')) {
        pos += 1;
    }
    pos = digits_end(pos);
    if pos != s.len() {
        return Err(QuantityError::Format);
    }
    let suffix = s.get(suffix_start..).unwrap_or_default();
    Ok(Parts {
        positive,
        digits_seen,
        num,
        denom,
        suffix,
    })
}

/// The suffix's base, exponent and format (`quantitySuffixer.interpret`).
fn interpret(suffix: &[u8]) -> Option<(u32, i64, Fmt)> {
    let dec = |e| Some((10, e, Fmt::DecimalSI));
    let bin = |e| Some((2, e, Fmt::BinarySI));
    match suffix {
        b"" => dec(0),
        b"n" => dec(-9),
        b"u" => dec(-6),
        b"m" => dec(-3),
        b"k" => dec(3),
        b"M" => dec(6),
        b"G" => dec(9),
        b"T" => dec(12),
        b"P" => dec(15),
        b"E" => dec(18),
        b"Ki" => bin(10),
        b"Mi" => bin(20),
        b"Gi" => bin(30),
        b"Ti" => bin(40),
        b"Pi" => bin(50),
        b"Ei" => bin(60),
        [b'e' | b'E', rest @ ..] if !rest.is_empty() => {
            // strconv.ParseInt(rest, 10, 64), then int32(...) truncation.
            let text = std::str::from_utf8(rest).ok()?;
            let v: i64 = text.parse().ok()?;
            Some((10, i64::from(v as i32), Fmt::DecimalExponent))
        }
        _ => None,
    }
}

/// An exact non-negative decimal: `digits` (most significant first, no
/// leading zeros; empty for zero) times ten to `exp`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dec {
    digits: Vec<u8>,
    exp: i64,
}

impl Dec {
    fn new(mut digits: Vec<u8>, exp: i64) -> Dec {
        let lead = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..lead);
        let mut d = Dec { digits, exp };
        d.trim();
        d
    }
    fn trim(&mut self) {
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exp += 1;
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }
    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }
    fn mul_small(&mut self, m: u64) {
        let mut carry = 0u64;
        for d in self.digits.iter_mut().rev() {
            let v = u64::from(*d) * m + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            self.digits.insert(0, (carry % 10) as u8);
            carry /= 10;
        }
        self.trim();
    }
    /// Adds one unit of the last digit (magnitude increment).
    fn increment(&mut self) {
        for d in self.digits.iter_mut().rev() {
            if *d == 9 {
                *d = 0;
            } else {
                *d += 1;
                self.trim();
                return;
            }
        }
        self.digits.insert(0, 1);
        self.trim();
    }
    /// Rounds to `scale` fractional digits, away from zero (inf.RoundUp on
    /// the magnitude); true when nothing was lost.
    fn round_up_to(&mut self, scale: i64) -> bool {
        if self.exp >= -scale {
            return true;
        }
        // Digits below 10^-scale are dropped; the value is trimmed, so at
        // least one nonzero digit goes.
        let drop = (-scale - self.exp) as u128;
        let keep = (self.digits.len() as u128).saturating_sub(drop) as usize;
        self.digits.truncate(keep);
        self.exp = -scale;
        if self.digits.is_empty() {
            self.digits.push(1);
        } else {
            self.increment();
        }
        self.trim();
        false
    }
    /// Integer digit count (digits before the point), for magnitude checks.
    fn int_len(&self) -> i128 {
        self.digits.len() as i128 + i128::from(self.exp)
    }
    /// The value when it is an integer below 2^64.
    fn as_u64(&self) -> Option<u64> {
        if self.exp < 0 || self.int_len() > 20 {
            return None;
        }
        let mut v: u64 = 0;
        for d in &self.digits {
            v = v.checked_mul(10)?.checked_add(u64::from(*d))?;
        }
        for _ in 0..self.exp {
            v = v.checked_mul(10)?;
        }
        Some(v)
    }
    /// Compares the value with `x` exactly.
    fn cmp_u64(&self, x: u64) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        if self.int_len() > 20 {
            return Ordering::Greater;
        }
        // The integer part (digits before the point, then zeros for a
        // positive exponent); the value is trimmed, so a negative exponent
        // means a nonzero fraction.
        let whole_len = usize::try_from(self.int_len().max(0)).unwrap_or(usize::MAX);
        let whole_digits = self.digits.get(..whole_len).unwrap_or(&self.digits);
        let whole = Dec::new(whole_digits.to_vec(), self.exp.max(0));
        match whole.as_u64() {
            None => Ordering::Greater,
            Some(w) if w == x && self.exp < 0 => Ordering::Greater,
            Some(w) => w.cmp(&x),
        }
    }
}

/// A quantity read from its string: the original string when
/// apimachinery keeps it, else the value and format it canonicalises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    cached: Option<String>,
    negative: bool,
    value: Dec,
    format: Fmt,
}

const NANO: i64 = 9;

/// `resource.ParseQuantity`.
pub fn parse(s: &[u8]) -> Result<Quantity, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::Format);
    }
    let text = std::str::from_utf8(s).map_err(|_| QuantityError::Format)?;
    if s == b"0" {
        return Ok(Quantity {
            cached: Some("0".into()),
            negative: false,
            value: Dec::new(vec![], 0),
            format: Fmt::DecimalSI,
        });
    }
    let Parts {
        positive,
        digits_seen,
        num,
        denom,
        suffix,
    } = split(s)?;
    let (base, exponent, format) = interpret(suffix).ok_or(QuantityError::Suffix)?;
    let num: &[u8] = if num.is_empty() { b"0" } else { num };

    // The int64 fast path, and the strings it keeps as given.
    let precision: i64 = match format {
        Fmt::DecimalExponent | Fmt::DecimalSI => 18 - (num.len() + denom.len()) as i64,
        Fmt::BinarySI if denom.is_empty() => {
            15 - num.len() as i64 - i64::from((exponent as f32 * 3.0 / 10.0) as i32) - 1
        }
        Fmt::BinarySI => -1,
    };
    let mut scale = if format == Fmt::BinarySI { 0 } else { exponent };
    let mut fast = false;
    if precision >= 0 {
        scale -= denom.len() as i64;
        if scale >= -NANO {
            let shifted: Vec<u8> = num.iter().chain(denom).copied().collect();
            let value: i64 = std::str::from_utf8(&shifted)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or(QuantityError::Numeric)?;
            let mantissa: i64 = if format == Fmt::BinarySI {
                1i64.checked_shl(exponent as u32).unwrap_or(0)
            } else {
                1
            };
            if value.checked_mul(mantissa).is_some() {
                fast = true;
                let keep = match format {
                    Fmt::BinarySI => exponent % 10 == 0 && value & 7 != 0,
                    _ => {
                        scale % 3 == 0
                            && !shifted.ends_with(b"000")
                            && shifted.first() != Some(&b'0')
                    }
                };
                if keep {
                    return Ok(Quantity {
                        cached: Some(text.to_string()),
                        negative: !positive,
                        value: Dec::new(vec![], 0),
                        format,
                    });
                }
            }
        }
    }

    // Exact value: digits of num and denom, times 10^(exponent - len(denom))
    // for decimal suffixes, times 2^exponent for binary ones.
    if !fast && !digits_seen {
        // inf.Dec refuses a number without digits ("", "-", "."): only the
        // slow path reads it that way ("Ei", "E-30").
        return Err(QuantityError::Numeric);
    }
    let digits: Vec<u8> = num.iter().chain(denom).map(|d| d - b'0').collect();
    let mut value = if base == 10 {
        Dec::new(digits, exponent - denom.len() as i64)
    } else {
        let mut d = Dec::new(digits, -(denom.len() as i64));
        for _ in 0..exponent / 10 {
            d.mul_small(1024);
        }
        d
    };
    let mut format = format;
    if !value.is_zero() {
        value.round_up_to(NANO);
    }
    if format == Fmt::BinarySI && value.cmp_u64(i64::MAX as u64) == std::cmp::Ordering::Greater {
        value = Dec::new(i64::MAX.to_string().bytes().map(|b| b - b'0').collect(), 0);
    }
    if format == Fmt::BinarySI && !value.is_zero() && value.cmp_u64(1) == std::cmp::Ordering::Less {
        format = Fmt::DecimalSI;
    }
    Ok(Quantity {
        cached: None,
        negative: !positive && !value.is_zero(),
        value,
        format,
    })
}

impl Quantity {
    /// The zero quantity (a Go `resource.Quantity{}`), written `"0"`.
    pub fn zero() -> Quantity {
        Quantity {
            cached: None,
            negative: false,
            value: Dec::new(vec![], 0),
            format: Fmt::DecimalSI,
        }
    }

    /// The string `MarshalJSON` writes (without quotes).
    pub fn canonical(&self) -> String {
        if let Some(s) = &self.cached {
            return s.clone();
        }
        if self.value.is_zero() {
            return "0".into();
        }
        let sign = if self.negative { "-" } else { "" };
        let mut format = self.format;
        if format == Fmt::BinarySI {
            // Below 1024 in magnitude, or not a whole number: decimal.
            if self.value.cmp_u64(1024) == std::cmp::Ordering::Less || self.value.exp < 0 {
                format = Fmt::DecimalSI;
            }
        }
        if format == Fmt::BinarySI {
            if let Some(mut v) = self.value.as_u64() {
                let mut e = 0;
                while v >= 1024 && v % 1024 == 0 {
                    v /= 1024;
                    e += 1;
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                    .get(e)
                    .copied()
                    .unwrap_or("");
                return format!("{sign}{v}{suffix}");
            }
            format = Fmt::DecimalSI;
        }
        // Decimal: mantissa times 10^exp with exp a multiple of three.
        let mut digits: String = self
            .value
            .digits
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect();
        let mut exp = self.value.exp;
        while exp.rem_euclid(3) != 0 {
            digits.push('0');
            exp -= 1;
        }
        let suffix = match format {
            Fmt::DecimalExponent if exp == 0 => String::new(),
            Fmt::DecimalExponent => format!("e{}", exp as i32),
            _ => match exp {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                // 0, and exponents no suffix names (Go then writes none).
                _ => "",
            }
            .to_string(),
        };
        format!("{sign}{digits}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        parse(s.as_bytes())
            .map(|q| q.canonical())
            .unwrap_or_else(|e| format!("{e:?}"))
    }

    #[test]
    fn canonical_forms_as_apimachinery_writes_them() {
        // Pairs checked against apimachinery 0.36 (ParseQuantity, MarshalJSON).
        for (input, want) in [
            ("0", "0"),
            ("100m", "100m"),
            ("0.5", "500m"),
            ("1000", "1k"),
            ("+5", "+5"),
            ("1024Mi", "1Gi"),
            ("1025Mi", "1025Mi"),
            ("8Gi", "8Gi"),
            ("1.5Gi", "1536Mi"),
            ("0.1Ki", "102400m"),
            ("1e7", "10e6"),
            ("1E3", "1E3"),
            ("1.5n", "2n"),
            ("-1.5n", "-2n"),
            ("12345678901234567890", "12345678901234567890"),
            ("1000E", "1"),
            ("16Ei", "9223372036854775807"),
            ("5ki", "Suffix"),
            ("1.2.3", "Format"),
            ("", "Format"),
            ("-0", "0"),
            ("0.0000000001", "1n"),
            ("100Ki", "100Ki"),
            ("1000k", "1M"),
            (".", "0"),
            ("-.", "0"),
            (".e-10", "Numeric"),
            ("1e-10", "1e-9"),
            ("1Ki", "1Ki"),
            ("1.000001Ki", "1024001024u"),
            ("-1024Mi", "-1Gi"),
            ("-1.5Gi", "-1536Mi"),
            ("0.5Ki", "512"),
            ("7e-12", "1e-9"),
            ("-", "0"),
            ("+", "0"),
            ("123.456e2", "12345600e-3"),
            ("1e+3", "1e+3"),
            ("9223372036854775808Ki", "9223372036854775807"),
            ("2047m", "2047m"),
            ("1024", "1024"),
            ("1536", "1536"),
            ("-0.1Ki", "-102400m"),
            ("007", "007"),
            ("1.0", "1"),
            ("10.50", "10500m"),
            ("5e1", "50"),
            ("0.001m", "1u"),
            ("1023.9999999999Ki", "1048575999999898n"),
            ("1e21", "1e21"),
            ("1e-3", "1e-3"),
            ("2e3", "2e3"),
            ("1500", "1500"),
            ("-1500m", "-1500m"),
            ("3Mi", "3Mi"),
            ("1.5Ki", "1536"),
        ] {
            assert_eq!(c(input), want, "{input}");
        }
    }
}
