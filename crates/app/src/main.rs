//! The `switchboard` binary: parses the command line, sets up logging, and hands over to the
//! library. Exit status: 0 success, 1 a problem the output describes, 2 a usage error.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use switchboard::cli::{Cli, Command, CustomersCommand, RulesCommand, TicketsCommand};
use switchboard::{commands, customers, demo, runtime, tickets};

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
        Command::Demo(args) if args.seed_history.is_some() => {
            let Some(s) = commands::load_or_report(config, None, &mut err)? else {
                return Ok(1);
            };
            let dir = args
                .data
                .clone()
                .ok_or_else(|| anyhow::anyhow!("--seed-history needs --data DIR"))?;
            let store =
                std::sync::Arc::new(switchboard_store::SledStore::open(&dir).map_err(|e| {
                    anyhow::anyhow!("cannot open the store at {}: {e}", dir.display())
                })?);
            // The history shows every number a report has: NPS is asked too.
            let mut s = s;
            s.config.desk.survey.nps = true;
            let service = demo::service(&s, store);
            switchboard::history::seed(
                &service,
                args.seed_history.unwrap_or(0),
                demo::demo_start(),
                &mut out,
            )?;
            0
        }
        Command::Demo(args) => match commands::load_or_report(config, None, &mut err)? {
            Some(s) => demo::run(
                &s,
                args.script.as_deref(),
                args.data.as_deref(),
                &mut out,
                &mut err,
            )?,
            None => 1,
        },
        Command::Tickets(cmd) => {
            let Some(settings) = commands::load_or_report(config, None, &mut err)? else {
                return Ok(1);
            };
            let data = |d: &Option<std::path::PathBuf>| {
                d.clone()
                    .unwrap_or_else(|| settings.config.store.path.clone().into())
            };
            match cmd {
                TicketsCommand::List {
                    status,
                    json,
                    data: d,
                } => {
                    let source = tickets::open(&data(&d.data), &settings.config.admin.listen)?;
                    tickets::list(&source, status.as_deref(), json, &mut out)?
                }
                TicketsCommand::Show { id, json, data: d } => {
                    let source = tickets::open(&data(&d.data), &settings.config.admin.listen)?;
                    tickets::show(&source, &id, json, &mut out, &mut err)?
                }
            }
        }
        Command::Customers(cmd) => {
            let Some(settings) = commands::load_or_report(config, None, &mut err)? else {
                return Ok(1);
            };
            let dir = |d: &Option<std::path::PathBuf>| {
                d.clone()
                    .unwrap_or_else(|| settings.config.store.path.clone().into())
            };
            let now = runtime::now();
            match cmd {
                CustomersCommand::Import { file, data } => {
                    let store = tickets::open_or_create(&dir(&data.data))?;
                    customers::import(&store, &file, now, &mut out, &mut err)?
                }
                CustomersCommand::Block { id, data } => {
                    let store = tickets::open_or_create(&dir(&data.data))?;
                    customers::set_blocked(&store, &id, true, now, &mut out)?
                }
                CustomersCommand::Unblock { id, data } => {
                    let store = tickets::open_or_create(&dir(&data.data))?;
                    customers::set_blocked(&store, &id, false, now, &mut out)?
                }
                CustomersCommand::Show { id, data } => {
                    let store = tickets::open_or_create(&dir(&data.data))?;
                    customers::show(&store, &id, &mut out, &mut err)?
                }
                CustomersCommand::AtRisk { top, json, data } => {
                    let source = tickets::open(&dir(&data.data), &settings.config.admin.listen)?;
                    if matches!(source, tickets::Source::Service(_)) {
                        writeln!(
                            err,
                            "note: the service holds the store, so lifetime values are unknown; stop it for them"
                        )?;
                    }
                    let calendar =
                        switchboard_desk::calendar::Calendar::new(&settings.config.desk.hours)
                            .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let options = switchboard::report::Options {
                        since: switchboard_domain::Timestamp(now.0 - 30 * 86_400_000),
                        until: now,
                        by: switchboard::report::By::All,
                        calendar,
                        default_category: settings.engine.default_category().as_str().to_string(),
                        churn_risk: settings.config.report.churn_risk.clone(),
                        at_risk: top,
                    };
                    let r = switchboard::report::from_source(
                        &source,
                        options,
                        &settings.config.report.clv,
                    )?;
                    let list = &r.customers.at_risk;
                    if json {
                        writeln!(out, "{}", serde_json::to_string_pretty(list)?)?;
                    } else if list.is_empty() {
                        writeln!(out, "No customers with tickets yet.")?;
                    } else {
                        switchboard::report::write_at_risk(list, &mut out)?;
                    }
                    0
                }
            }
        }
        Command::Report(args) => {
            let Some(settings) = commands::load_or_report(config, None, &mut err)? else {
                return Ok(1);
            };
            let dir = args
                .data
                .data
                .clone()
                .unwrap_or_else(|| settings.config.store.path.clone().into());
            let now = runtime::now();
            let (since, until) =
                match switchboard::report::period(&args.since, args.until.as_deref(), now) {
                    Ok(period) => period,
                    Err(e) => {
                        writeln!(err, "{e}")?;
                        return Ok(2);
                    }
                };
            let source = tickets::open(&dir, &settings.config.admin.listen)?;
            let calendar = switchboard_desk::calendar::Calendar::new(&settings.config.desk.hours)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let options = switchboard::report::Options {
                since,
                until,
                by: args.by,
                calendar,
                default_category: settings.engine.default_category().as_str().to_string(),
                churn_risk: settings.config.report.churn_risk.clone(),
                at_risk: 10,
            };
            let mut report =
                switchboard::report::from_source(&source, options, &settings.config.report.clv)?;
            // The sample's first messages.
            for u in &mut report.unmatched {
                if let Ok(id) = u.ticket.parse()
                    && let Some((_, messages)) = source.ticket(id)?
                    && let Some(m) = messages.first()
                {
                    u.text = m.text.clone();
                }
            }
            match &args.out {
                Some(path) => {
                    let mut f = std::fs::File::create(path)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    switchboard::report::write(&report, args.format, &mut f)?;
                }
                None => switchboard::report::write(&report, args.format, &mut out)?,
            }
            0
        }
        Command::Run(args) => {
            let Some(settings) = commands::load_or_report(config, None, &mut err)? else {
                return Ok(1);
            };
            let dir = args
                .data
                .clone()
                .unwrap_or_else(|| settings.config.store.path.clone().into());
            let store =
                std::sync::Arc::new(switchboard_store::SledStore::open(&dir).map_err(|e| {
                    anyhow::anyhow!("cannot open the store at {}: {e}", dir.display())
                })?);
            drop((out, err));
            let chats = settings.config.telegram.enabled || settings.config.discord.enabled;
            let config_dir = config.and_then(|c| c.parent()).map(|p| p.to_path_buf());
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
                if chats {
                    switchboard::serve::run(settings, store, &dir, config_dir.as_deref(), rx).await
                } else {
                    runtime::run_console(
                        settings,
                        store,
                        &dir,
                        tokio::io::stdin(),
                        tokio::io::stdout(),
                        rx,
                    )
                    .await
                }
            })?;
            0
        }
    };
    Ok(u8::try_from(code).unwrap_or(1))
}
