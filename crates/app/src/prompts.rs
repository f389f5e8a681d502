//! Loading the prompts: the catalogs embedded in the binary, overlaid by the `<locale>.toml`
//! files of the directory named in the config (`[prompts] dir`). The catalog itself, its
//! validation and lookup are in [`switchboard_desk::prompts`].

use std::path::Path;

use switchboard_triage::Diagnostic;

pub use switchboard_desk::prompts::{BASE_LOCALE, EMBEDDED, Prompts};

/// Loads the embedded catalogs, then every `<locale>.toml` found in `dir`, and validates
/// them all. Returns every problem found, each with its place.
pub fn load(dir: Option<&Path>) -> Result<Prompts, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut files = Vec::new();
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
                        Ok(text) => files.push((file, locale.to_string(), text)),
                    }
                }
            }
        }
    }
    Prompts::from_files(files, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogs_validate() {
        let p = load(None).unwrap_or_else(|d| panic!("{d:#?}"));
        assert!(p.locales().any(|l| l == "zh-CN"));
        assert!(!p.answer_keys().is_empty());
    }

    #[test]
    fn locale_fallback() {
        let p = load(None).unwrap();
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
        let p = load(Some(dir.path())).unwrap();
        assert_eq!(p.get("en", "console.greeting", &[]), "Hi there");
        // Keys not overridden keep the embedded text.
        assert!(p.answer_keys().contains("refund_policy"));

        std::fs::write(
            dir.path().join("en.toml"),
            "[console]\ngreting = \"typo\"\n",
        )
        .unwrap();
        let errs = load(Some(dir.path())).unwrap_err();
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
        let errs = load(Some(dir.path())).unwrap_err();
        assert!(
            errs.iter().any(|d| d.message.contains("placeholders")),
            "{errs:#?}"
        );
    }
}
