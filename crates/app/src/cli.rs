//! The command line: what each subcommand takes. Parsing only; the work is in
//! [`crate::cmd`], one module per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Switchboard: a chat-native support desk in one binary.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, propagate_version = true)]
pub struct Cli {
    /// The config file (default: the built-in config/switchboard.toml).
    /// Also read from SWITCHBOARD_CONFIG.
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service with the configured channels: Telegram, Discord, or the console.
    ///
    /// Telegram when `[telegram]` is enabled, Discord when `[discord]` is (both when both
    /// are), else the console on standard input and output. The rules file is reloaded when
    /// it changes. Ctrl-C or SIGTERM stops it cleanly.
    Run(DataArgs),
    /// The numbers: volume, speed, SLA attainment, satisfaction, over a period.
    Report(ReportArgs),
    /// Play the whole desk in the terminal: the built-in demo, or a script of yours.
    Demo(DemoArgs),
    /// Read tickets from the store.
    #[command(subcommand)]
    Tickets(TicketsCommand),
    /// Manage customer records.
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Validate the config, the rules and the prompts. Exit 0 when all is well.
    Check(CheckArgs),
    /// Work with triage rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// `switchboard report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Start: a duration back from now (`30d`, `12h`) or a date (`2026-11-01`, UTC).
    #[arg(long, default_value = "30d")]
    pub since: String,
    /// End (exclusive): a date, or a duration back from now (default: now).
    #[arg(long)]
    pub until: Option<String>,
    /// Group by category, priority, agent, platform, rule, day or week.
    #[arg(long, default_value = "all", value_parser = crate::report::By::parser())]
    pub by: crate::report::By,
    /// table, json, csv or html.
    #[arg(long, default_value = "table", value_parser = crate::report::Format::parser())]
    pub format: crate::report::Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Where the store is.
    #[command(flatten)]
    pub data: DataArgs,
}

/// Where the store is.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The store's directory (default: `[store] path` from the config).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// `switchboard demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Play this script instead of the built-in demo (see "The console" in the README).
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Keep the store in this directory (default: a temporary one, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Instead of a script: fill the store (`--data`) with N tickets of synthetic history
    /// over the 30 days before the demo's clock, for `switchboard report`.
    #[arg(long, value_name = "N", requires = "data", conflicts_with = "script")]
    pub seed_history: Option<u64>,
}

/// `switchboard tickets …`.
#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// List tickets, oldest first.
    List {
        /// Only tickets in this status (self_service, queued, claimed, resolved).
        #[arg(long)]
        status: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show one ticket with its conversation and history.
    Show {
        /// The ticket (T-1042, or 1042).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the messages the service gave up delivering (no running channel delivers them,
    /// the platform refused them, or they failed for too long), or send them again.
    DeadLetters {
        /// Move this dead letter (its id in the list), or `all`, back to the outbox: the
        /// running service sends it (or the next start does).
        #[arg(long, value_name = "ID|all")]
        retry: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
}

/// `switchboard customers …`.
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Import customers from a CSV with an `id` column (platform:id) and optionally `name`,
    /// `tier` and any other columns (kept for reports).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Block a customer: their messages open nothing and get no answer.
    Block {
        /// The customer (platform:id, such as telegram:12345).
        id: String,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Unblock a customer.
    Unblock {
        /// The customer (platform:id).
        id: String,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show a customer's profile.
    Show {
        /// The customer (platform:id).
        id: String,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
    /// The customers most likely to churn (`[report.churn_risk]`), with their lifetime
    /// value when imported attributes allow (`[report.clv]`): whom to reach out to first.
    AtRisk {
        /// How many.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Where the store is.
        #[command(flatten)]
        data: DataArgs,
    },
}

/// `switchboard check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check this rules file instead of the one the config names.
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,
}

/// `switchboard rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Classify one message and explain the verdict.
    Test(TestArgs),
    /// Score the rules on a labelled CSV (columns `text` and `label`).
    Backtest(BacktestArgs),
    /// Suggest keywords for a label, mined from a labelled CSV: each with its precision,
    /// support and the rows it would add beyond what the rules classify today. Writes
    /// nothing.
    Suggest(SuggestArgs),
}

/// Business hours on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HoursArg {
    /// Within business hours.
    In,
    /// Outside business hours.
    Out,
}

/// `switchboard rules test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The message text.
    pub text: String,
    /// Use this rules file instead of the one the config names.
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,
    /// Print one JSON object instead of the explanation.
    #[arg(long)]
    pub json: bool,
    /// The platform the message came from (telegram, discord, console).
    #[arg(long)]
    pub platform: Option<String>,
    /// The customer's language (default: guessed from the script of the text).
    #[arg(long)]
    pub lang: Option<String>,
    /// The customer's tier.
    #[arg(long)]
    pub tier: Option<String>,
    /// Whether the message came within business hours.
    #[arg(long, value_enum)]
    pub hours: Option<HoursArg>,
}

/// `switchboard rules backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The labelled CSV: a header with `text` and `label` columns; others are ignored.
    pub file: PathBuf,
    /// Use this rules file instead of the one the config names.
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write one row per input: text, label, predicted category, priority, escalate, fired
    /// rule ids, signals (why a message escalated: `human` is a request for a person).
    #[arg(long, value_name = "OUT.csv")]
    pub predictions: Option<PathBuf>,
    /// How many rules to list as most fired.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// `switchboard rules suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The labelled CSV: a header with `text` and `label` columns; others are ignored.
    pub file: PathBuf,
    /// The label to find keywords for.
    #[arg(long)]
    pub label: String,
    /// Compare with this rules file instead of the one the config names.
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// How many keywords to list, best first.
    #[arg(long, default_value_t = 30)]
    pub top: usize,
    /// Leave out keywords found in fewer rows of the label than this.
    #[arg(long, value_name = "K", default_value_t = 3)]
    pub min_support: u64,
}
