//! The `switchboard` binary: parses the command line, sets up logging, and hands over to the
//! library. Exit status: 0 success, 1 a problem the output describes, 2 a usage error.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use switchboard::cli::{Cli, Command, RulesCommand};
use switchboard::{commands, demo, runtime};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(io::stderr)
        .init();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
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

fn run(cli: Cli) -> anyhow::Result<u8> {
    let config = cli.config.as_deref();
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    let code = match cli.command {
        Command::Check(args) => commands::check(config, args.rules.as_deref(), &mut out, &mut err)?,
        Command::Rules(RulesCommand::Test(args)) => {
            commands::rules_test(config, &args, &mut out, &mut err)?
        }
        Command::Rules(RulesCommand::Backtest(args)) => {
            commands::backtest(config, &args, &mut out, &mut err)?
        }
        Command::Demo => match commands::load_or_report(config, None, &mut err)? {
            Some(s) => {
                demo::run(&s, &mut out)?;
                0
            }
            None => 1,
        },
        Command::Run => {
            let Some(settings) = commands::load_or_report(config, None, &mut err)? else {
                return Ok(1);
            };
            drop((out, err));
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let (tx, rx) = tokio::sync::watch::channel(false);
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        let _ = tx.send(true);
                    }
                });
                runtime::run_console(settings, tokio::io::stdin(), tokio::io::stdout(), rx).await
            })?;
            0
        }
    };
    Ok(u8::try_from(code).unwrap_or(1))
}
