//! JSON strings as Go's `encoding/json` writes them (etcd's member records,
//! conf-change contexts and v2 store are Go JSON, and restore must be byte
//! for byte the same).

/// `s` as a Go JSON string literal, quotes included: `<`, `>` and `&` are
/// escaped as `\u003c`, `\u003e` and `\u0026`, control characters other
/// than `\n`, `\r` and `\t` as `\u00XX`, and U+2028 and U+2029 as well.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of strings, Go style, without spaces.
pub fn string_array(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        assert_eq!(
            string("a<b>&\"\\\n\u{1}é\u{2028}"),
            "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001é\\u2028\""
        );
        assert_eq!(string_array(&["x".into(), "y".into()]), "[\"x\",\"y\"]");
        assert_eq!(string_array(&[]), "[]");
    }
}
