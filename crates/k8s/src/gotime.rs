//! Go's `time.Parse` for the two layouts Kubernetes reads (RFC 3339, and
//! `metav1.RFC3339Micro`), and `time.ParseDuration`, as Go 1.27's
//! time/format.go and time/format_rfc3339.go implement them.

/// A parsed timestamp: the wall clock as written and its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub nanos: i64,
    /// Minutes east of UTC (0 for `Z`).
    pub offset_min: i64,
}

impl Parsed {
    /// The instant: Unix seconds and nanoseconds.
    pub(crate) fn unix(&self) -> (i64, i64) {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.min) * 60
            + i64::from(self.sec)
            - self.offset_min * 60;
        (secs, self.nanos)
    }
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// `time.Parse(layout, s)` for `RFC3339` (`micro == false`: its fast path
/// and the general parser it falls back to, so a one-digit hour, a comma
/// before the fraction, any number of fraction digits (nine used), an
/// offset hour of 24 or minute of 60 are taken) or `RFC3339Micro`
/// (`micro`: the general parser; exactly six fraction digits after `.`
/// or `,`, read by `atoi`, so a leading `+` passes).
pub(crate) fn parse_rfc3339(s: &[u8], micro: bool) -> Option<Parsed> {
    let year = num(s.get(0..4)?)?;
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') || s.get(10) != Some(&b'T') {
        return None;
    }
    let month = num(s.get(5..7)?)?;
    let day = num(s.get(8..10)?)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return None;
    }
    let mut rest = s.get(11..)?;
    // Hour: two digits, or one (the general parser's stdHour).
    let hl = if rest.get(1).is_some_and(u8::is_ascii_digit) {
        2
    } else {
        1
    };
    let hour = num(rest.get(..hl)?)?;
    rest = rest.get(hl..)?;
    if hour > 23 || rest.first() != Some(&b':') || rest.get(3) != Some(&b':') {
        return None;
    }
    let min = num(rest.get(1..3)?)?;
    let sec = num(rest.get(4..6)?)?;
    if min > 59 || sec > 59 {
        return None;
    }
    rest = rest.get(6..)?;
    let mut nanos: i64 = 0;
    if micro {
        if !matches!(rest.first(), Some(b'.' | b',')) {
            return None;
        }
        let digits = rest.get(1..7)?;
        // atoi: one optional sign, then digits.
        let (neg, body) = match digits.split_first() {
            Some((b'+', b)) => (false, b),
            Some((b'-', b)) => (true, b),
            _ => (false, digits),
        };
        if !body.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = if body.is_empty() {
            0
        } else {
            i64::from(num(body)?)
        };
        if neg && v != 0 {
            return None;
        }
        nanos = v * 1000;
        rest = rest.get(7..)?;
    } else if matches!(rest.first(), Some(b'.' | b','))
        && rest.get(1).is_some_and(u8::is_ascii_digit)
    {
        let n = 1 + rest
            .iter()
            .skip(1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        let digits = rest.get(1..n.min(10))?;
        let mut v = i64::from(num(digits)?);
        for _ in digits.len()..9 {
            v *= 10;
        }
        nanos = v;
        rest = rest.get(n..)?;
    }
    let offset_min = match rest {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hh = num(&[*h1, *h2])?;
            let mm = num(&[*m1, *m2])?;
            if hh > 24 || mm > 60 {
                return None;
            }
            let off = i64::from(hh * 60 + mm);
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    Some(Parsed {
        year,
        month,
        day,
        hour,
        min,
        sec,
        nanos,
        offset_min,
    })
}

/// `time.ParseDuration`, in nanoseconds.
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let mut b = s.as_bytes();
    let mut neg = false;
    if let Some((&c, rest)) = b.split_first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            b = rest;
        }
    }
    if b == b"0" {
        return Some(0);
    }
    if b.is_empty() {
        return None;
    }
    let mut d: u64 = 0;
    while let Some(&c0) = b.first() {
        if !(c0 == b'.' || c0.is_ascii_digit()) {
            return None;
        }
        // leadingInt
        let mut v: u64 = 0;
        let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
        for &c in b.get(..n)? {
            if v > LIMIT / 10 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return None;
            }
        }
        let pre = n > 0;
        b = b.get(n..)?;
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if b.first() == Some(&b'.') {
            b = b.get(1..)?;
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in b.get(..n)? {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = n > 0;
            b = b.get(n..)?;
        }
        if !pre && !post {
            return None;
        }
        let i = b
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(b.len());
        if i == 0 {
            return None;
        }
        let unit: u64 = match b.get(..i)? {
            b"ns" => 1,
            // us, µs (U+00B5), μs (U+03BC)
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => return None,
        };
        b = b.get(i..)?;
        if v > LIMIT / unit {
            return None;
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return None;
            }
        }
        d = d.wrapping_add(v);
        if d > LIMIT {
            return None;
        }
    }
    if neg {
        return Some((d as i64).wrapping_neg());
    }
    if d > LIMIT - 1 {
        return None;
    }
    Some(d as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_go() {
        assert_eq!(parse_duration("1h2m3.5s"), Some(3_723_500_000_000));
        assert_eq!(parse_duration("-1.5µs"), Some(-1500));
        assert_eq!(parse_duration(".5ms"), Some(500_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("-9223372036854775808ns"), Some(i64::MIN));
        assert_eq!(parse_duration("9223372036854775808ns"), None);
        for bad in ["", "1", "1x", ".s", "+", "1.h.", "1e3s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_as_go() {
        let p = parse_rfc3339(b"2024-02-29T01:02:03.123456789123Z", false);
        assert_eq!(p.map(|p| p.nanos), Some(123_456_789));
        let p = parse_rfc3339(b"1970-01-01T01:00:00+01:00", false);
        assert_eq!(p.map(|p| p.unix()), Some((0, 0)));
        assert!(parse_rfc3339(b"1970-01-01T00:00:00Z", true).is_none());
        assert_eq!(
            parse_rfc3339(b"1970-01-01T00:00:00.000001Z", true).map(|p| p.unix()),
            Some((0, 1000))
        );
        assert!(parse_rfc3339(b"1970-01-01T00:00:00.0000012Z", true).is_none());
        assert!(parse_rfc3339(b"1970-01-01t00:00:00Z", false).is_none());
        assert!(parse_rfc3339(b"1970-01-01T00:00:00z", false).is_none());
    }
}
