//! Every user-facing sentence, by key, per locale, with fallback to `en`.
//!
//! The catalogs in prompts/ are embedded in the binary; a prompts directory named in the
//! config overrides them key by key, so an admin changes one sentence without copying the
//! rest. Validation checks that every locale has exactly the keys of `en` and the same
//! `{placeholders}`, so a translation can never be missing at run time.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use switchboard_triage::Diagnostic;

/// The embedded catalogs: (locale, file name, text).
pub const EMBEDDED: &[(&str, &str, &str)] = &[
    (
        "en",
        "prompts/en.toml",
        include_str!("../../../prompts/en.toml"),
    ),
    (
        "zh-CN",
        "prompts/zh-CN.toml",
        include_str!("../../../prompts/zh-CN.toml"),
    ),
];

/// The locale every other falls back to, and whose keys every other must have.
pub const BASE_LOCALE: &str = "en";

/// The loaded catalogs.
#[derive(Debug, Clone)]
pub struct Prompts {
    /// locale -> (flat dotted key -> text).
    locales: BTreeMap<String, BTreeMap<String, String>>,
    /// locale -> the file each key came from (for messages).
    sources: BTreeMap<String, String>,
}

/// Flattens nested TOML tables into dotted keys (`[answer] refund = ".."` -> `answer.refund`).
fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            other => {
                return Err(format!(
                    "`{key}` is a {}, but prompts must be text",
                    other.type_str()
                ));
            }
        }
    }
    Ok(())
}

fn parse(file: &str, text: &str) -> Result<BTreeMap<String, String>, Diagnostic> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        Diagnostic::at(
            file,
            text,
            e.span(),
            e.message().trim(),
            "fix the TOML syntax at this place",
        )
    })?;
    let mut out = BTreeMap::new();
    flatten("", &table, &mut out)
        .map_err(|e| Diagnostic::at(file, text, None, e, "write the prompt as a quoted string"))?;
    Ok(out)
}

/// The `{name}` placeholders of a prompt.
fn placeholders(s: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    out.insert(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Finds the line of `key`'s last segment in `text`, for pointing at it.
fn key_line(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let leaf = key.rsplit('.').next()?;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.strip_prefix(leaf)
            .is_some_and(|r| r.trim_start().starts_with('='))
        {
            let start = offset + (line.len() - t.len());
            return Some(start..start + leaf.len());
        }
        offset += line.len();
    }
    None
}

impl Prompts {
    /// Loads the embedded catalogs, then overlays every `<locale>.toml` found in `dir`.
    /// The embedded English catalog is the contract: it has exactly the keys the code uses.
    /// Every locale must have all of them with the same placeholders, and an override may
    /// only replace known keys. Returns every problem found, each with its place.
    pub fn load(dir: Option<&Path>) -> Result<Prompts, Vec<Diagnostic>> {
        let mut locales: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut sources = BTreeMap::new();
        // Every file read: (file name, text, locale, its keys).
        let mut files: Vec<(String, String, String, BTreeMap<String, String>)> = Vec::new();
        let mut diags = Vec::new();
        for (locale, file, text) in EMBEDDED {
            match parse(file, text) {
                Ok(map) => {
                    files.push((file.to_string(), text.to_string(), locale.to_string(), map))
                }
                Err(d) => diags.push(d),
            }
        }
        if let Some(dir) = dir {
            match std::fs::read_dir(dir) {
                Err(e) => diags.push(Diagnostic::at(
                    &dir.display().to_string(),
                    "",
                    None,
                    format!("cannot read the prompts directory: {e}"),
                    "fix `prompts.dir` in the config, or create the directory",
                )),
                Ok(entries) => {
                    let mut paths: Vec<_> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                        .collect();
                    paths.sort();
                    for path in paths {
                        let Some(locale) = path.file_stem().and_then(|s| s.to_str()) else {
                            continue;
                        };
                        let file = path.display().to_string();
                        match std::fs::read_to_string(&path) {
                            Err(e) => diags.push(Diagnostic::at(
                                &file,
                                "",
                                None,
                                format!("cannot read: {e}"),
                                "check the file's permissions and encoding (UTF-8)",
                            )),
                            Ok(text) => match parse(&file, &text) {
                                Ok(map) => files.push((file, text, locale.to_string(), map)),
                                Err(d) => diags.push(d),
                            },
                        }
                    }
                }
            }
        }
        let base: BTreeMap<String, String> = files
            .iter()
            .find(|f| f.2 == BASE_LOCALE)
            .map(|f| f.3.clone())
            .unwrap_or_default();
        if base.is_empty() {
            diags.push(Diagnostic::at(
                "prompts/en.toml",
                "",
                None,
                "the English catalog is empty or unreadable",
                "keep prompts/en.toml: every other locale falls back to it",
            ));
        }
        for (file, text, locale, map) in &files {
            for (key, t) in map {
                let place = key_line(text, key);
                match base.get(key) {
                    None => diags.push(Diagnostic::at(
                        file,
                        text,
                        place,
                        format!("prompt `{key}` in `{locale}` does not exist in `en`"),
                        "fix the key's spelling; prompts/en.toml lists every key",
                    )),
                    Some(en) if placeholders(t) != placeholders(en) => diags.push(Diagnostic::at(
                        file,
                        text,
                        place,
                        format!(
                            "prompt `{key}` in `{locale}` has placeholders {:?}, but `en` has {:?}",
                            placeholders(t),
                            placeholders(en)
                        ),
                        "use the same {placeholders} as the English text",
                    )),
                    Some(_) => {}
                }
            }
            locales
                .entry(locale.clone())
                .or_default()
                .extend(map.clone());
            sources.insert(locale.clone(), file.clone());
        }
        for (locale, map) in &locales {
            let (file, text) = files
                .iter()
                .rev()
                .find(|f| &f.2 == locale)
                .map(|f| (f.0.clone(), f.1.clone()))
                .unwrap_or_default();
            for (key, en) in &base {
                if !map.contains_key(key) {
                    diags.push(Diagnostic::at(
                        &file,
                        &text,
                        None,
                        format!("prompt `{key}` is missing in locale `{locale}`"),
                        format!("add `{key}` (the English text is: {en:?})"),
                    ));
                }
            }
        }
        if diags.is_empty() {
            Ok(Prompts { locales, sources })
        } else {
            Err(diags)
        }
    }

    /// The keys under `[answer]` (without the `answer.` prefix): what rules may name in
    /// `answer`. Validation guarantees every locale has them all.
    pub fn answer_keys(&self) -> HashSet<String> {
        self.locales
            .get(BASE_LOCALE)
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.strip_prefix("answer."))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The locales available, sorted.
    pub fn locales(&self) -> impl Iterator<Item = &str> {
        self.locales.keys().map(String::as_str)
    }

    /// The locale used for `wanted`: itself if present, else one with the same primary
    /// subtag (`zh` -> `zh-CN`), else `en`.
    pub fn resolve_locale(&self, wanted: &str) -> &str {
        if let Some((k, _)) = self.locales.get_key_value(wanted) {
            return k;
        }
        let primary = wanted
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        self.locales
            .keys()
            .find(|k| {
                k.eq_ignore_ascii_case(wanted)
                    || k.split('-')
                        .next()
                        .is_some_and(|p| p.eq_ignore_ascii_case(&primary))
            })
            .map(String::as_str)
            .unwrap_or(BASE_LOCALE)
    }

    /// The text of `key` in `locale` (with fallback), with `{name}` placeholders replaced.
    /// An unknown key (a bug: validation checks the keys code uses) yields the key itself,
    /// so a person sees something rather than nothing.
    pub fn get(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        let loc = self.resolve_locale(locale);
        let text = self
            .locales
            .get(loc)
            .and_then(|m| m.get(key))
            .or_else(|| self.locales.get(BASE_LOCALE).and_then(|m| m.get(key)));
        let Some(text) = text else {
            tracing::error!(key, locale, "prompt key missing");
            return key.to_string();
        };
        let mut out = text.clone();
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }

    /// The file a locale was last loaded from.
    pub fn source(&self, locale: &str) -> Option<&str> {
        self.sources.get(locale).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogs_validate() {
        let p = Prompts::load(None).unwrap_or_else(|d| panic!("{d:#?}"));
        assert!(p.locales().any(|l| l == "zh-CN"));
        assert!(!p.answer_keys().is_empty());
    }

    #[test]
    fn locale_fallback() {
        let p = Prompts::load(None).unwrap();
        assert_eq!(p.resolve_locale("zh"), "zh-CN");
        assert_eq!(p.resolve_locale("zh-TW"), "zh-CN");
        assert_eq!(p.resolve_locale("de"), "en");
        assert_eq!(p.resolve_locale("en-GB"), "en");
    }

    #[test]
    fn overrides_merge_key_by_key_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("en.toml"),
            "[console]\ngreeting = \"Hi there\"\n",
        )
        .unwrap();
        let p = Prompts::load(Some(dir.path())).unwrap();
        assert_eq!(p.get("en", "console.greeting", &[]), "Hi there");
        // Keys not overridden keep the embedded text.
        assert!(p.answer_keys().contains("refund_policy"));

        std::fs::write(
            dir.path().join("en.toml"),
            "[console]\ngreting = \"typo\"\n",
        )
        .unwrap();
        let errs = Prompts::load(Some(dir.path())).unwrap_err();
        let all: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
        assert!(
            all.iter()
                .any(|e| e.contains("`console.greting`") && e.contains(":2:1:")),
            "{all:#?}"
        );
    }

    #[test]
    fn placeholders_must_agree() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("zh-CN.toml"),
            "[console]\nverdict = \"分类 {categry}\"\n",
        )
        .unwrap();
        let errs = Prompts::load(Some(dir.path())).unwrap_err();
        assert!(
            errs.iter().any(|d| d.message.contains("placeholders")),
            "{errs:#?}"
        );
    }
}
