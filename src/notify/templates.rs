//! Mail templates: `<name>.subject`, `<name>.txt` and `<name>.html` in the
//! templates folder (minijinja; HTML is escaped), loaded and checked at
//! start: a template that does not parse, is missing a part, or names a
//! variable the service does not provide stops the start with its name.

use std::collections::BTreeSet;
use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

/// The parts of a template.
const PARTS: [&str; 3] = ["subject", "txt", "html"];

/// Told to a subscription's owner when it is disabled.
pub const WEBHOOK_DISABLED: &str = "webhook_disabled";

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The loaded templates.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Templates {
    /// Loads every file of `dir` and checks the templates in `needed`
    /// (name and the sample context its variables must come from).
    pub fn load(dir: &Path, needed: &[(String, Value)]) -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in super::builtin::TEMPLATES {
            env.add_template(name, source).map_err(|e| format!("built-in mail template `{name}`: {e:#}"))?;
        }
        let templates = Self::from_folder(env, dir)?;
        for (name, sample) in needed {
            templates.check(name, sample)?;
        }
        Ok(templates)
    }

    /// Loads the templates shipped in the binary, or, when `dir` is given
    /// and exists, the operator's (which replace them file by file).
    fn from_folder(mut env: Environment<'static>, dir: &Path) -> Result<Self, String> {
        if !dir.exists() {
            tracing::warn!(folder = %dir.display(), "mail templates folder not found; using the built-in templates");
            return Ok(Self { env });
        }
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the mail templates folder {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
            if !path.is_file() || name.starts_with('.') {
                continue;
            }
            let source =
                std::fs::read_to_string(&path).map_err(|e| format!("mail template {}: {e}", path.display()))?;
            env.add_template_owned(name.clone(), source).map_err(|e| format!("mail template `{name}`: {e:#}"))?;
        }
        Ok(Self { env })
    }

    fn check(&self, name: &str, sample: &Value) -> Result<(), String> {
        let known = paths(sample);
        for part in PARTS {
            let file = format!("{name}.{part}");
            let template = self.env.get_template(&file).map_err(|_| {
                format!("mail template `{file}` is missing (every notice template has .subject, .txt and .html)")
            })?;
            if let Some(unknown) = template.undeclared_variables(true).into_iter().find(|v| !known.contains(v)) {
                return Err(format!("mail template `{file}` uses `{unknown}`, which notices do not provide"));
            }
            template.render(sample).map_err(|e| format!("mail template `{file}`: {e:#}"))?;
        }
        Ok(())
    }

    /// Renders the three parts of `name` for `context`.
    pub fn render(&self, name: &str, context: &Value) -> Result<Rendered, String> {
        let part = |part: &str| -> Result<String, String> {
            let file = format!("{name}.{part}");
            let template = self.env.get_template(&file).map_err(|e| format!("mail template `{file}`: {e}"))?;
            template.render(context).map_err(|e| format!("mail template `{file}`: {e:#}"))
        };
        let subject = part("subject")?.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Rendered { subject, text: part("txt")?, html: part("html")? })
    }
}

/// Every dotted path of a JSON object (`ticket`, `ticket.number`, …): the
/// variables a template may use.
fn paths(value: &Value) -> BTreeSet<String> {
    fn walk(prefix: &str, value: &Value, into: &mut BTreeSet<String>) {
        if let Value::Object(map) = value {
            for (key, inner) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                walk(&path, inner, into);
                into.insert(path);
            }
        }
    }
    let mut found = BTreeSet::new();
    walk("", value, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).unwrap_or_else(|e| panic!("{e}"));
        }
        dir
    }

    fn sample() -> Vec<(String, Value)> {
        vec![("hello".to_owned(), json!({ "ticket": { "number": "TKT-1", "title": "<b>x</b>" } }))]
    }

    #[test]
    fn templates_render_and_html_is_escaped() {
        let dir = folder(&[
            ("hello.subject", "Tiket\n{{ ticket.number }}"),
            ("hello.txt", "{{ ticket.title }}"),
            ("hello.html", "<p>{{ ticket.title }}</p>"),
        ]);
        let templates = Templates::load(dir.path(), &sample()).unwrap_or_else(|e| panic!("{e}"));
        let rendered = templates.render("hello", &sample()[0].1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rendered.subject, "Tiket TKT-1");
        assert_eq!(rendered.text, "<b>x</b>");
        assert_eq!(rendered.html, "<p>&lt;b&gt;x&lt;&#x2f;b&gt;</p>");
    }

    #[test]
    fn an_unknown_variable_a_syntax_error_or_a_missing_part_names_the_template() {
        let unknown = folder(&[("hello.subject", "{{ ticket.nomor }}"), ("hello.txt", "x"), ("hello.html", "x")]);
        let error = Templates::load(unknown.path(), &sample()).err().unwrap_or_default();
        assert!(error.contains("hello.subject") && error.contains("ticket.nomor"), "{error}");
        let broken = folder(&[("hello.subject", "{{ ticket.number"), ("hello.txt", "x"), ("hello.html", "x")]);
        let error = Templates::load(broken.path(), &sample()).err().unwrap_or_default();
        assert!(error.contains("hello.subject"), "{error}");
        let missing = folder(&[("hello.subject", "x"), ("hello.txt", "x")]);
        let error = Templates::load(missing.path(), &sample()).err().unwrap_or_default();
        assert!(error.contains("hello.html"), "{error}");
    }
}
