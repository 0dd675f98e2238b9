//! Label selectors as `kubectl get -l` takes them (apimachinery's
//! `labels.Parse`): comma-separated requirements, all of which must hold.
//!
//! ```text
//! key            the label exists          !key          it does not
//! key=v, key==v  it exists and equals v    key!=v        it is absent or differs
//! key in (a,b)   it exists, one of them    key notin (a,b) absent, or none of them
//! key>N, key<N   it exists, is an integer, and is greater / less than N
//! ```

use std::collections::BTreeMap;

/// One requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Gt(String, i64),
    Lt(String, i64),
}

/// A parsed selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

/// A selector that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unable to parse requirement {requirement:?}: {why}")]
pub struct SelectorError {
    requirement: String,
    why: String,
}

impl Selector {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let mut reqs = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(err(part, "empty requirement"));
            }
            reqs.push(parse_requirement(part)?);
        }
        Ok(Selector(reqs))
    }

    /// True for the empty selector, which matches everything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Gt(k, n) => labels
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Requirement::Lt(k, n) => labels
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }

    /// Whether the labels of a decoded object (`metadata.labels`) match.
    pub fn matches_object(&self, object: &serde_json::Value) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let labels: BTreeMap<String, String> = object
            .pointer("/metadata/labels")
            .and_then(|l| l.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        self.matches(&labels)
    }
}

fn err(requirement: &str, why: &str) -> SelectorError {
    SelectorError {
        requirement: requirement.to_string(),
        why: why.to_string(),
    }
}

/// Splits at commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(text.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text.get(start..).unwrap_or(""));
    out
}

fn parse_requirement(part: &str) -> Result<Requirement, SelectorError> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::NotExists(key_of(part, key.trim())?));
    }
    for (op, neg) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((k, v)) = part.split_once(op) {
            let key = key_of(part, k.trim())?;
            let value = value_of(part, v.trim())?;
            return Ok(if neg {
                Requirement::NotIn(key, vec![value])
            } else {
                Requirement::In(key, vec![value])
            });
        }
    }
    for (op, gt) in [(">", true), ("<", false)] {
        if let Some((k, v)) = part.split_once(op) {
            let key = key_of(part, k.trim())?;
            let n = v.trim().parse::<i64>().map_err(|_| {
                err(
                    part,
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                )
            })?;
            return Ok(if gt {
                Requirement::Gt(key, n)
            } else {
                Requirement::Lt(key, n)
            });
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if let [key, rest] = words.as_slice() {
        let rest = rest.trim_start();
        let (neg, list) = if let Some(l) = rest.strip_prefix("notin") {
            (true, l)
        } else if let Some(l) = rest.strip_prefix("in") {
            (false, l)
        } else {
            return Err(err(part, "expected one of =, ==, !=, in, notin, >, <"));
        };
        let list = list
            .trim()
            .strip_prefix('(')
            .and_then(|l| l.strip_suffix(')'))
            .ok_or_else(|| err(part, "expected a parenthesised list of values"))?;
        let values = list
            .split(',')
            .map(|v| value_of(part, v.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        let key = key_of(part, key)?;
        return Ok(if neg {
            Requirement::NotIn(key, values)
        } else {
            Requirement::In(key, values)
        });
    }
    Ok(Requirement::Exists(key_of(part, part)?))
}

/// A label key: an optional DNS prefix and `/`, then a name of up to 63
/// characters of alphanumerics, `-`, `_` and `.`, alphanumeric at both ends.
fn key_of(part: &str, key: &str) -> Result<String, SelectorError> {
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    if !is_label_token(name) || key.len() > 253 + 1 + 63 {
        return Err(err(part, &format!("invalid label key {key:?}")));
    }
    Ok(key.to_string())
}

/// A label value: empty, or like a key's name part.
fn value_of(part: &str, value: &str) -> Result<String, SelectorError> {
    if value.is_empty() || is_label_token(value) {
        Ok(value.to_string())
    } else {
        Err(err(part, &format!("invalid label value {value:?}")))
    }
}

fn is_label_token(s: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(ok_char)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kubectl_selector_grammar() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        for (sel, want) in [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("missing!=x", true),
            ("app in (web, db)", true),
            ("app notin (web)", false),
            ("missing notin (web)", true),
            ("app,tier=front", true),
            ("!app", false),
            ("!missing", true),
            ("n>4", true),
            ("n<5", false),
            ("app.kubernetes.io/name", false),
            ("app=web,tier in (back)", false),
        ] {
            assert_eq!(Selector::parse(sel).unwrap().matches(&l), want, "{sel}");
        }
        for bad in ["app=", "=x", "app in web", "n>x", "a b", "app=web,"] {
            if bad == "app=" {
                // An empty value is allowed.
                assert!(Selector::parse(bad).is_ok());
                continue;
            }
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }
}
