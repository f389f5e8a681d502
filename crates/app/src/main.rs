//! The `switchboard` binary: parses the command line, sets up logging, and hands each
//! command to its module in [`switchboard::cmd`]. Exit status: 0 success, 1 a problem the
//! output describes, 2 a usage error.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use switchboard::cli::{Cli, Command, RulesCommand};
use switchboard::cmd;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(switchboard::logging::filter(
            std::env::var("SWITCHBOARD_LOG").ok().as_deref(),
        ))
        .with_writer(io::stderr)
        .init();
    match run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // The reader went away (`switchboard rules backtest … | head`): not an error.
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Dispatches to the command; returns its exit status.
fn run(cli: Cli) -> anyhow::Result<i32> {
    let config = cli.config.as_deref();
    match &cli.command {
        // The console writes to standard output from the runtime: not locked here.
        Command::Run(args) => cmd::run::run(config, args, &mut io::stderr()),
        Command::Check(args) => {
            locked(|out, err| cmd::check::run(config, args.rules.as_deref(), out, err))
        }
        Command::Rules(RulesCommand::Test(args)) => {
            locked(|out, err| cmd::rules_test::run(config, args, out, err))
        }
        Command::Rules(RulesCommand::Backtest(args)) => {
            locked(|out, err| cmd::backtest::run(config, args, out, err))
        }
        Command::Rules(RulesCommand::Suggest(args)) => {
            locked(|out, err| cmd::suggest::run(config, args, out, err))
        }
        Command::Demo(args) => locked(|out, err| cmd::demo::run(config, args, out, err)),
        Command::Tickets(c) => locked(|out, err| cmd::tickets::run(config, c, out, err)),
        Command::Customers(c) => locked(|out, err| cmd::customers::run(config, c, out, err)),
        Command::Report(args) => locked(|out, err| cmd::report::run(config, args, out, err)),
    }
}

/// Runs `f` with standard output and error locked (one lock each for the whole command).
fn locked(
    f: impl FnOnce(&mut dyn Write, &mut dyn Write) -> anyhow::Result<i32>,
) -> anyhow::Result<i32> {
    f(&mut io::stdout().lock(), &mut io::stderr().lock())
}
