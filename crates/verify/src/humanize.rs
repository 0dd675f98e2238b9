//! Sizes as Go's `humanize.Bytes` prints them (SI units, base 1000), which
//! is what etcdutl and etcdctl print in `snapshot status`.

/// `humanize.Bytes(n)`: "16 kB", "1.1 MB", "9 B".
pub fn bytes(n: u64) -> String {
    const SIZES: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10 {
        return format!("{n} B");
    }
    let nf = n as f64;
    let e = (nf.ln() / 1000f64.ln()).floor();
    let suffix = SIZES.get(e as usize).copied().unwrap_or("EB");
    let val = (nf / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {suffix}")
    } else {
        format!("{val:.0} {suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn like_go_humanize() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(9), "9 B");
        assert_eq!(bytes(10), "10 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1.0 kB");
        assert_eq!(bytes(16384), "16 kB");
        assert_eq!(bytes(20480), "20 kB");
        assert_eq!(bytes(86016), "86 kB");
        assert_eq!(bytes(1134592), "1.1 MB");
        assert_eq!(bytes(280576000), "281 MB");
        assert_eq!(bytes(9940), "9.9 kB");
        assert_eq!(bytes(9950), "10 kB");
        assert_eq!(bytes(9960), "10 kB");
    }
}
