//! Every user-facing sentence, by key, per locale, with fallback to `en`.
//!
//! The catalogs in prompts/ are embedded in the binary ([`EMBEDDED`]); the binary may add
//! override files that replace sentences key by key ([`Prompts::from_files`] takes them all
//! and validates: every locale has exactly the keys of the embedded English catalog, with
//! the same `{placeholders}`, so a translation can never be missing at run time). Reading
//! the override files is the binary's job: this module does no I/O.

use std::collections::{BTreeMap, BTreeSet, HashSet};

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

/// Why a catalog that is valid TOML is still no catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum CatalogError {
    /// A value that is not a string (nor a table of them).
    #[error("`{key}` is a {found}, but prompts must be text")]
    NotText {
        /// The dotted key.
        key: String,
        /// The TOML type found.
        found: &'static str,
    },
}

/// Flattens nested TOML tables into dotted keys (`[answer] refund = ".."` -> `answer.refund`).
fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), CatalogError> {
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
                return Err(CatalogError::NotText {
                    key,
                    found: other.type_str(),
                });
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
    flatten("", &table, &mut out).map_err(|e| {
        Diagnostic::at(
            file,
            text,
            None,
            e.to_string(),
            "write the prompt as a quoted string",
        )
    })?;
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
    /// The embedded catalogs, parsed and validated.
    pub fn embedded() -> Result<Prompts, Vec<Diagnostic>> {
        Prompts::from_files(Vec::new(), Vec::new())
    }

    /// Builds the catalogs from the embedded files followed by `overrides`
    /// (`(file name, locale, text)`, applied in order), and validates them. `diags` are
    /// problems the caller already found (unreadable files); they are returned with the
    /// rest, so that one call reports everything.
    pub fn from_files(
        overrides: Vec<(String, String, String)>,
        mut diags: Vec<Diagnostic>,
    ) -> Result<Prompts, Vec<Diagnostic>> {
        let mut locales: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut sources = BTreeMap::new();
        // Every file read: (file name, text, locale, its keys).
        let mut files: Vec<(String, String, String, BTreeMap<String, String>)> = Vec::new();
        let embedded = EMBEDDED
            .iter()
            .map(|(locale, file, text)| (file.to_string(), locale.to_string(), text.to_string()));
        for (file, locale, text) in embedded.chain(overrides) {
            match parse(&file, &text) {
                Ok(map) => files.push((file, text, locale, map)),
                Err(d) => diags.push(d),
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
        fill(text, args)
    }

    /// The text of `key` in `locale` itself (no fallback), or `None`: for optional words
    /// such as a category's name in the customer's language, where the caller has its own
    /// fallback.
    pub fn lookup(&self, locale: &str, key: &str) -> Option<&str> {
        let loc = self.resolve_locale(locale);
        self.locales.get(loc)?.get(key).map(String::as_str)
    }

    /// The text of `key` in every locale, unfilled: for word lists (`[replies]`) that are
    /// read in every language at once, since a customer's locale may be a wrong guess.
    pub fn every<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.locales
            .values()
            .filter_map(move |m| m.get(key).map(String::as_str))
    }

    /// The file a locale was last loaded from.
    pub fn source(&self, locale: &str) -> Option<&str> {
        self.sources.get(locale).map(String::as_str)
    }
}

/// `text` with each `{name}` of `args` replaced, in one pass: a value that itself contains
/// `{name}` (a customer called `{ticket}`) is not replaced again. Unknown placeholders stay.
fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(text.len() + args.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill(
                "{name} has {ticket}: {name}!",
                &[("name", "{ticket}"), ("ticket", "T-1")]
            ),
            "{ticket} has T-1: {ticket}!"
        );
        assert_eq!(fill("{unknown} {x", &[("x", "1")]), "{unknown} {x");
        assert_eq!(fill("{}{{x}}", &[("x", "1")]), "{}{1}");
        assert_eq!(fill("价格 {x}。", &[("x", "¥5")]), "价格 ¥5。");
    }

    fn file(name: &str, locale: &str, text: &str) -> (String, String, String) {
        (name.into(), locale.into(), text.into())
    }

    #[test]
    fn embedded_catalogs_validate_and_fall_back() {
        let p = Prompts::embedded().unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(p.resolve_locale("zh"), "zh-CN");
        assert_eq!(p.resolve_locale("zh-TW"), "zh-CN");
        assert_eq!(p.resolve_locale("de"), "en");
        assert_eq!(p.resolve_locale("en-GB"), "en");
        assert!(p.answer_keys().contains("refund_policy"));
    }

    #[test]
    fn overrides_replace_known_keys_only() {
        let p = Prompts::from_files(
            vec![file("mine/en.toml", "en", "[console]\ngreeting = \"Hi\"\n")],
            vec![],
        )
        .unwrap();
        assert_eq!(p.get("en", "console.greeting", &[]), "Hi");
        assert_ne!(p.get("zh-CN", "console.greeting", &[]), "Hi");
        let errs = Prompts::from_files(
            vec![file("mine/en.toml", "en", "[console]\ngreting = \"Hi\"\n")],
            vec![],
        )
        .unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(
            errs[0].to_string().lines().next().unwrap(),
            "mine/en.toml:2:1: error: prompt `console.greting` in `en` does not exist in `en`"
        );
    }

    #[test]
    fn a_new_locale_must_have_every_key() {
        let errs = Prompts::from_files(
            vec![file("de.toml", "de", "[console]\ngreeting = \"Hallo\"\n")],
            vec![],
        )
        .unwrap_err();
        assert!(
            errs.iter()
                .all(|d| d.message.contains("is missing in locale `de`")),
            "{errs:#?}"
        );
        assert!(errs.len() > 5);
    }

    #[test]
    fn placeholders_are_filled_and_must_agree() {
        let p = Prompts::embedded().unwrap();
        assert_eq!(
            p.get(
                "en",
                "console.verdict",
                &[("category", "billing"), ("priority", "high")]
            ),
            "category billing, priority high"
        );
        let errs = Prompts::from_files(
            vec![file(
                "zh-CN.toml",
                "zh-CN",
                "[console]\nverdict = \"分类 {categry}\"\n",
            )],
            vec![],
        )
        .unwrap_err();
        assert!(errs[0].message.contains("placeholders"), "{errs:#?}");
    }
}
