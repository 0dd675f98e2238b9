//! Peer URLs and `--initial-cluster`, parsed and normalised as etcd does
//! (`types.NewURLs`, `types.NewURLsMap` over Go's `net/url`).
//!
//! Only the URL shapes etcd accepts for peers are handled:
//! `scheme://[userinfo@]host:port[?query][#fragment]` with scheme `http`,
//! `https`, `unix` or `unixs`. Go lowercases the scheme and otherwise
//! renders such URLs as written; a URL with characters whose rendering Go
//! would change (spaces, `%`, non-ASCII) is refused rather than guessed.

use std::collections::BTreeMap;

use crate::Error;

/// One peer URL, normalised (`String()` of Go's parsed URL).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeerUrl(String);

impl PeerUrl {
    /// Parses `input` (surrounding white space trimmed) as etcd's
    /// `types.NewURLs` does for one URL.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let input = input.trim();
        let bad = |why: String| Error::Url {
            url: input.to_string(),
            why,
        };
        let scheme_end = input
            .find(':')
            .filter(|i| {
                input.get(..*i).is_some_and(|s| {
                    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                })
            })
            .ok_or_else(|| bad("URL scheme must be http, https, unix, or unixs".into()))?;
        let scheme = input
            .get(..scheme_end)
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https" | "unix" | "unixs") {
            return Err(bad("URL scheme must be http, https, unix, or unixs".into()));
        }
        if let Some(c) = input
            .chars()
            .find(|c| !c.is_ascii_graphic() || *c == '%' || *c == '"' || *c == '\\')
        {
            return Err(bad(format!(
                "character {c:?} is not supported in a peer URL"
            )));
        }
        let rest = input.get(scheme_end + 1..).unwrap_or_default();
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let Some(authority_path) = rest.strip_prefix("//") else {
            return Err(bad(
                r#"URL address does not have the form "host:port""#.into()
            ));
        };
        let (authority, path) = match authority_path.find('/') {
            Some(i) => (
                authority_path.get(..i).unwrap_or_default(),
                authority_path.get(i..).unwrap_or_default(),
            ),
            None => (authority_path, ""),
        };
        let host = match authority.rsplit_once('@') {
            Some((_, h)) => h,
            None => authority,
        };
        split_host_port(host).map_err(|why| {
            bad(format!(
                r#"URL address does not have the form "host:port" ({why})"#
            ))
        })?;
        if !path.is_empty() {
            return Err(bad("URL must not contain a path".into()));
        }
        let mut out = format!("{scheme}://{authority}");
        if let Some(q) = query {
            out.push('?');
            out.push_str(q);
        }
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        Ok(PeerUrl(out))
    }

    /// The normalised URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PeerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Go's `net.SplitHostPort` rules, with the port checked as `url.Parse`
/// checks it (digits only, possibly empty).
fn split_host_port(hostport: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| "missing ']' in address".to_string())?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| "missing port in address".to_string())?;
        (h, port)
    } else {
        let (h, p) = hostport
            .rsplit_once(':')
            .ok_or_else(|| "missing port in address".to_string())?;
        if h.contains(':') {
            return Err("too many colons in address".into());
        }
        (h, p)
    };
    if host.contains('[') || host.contains(']') {
        return Err("unexpected bracket in address".into());
    }
    if !port.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("invalid port {port:?} after host"));
    }
    Ok(())
}

/// A list of URLs, normalised and sorted as `types.NewURLs` returns them.
pub fn parse_list<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<PeerUrl>, Error> {
    let mut v = items
        .into_iter()
        .map(PeerUrl::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if v.is_empty() {
        return Err(Error::Config("no valid URLs given".into()));
    }
    v.sort();
    Ok(v)
}

/// `--initial-cluster` (`name=url,name=url,...`): each name's URLs,
/// normalised and sorted, as `types.NewURLsMap` builds them. Empty pieces
/// are skipped; a piece without `=` is a name with an empty URL (which
/// then fails to parse), as in etcd.
pub fn parse_initial_cluster(s: &str) -> Result<BTreeMap<String, Vec<PeerUrl>>, Error> {
    let mut raw: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for piece in s.split(',') {
        if piece.is_empty() {
            continue;
        }
        let (name, url) = piece.split_once('=').unwrap_or((piece, ""));
        raw.entry(name.to_string()).or_default().push(url);
    }
    raw.into_iter()
        .map(|(name, urls)| Ok((name, parse_list(urls)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_go() {
        assert_eq!(
            PeerUrl::parse(" HTTPS://localhost:1?x=<&> ")
                .unwrap()
                .as_str(),
            "https://localhost:1?x=<&>"
        );
        assert_eq!(
            PeerUrl::parse("http://[::1]:2380").unwrap().as_str(),
            "http://[::1]:2380"
        );
        assert!(PeerUrl::parse("http://a.b:1&2").is_err());
        assert!(PeerUrl::parse("http://a.b").is_err());
        assert!(PeerUrl::parse("ftp://a.b:1").is_err());
        assert!(PeerUrl::parse("http://a.b:1/path").is_err());
        assert!(PeerUrl::parse("http://::1:2380").is_err());
        assert!(PeerUrl::parse("localhost:2380").is_err());
        let m = parse_initial_cluster("b=http://h:2,a=http://h:1,,b=http://g:2").unwrap();
        assert_eq!(m.len(), 2);
        let b: Vec<&str> = m["b"].iter().map(PeerUrl::as_str).collect();
        assert_eq!(b, ["http://g:2", "http://h:2"]);
    }
}
