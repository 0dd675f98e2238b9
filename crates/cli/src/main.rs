//! The `etcdsnap` command: a thin layer of argument parsing and output over
//! the library crates.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod bolt;
mod bolt_page;
mod check;
mod cli;
mod extract;
mod k8s;
mod members;
mod output;
mod paths;
mod progress;
mod salvage;
mod snapshot;
mod verify;
mod wal;

/// mimalloc: the decoders allocate many small, short-lived values on
/// every core (`k8s get` spent a seventh of its time in glibc's malloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let mut out = output::Stdout::new(std::io::stdout().lock());
    let result = cli::run(args, &mut out);
    let flushed = out.flush();
    match result.and_then(|code| flushed.map(|()| code).map_err(Into::into)) {
        Ok(code) => code,
        // The reader went away (`| head`): whatever error the write came
        // back wrapped in, nothing is wrong.
        Err(_) if out.closed() => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("etcdsnap: {e:#}");
            ExitCode::from(output::exit_code(&e))
        }
    }
}
