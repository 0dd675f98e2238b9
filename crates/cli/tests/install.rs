//! What people installing etcdsnap use: shell completions and man pages
//! generated from the command-line definition.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

/// Every top-level subcommand, as `etcdsnap --help` lists them.
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(etcdsnap(["--help"]).stdout).unwrap();
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn completions_for_each_shell_name_every_subcommand() {
    let subs = subcommands();
    assert!(subs.len() > 10, "{subs:?}");
    for (shell, marker) in [
        ("bash", "complete -F _etcdsnap"),
        ("zsh", "#compdef etcdsnap"),
        ("fish", "complete -c etcdsnap"),
    ] {
        let o = etcdsnap(["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(o.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker}");
        for s in &subs {
            assert!(script.contains(s.as_str()), "{shell} completion lacks {s}");
        }
    }
    let o = etcdsnap(["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_for_the_command_and_every_subcommand() {
    let o = etcdsnap(["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH etcdsnap 1"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let o = etcdsnap(["man".as_ref(), dir.path().as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    for s in subcommands() {
        let p = dir.path().join(format!("etcdsnap-{s}.1"));
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            text.contains(&format!(".TH etcdsnap-{s} 1")),
            "{}",
            p.display()
        );
    }
    assert!(dir.path().join("etcdsnap-snapshot-status.1").is_file());
}
