//! Configuration in two phases, like ripgrep's low and high args.
//!
//! 1. [`RawConfig`]: serde structs with `deny_unknown_fields` and a default for every field,
//!    so a config file holds only what differs from config/switchboard.toml (which is
//!    embedded, and which a test keeps equal to `RawConfig::default()`).
//! 2. [`Settings::load`]: reads the files the config names, compiles the rules and checks
//!    the prompts; every problem comes back as a [`Diagnostic`] with its file and line.
//!    `switchboard check` runs exactly this.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use switchboard_triage::{CompileOptions, Diagnostic, Engine};

use crate::prompts::Prompts;

/// The default configuration, embedded (every setting, documented).
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/switchboard.toml");
/// The default rule pack, embedded.
pub const DEFAULT_RULES: &str = include_str!("../../../config/rules.toml");
/// The name used for the embedded rules in messages.
pub const EMBEDDED_RULES_NAME: &str = "<embedded>/config/rules.toml";

/// The config file as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    /// `[general]`
    pub general: General,
    /// `[triage]`
    pub triage: Triage,
    /// `[prompts]`
    pub prompts: PromptsConfig,
    /// `[desk]`: the support workflow.
    pub desk: switchboard_desk::DeskConfig,
    /// `[store]`: where tickets are kept.
    pub store: StoreConfig,
    /// `[admin]`: the running service's admin endpoint.
    pub admin: AdminConfig,
    /// `[telegram]`: the Telegram channel.
    pub telegram: switchboard_telegram::TelegramConfig,
    /// `[discord]`: the Discord channel.
    pub discord: switchboard_discord::DiscordConfig,
    /// `[report]`: churn risk and lifetime value in reports.
    pub report: crate::report::risk::ReportConfig,
}

/// `[admin]`: the admin endpoint of a running service.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Where the running service answers `switchboard tickets …` and health checks
    /// (HTTP, reads only). Keep it on loopback. Empty: no endpoint.
    pub listen: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            listen: "127.0.0.1:7878".into(),
        }
    }
}

/// `[store]`: the embedded database.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The directory of the store (created when missing). Relative to the working
    /// directory; every command that uses the store takes `--data DIR` to override it.
    pub path: String,
    /// sled's page cache of the service, in MiB: the process's memory grows with the
    /// store up to about this much. 32 holds the hot part of a busy desk (thousands of
    /// tickets active at once); raise it when far more are.
    pub cache_mb: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: "switchboard-data".into(),
            cache_mb: switchboard_store::DEFAULT_CACHE_BYTES / (1024 * 1024),
        }
    }
}

/// `[general]`: settings of the whole service.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct General {
    /// The locale used when neither the platform nor the text says which to use.
    pub default_locale: String,
}

/// `[triage]`: where the rules come from and how they are reloaded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Triage {
    /// The rules file; empty means the embedded default pack. Relative to the config file.
    pub rules: String,
    /// Watch the rules file and apply valid changes without a restart.
    pub reload: bool,
    /// How often the rules file is checked for changes, in milliseconds.
    pub reload_interval_ms: u64,
}

/// `[prompts]`: where overrides of the embedded sentences live.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromptsConfig {
    /// A directory of `<locale>.toml` files that override the embedded prompts key by key;
    /// empty means none. Relative to the config file.
    pub dir: String,
}

impl Default for General {
    fn default() -> Self {
        General {
            default_locale: "en".into(),
        }
    }
}

impl Default for Triage {
    fn default() -> Self {
        Triage {
            rules: String::new(),
            reload: true,
            reload_interval_ms: 1000,
        }
    }
}

/// Where the rules come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesSource {
    /// The pack compiled into the binary.
    Embedded,
    /// A file on disk.
    File(PathBuf),
}

impl RulesSource {
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            RulesSource::Embedded => EMBEDDED_RULES_NAME.to_string(),
            RulesSource::File(p) => p.display().to_string(),
        }
    }

    /// Reads the rules text.
    pub fn read(&self) -> Result<String, Diagnostic> {
        match self {
            RulesSource::Embedded => Ok(DEFAULT_RULES.to_string()),
            RulesSource::File(p) => {
                read_text(p, "fix `triage.rules` in the config or the --rules path")
            }
        }
    }
}

fn read_text(path: &Path, help: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::at(
            &path.display().to_string(),
            "",
            None,
            format!("cannot read the file: {e}"),
            help,
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        Diagnostic::at(
            &path.display().to_string(),
            &valid,
            Some(at..at),
            format!("the file is not valid UTF-8 here (byte {at})"),
            "save the file as UTF-8",
        )
    })
}

/// Everything loaded and validated: what the service and the admin commands run on.
#[derive(Debug)]
pub struct Settings {
    /// The config as written (with defaults filled in).
    pub config: RawConfig,
    /// The config file, if one was given.
    pub config_path: Option<PathBuf>,
    /// Where the rules came from.
    pub rules_source: RulesSource,
    /// The compiled rules (shared: the live rules of the service start as this engine).
    pub engine: std::sync::Arc<Engine>,
    /// The exact text `engine` was compiled from (the watcher's starting point, so that a
    /// change made right after start is not missed).
    pub rules_text: String,
    /// The prompts.
    pub prompts: Prompts,
}

/// Parses a config file's text (phase one).
pub fn parse_config(file: &str, text: &str) -> Result<RawConfig, Diagnostic> {
    toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        let help = if msg.contains("unknown field") {
            "check the spelling; config/switchboard.toml documents every setting"
        } else {
            "fix the value at this place; config/switchboard.toml documents every setting"
        };
        Diagnostic::at(file, text, e.span(), msg, help)
    })
}

impl Settings {
    /// Loads the config at `path` (or the embedded default), then the rules (`rules`
    /// overrides the config's choice) and prompts it names, and validates all of it.
    /// Returns every problem found.
    pub fn load(path: Option<&Path>, rules: Option<&Path>) -> Result<Settings, Vec<Diagnostic>> {
        let (config, base) = match path {
            None => (
                parse_config("<embedded>/config/switchboard.toml", DEFAULT_CONFIG)
                    .map_err(|d| vec![d])?,
                PathBuf::from("."),
            ),
            Some(p) => {
                let text =
                    read_text(p, "pass an existing file to --config").map_err(|d| vec![d])?;
                let cfg = parse_config(&p.display().to_string(), &text).map_err(|d| vec![d])?;
                (
                    cfg,
                    p.parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| PathBuf::from(".")),
                )
            }
        };
        let mut diags = Vec::new();
        let resolve = |s: &str| {
            let p = Path::new(s);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        if config
            .general
            .default_locale
            .parse::<switchboard_domain::Language>()
            .is_err()
        {
            diags.push(Diagnostic::at(
                &path.map_or("<embedded>".into(), |p| p.display().to_string()),
                "",
                None,
                format!(
                    "`general.default_locale = {:?}` is not a language tag",
                    config.general.default_locale
                ),
                "use a tag such as \"en\" or \"zh-CN\"",
            ));
        }
        if config.store.cache_mb == 0 {
            diags.push(Diagnostic::at(
                &path.map_or("<embedded>".into(), |p| p.display().to_string()),
                "",
                None,
                "`store.cache_mb = 0` leaves the store no page cache".to_string(),
                "use at least 1 (the default is 32, in MiB)",
            ));
        }
        let where_ = path.map_or("<embedded>".into(), |p| p.display().to_string());
        let desk = &config.desk;
        if desk
            .staff_locale
            .parse::<switchboard_domain::Language>()
            .is_err()
        {
            diags.push(Diagnostic::at(
                &where_,
                "",
                None,
                format!(
                    "`desk.staff_locale = {:?}` is not a language tag",
                    desk.staff_locale
                ),
                "use a tag such as \"en\" or \"zh-CN\"",
            ));
        }
        for (who, tier) in &desk.tiers {
            if tier.parse::<switchboard_domain::Tier>().is_err() {
                diags.push(Diagnostic::at(
                    &where_,
                    "",
                    None,
                    format!(
                        "`desk.tiers` gives {who} the tier {tier:?}, which is not a valid name"
                    ),
                    "use lowercase letters, digits, `-` and `_`, such as \"vip\"",
                ));
            }
            if !who.contains(':') {
                diags.push(Diagnostic::at(
                    &where_,
                    "",
                    None,
                    format!("`desk.tiers` key {who:?} does not name a platform"),
                    "write keys as \"platform:id\", such as \"telegram:12345\"",
                ));
            }
        }
        for (name, d) in [
            ("reopen_window", desk.reopen_window),
            ("self_service_timeout", desk.self_service_timeout),
            ("rate_window", desk.rate_window),
        ] {
            if d.0 <= 0 {
                diags.push(Diagnostic::at(
                    &where_,
                    "",
                    None,
                    format!("`desk.{name}` must be longer than 0"),
                    "use a duration such as \"15m\", \"2h\" or \"3d\"",
                ));
            }
        }
        if desk.rate_limit == 0 || desk.max_open_tickets == 0 || desk.max_message_chars == 0 {
            diags.push(Diagnostic::at(&where_, "", None, "`desk.rate_limit`, `desk.max_open_tickets` and `desk.max_message_chars` must be at least 1", "raise the value, or remove the line to use the default"));
        }
        if let Err(e) = switchboard_desk::calendar::Calendar::new(&desk.hours) {
            diags.push(Diagnostic::at(
                &where_,
                "",
                None,
                e.to_string(),
                "business hours are in [desk.hours]; see config/switchboard.toml",
            ));
        }
        if desk.sla.warn_percent == 0 || desk.sla.warn_percent > 100 {
            diags.push(Diagnostic::at(
                &where_,
                "",
                None,
                format!(
                    "`desk.sla.warn_percent = {}` is not a share of the target",
                    desk.sla.warn_percent
                ),
                "use a percentage from 1 to 100, like 80",
            ));
        }
        for e in [config.report.churn_risk.check(), config.report.clv.check()]
            .into_iter()
            .filter_map(Result::err)
        {
            diags.push(Diagnostic::at(
                &where_,
                "",
                None,
                e.to_string(),
                "the defaults and what they mean are in config/switchboard.toml under [report]",
            ));
        }
        if config.triage.reload_interval_ms == 0 {
            diags.push(Diagnostic::at(
                &path.map_or("<embedded>".into(), |p| p.display().to_string()),
                "",
                None,
                "`triage.reload_interval_ms` is 0",
                "use a positive interval such as 1000, or set `reload = false`",
            ));
        }
        let prompts_dir = (!config.prompts.dir.is_empty()).then(|| resolve(&config.prompts.dir));
        let prompts = match crate::prompts::load(prompts_dir.as_deref()) {
            Ok(p) => Some(p),
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        let rules_source = match rules {
            Some(p) => RulesSource::File(p.to_path_buf()),
            None if config.triage.rules.is_empty() => RulesSource::Embedded,
            None => RulesSource::File(resolve(&config.triage.rules)),
        };
        let answer_keys = prompts.as_ref().map(Prompts::answer_keys);
        let engine = match rules_source.read() {
            Err(d) => {
                diags.push(d);
                None
            }
            Ok(text) => match Engine::compile(
                &rules_source.name(),
                &text,
                CompileOptions {
                    answer_keys: answer_keys.as_ref(),
                },
            ) {
                Ok(e) => Some((e, text)),
                Err(e) => {
                    diags.extend(e.diagnostics().iter().cloned());
                    None
                }
            },
        };
        // Assignment agents: `platform:id` keys (as the platforms write them), skills that
        // are categories of the rules.
        for (key, agent) in &config.desk.assignment.agents {
            let platform = key
                .split_once(':')
                .filter(|(_, id)| !id.is_empty())
                .and_then(|(p, _)| {
                    p.parse::<switchboard_domain::Platform>()
                        .ok()
                        .map(|x| (p, x))
                });
            match platform {
                Some((p, x)) if p == x.as_str() => {}
                _ => diags.push(Diagnostic::at(
                    &where_,
                    "",
                    None,
                    format!("`desk.assignment.agents` key {key:?} is not a platform identity"),
                    "write it like \"telegram:12345\" or \"discord:4242\" (lowercase platform, a colon, the user's id)",
                )),
            }
            if let Some((engine, _)) = &engine {
                for skill in &agent.skills {
                    if !engine.categories().iter().any(|(c, _)| c.as_str() == skill) {
                        diags.push(Diagnostic::at(
                            &where_,
                            "",
                            None,
                            format!("agent {key:?} has the skill {skill:?}, which is not a category of the rules"),
                            "use a category from the rules' [categories], or remove it",
                        ));
                    }
                }
            }
        }
        match (engine, prompts) {
            (Some((engine, rules_text)), Some(prompts)) if diags.is_empty() => Ok(Settings {
                config,
                config_path: path.map(Path::to_path_buf),
                rules_source,
                engine: std::sync::Arc::new(engine),
                rules_text,
                prompts,
            }),
            _ => Err(diags),
        }
    }

    /// Compiles the rules again from their source with this config's prompts (for
    /// reloading).
    pub fn compile_rules(&self) -> Result<Engine, Vec<Diagnostic>> {
        let text = self.rules_source.read().map_err(|d| vec![d])?;
        self.compile_rules_text(&text)
    }

    /// Compiles `text` as this config's rules file, with this config's prompts.
    pub fn compile_rules_text(&self, text: &str) -> Result<Engine, Vec<Diagnostic>> {
        let keys = self.prompts.answer_keys();
        Engine::compile(
            &self.rules_source.name(),
            text,
            CompileOptions {
                answer_keys: Some(&keys),
            },
        )
        .map_err(|e| e.diagnostics().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_config_is_the_default() {
        let parsed = parse_config("switchboard.toml", DEFAULT_CONFIG).unwrap();
        assert_eq!(
            parsed,
            RawConfig::default(),
            "config/switchboard.toml and RawConfig::default() disagree"
        );
    }

    #[test]
    fn a_config_holds_only_what_differs() {
        let cfg = parse_config("x.toml", "[general]\ndefault_locale = \"zh-CN\"\n").unwrap();
        assert_eq!(cfg.general.default_locale, "zh-CN");
        assert_eq!(cfg.triage, Triage::default());
    }

    #[test]
    fn the_store_cache_is_configurable_and_never_zero() {
        let cfg = parse_config("x.toml", "[store]\ncache_mb = 64\n").unwrap();
        assert_eq!(cfg.store.cache_mb, 64);
        assert_eq!(
            RawConfig::default().store.cache_mb * 1024 * 1024,
            switchboard_store::DEFAULT_CACHE_BYTES
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("switchboard.toml");
        std::fs::write(&path, "[store]\ncache_mb = 0\n").unwrap();
        let diags = Settings::load(Some(&path), None).unwrap_err();
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("cache_mb = 0") && d.help.contains("at least 1")),
            "{diags:?}"
        );
    }

    #[test]
    fn unknown_config_field_is_located() {
        let d = parse_config("x.toml", "[triage]\nrelaod = false\n").unwrap_err();
        assert_eq!((d.line, d.column), (2, 1));
        assert!(d.message.contains("unknown field `relaod`"), "{d}");
    }
}
