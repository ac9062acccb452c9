//! Reads `src/` as Rust tokens: each file's module path, every path it
//! names from our crate (`crate::…`, `super::…`, `self::…`, with `use`
//! trees expanded, and strings that hold such a path, as in
//! `serialize_with = "crate::…"`), the crates it names at the root of a
//! path, and where it writes `unsafe`. Tokens, not text, so comments and
//! prose never count.

use std::path::Path;
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// One file under `src/`.
pub struct SourceFile {
    /// As written in messages: `src/db/changes/moves.rs`.
    pub path: String,
    /// `["db", "changes", "moves"]`; `[]` for `lib.rs`.
    pub module: Vec<String>,
    /// Modules written inline (`mod tests { … }`), as full module paths.
    pub inline_modules: Vec<Vec<String>>,
    /// Paths into our crate, made absolute.
    pub names: Vec<Named>,
    /// Identifiers that begin a path or stand alone (`diesel` in
    /// `diesel::prelude`, `unsafe`), with their lines.
    pub roots: Vec<(String, usize)>,
}

/// A path into our crate that a file names.
pub struct Named {
    pub line: usize,
    /// As written, `super::round::check_staffed`.
    pub written: String,
    /// From the crate root: `["db", "changes", "round", "check_staffed"]`.
    pub absolute: Vec<String>,
}

/// Every `.rs` file under `src`, but `main.rs` (the binary, a crate of its
/// own that names the library as `spbe_desk`).
pub fn read_tree(src: &Path) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    collect(src, &mut paths);
    paths.sort();
    paths
        .iter()
        .filter(|path| path.strip_prefix(src).ok() != Some(Path::new("main.rs")))
        .map(|path| read(src, path))
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn read(src: &Path, path: &Path) -> SourceFile {
    let relative = path.strip_prefix(src).unwrap();
    let mut module: Vec<String> =
        relative.with_extension("").iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
        module.pop();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let tokens = TokenStream::from_str(&text).unwrap_or_else(|e| panic!("{}: not Rust: {e:?}", path.display()));
    let mut file = SourceFile {
        path: format!("src/{}", relative.display()),
        module: module.clone(),
        inline_modules: Vec::new(),
        names: Vec::new(),
        roots: Vec::new(),
    };
    walk(&tokens.into_iter().collect::<Vec<_>>(), &module, &mut file);
    file
}

fn walk(tokens: &[TokenTree], module: &[String], file: &mut SourceFile) {
    let mut i = 0;
    while i < tokens.len() {
        let after_colons = i >= 2 && is_colons(tokens, i - 2);
        match &tokens[i] {
            TokenTree::Ident(word) if word == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    if body.delimiter() == Delimiter::Brace {
                        let inner = [module, &[name.to_string()]].concat();
                        file.inline_modules.push(inner.clone());
                        walk(&body.stream().into_iter().collect::<Vec<_>>(), &inner, file);
                        i += 3;
                        continue;
                    }
                }
            }
            TokenTree::Ident(word) if !after_colons && is_local_root(&word.to_string()) && is_colons(tokens, i + 1) => {
                let line = word.span().start().line;
                let (paths, next) = path_at(tokens, i);
                for written in paths {
                    push_named(file, module, line, written);
                }
                i = next;
                continue;
            }
            TokenTree::Ident(word) if !after_colons => file.roots.push((word.to_string(), word.span().start().line)),
            TokenTree::Group(group) => walk(&group.stream().into_iter().collect::<Vec<_>>(), module, file),
            TokenTree::Literal(literal) => {
                let text = literal.to_string();
                let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
                if let Some(path) = inner.filter(|t| is_path_text(t)) {
                    let written = path.split("::").map(str::to_owned).collect();
                    push_named(file, module, literal.span().start().line, written);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

fn is_local_root(word: &str) -> bool {
    matches!(word, "crate" | "super" | "self")
}

/// A string that is nothing but a path into our crate.
fn is_path_text(text: &str) -> bool {
    let mut segments = text.split("::");
    segments.next().is_some_and(is_local_root)
        && text.contains("::")
        && segments.all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

fn is_colons(tokens: &[TokenTree], at: usize) -> bool {
    match (tokens.get(at), tokens.get(at + 1)) {
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) => {
            a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
        }
        _ => false,
    }
}

/// The paths written from `tokens[start]` on (several for a `use` tree),
/// and the index after them.
fn path_at(tokens: &[TokenTree], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = vec![tokens[start].to_string()];
    let mut i = start + 1;
    while is_colons(tokens, i) {
        i += 2;
        match tokens.get(i) {
            Some(TokenTree::Ident(segment)) => prefix.push(segment.to_string()),
            Some(TokenTree::Group(tree)) if tree.delimiter() == Delimiter::Brace => {
                let items: Vec<TokenTree> = tree.stream().into_iter().collect();
                return (use_tree(&items, &prefix), i + 1);
            }
            _ => break,
        }
        i += 1;
    }
    (vec![prefix], i)
}

/// The paths of a braced `use` tree's items, each after `prefix`.
fn use_tree(items: &[TokenTree], prefix: &[String]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for item in items.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let mut path = prefix.to_vec();
        let mut i = 0;
        while i < item.len() {
            match &item[i] {
                TokenTree::Ident(word) if word == "as" => break,
                TokenTree::Ident(word) if word == "self" => {}
                TokenTree::Ident(word) => path.push(word.to_string()),
                TokenTree::Group(tree) if tree.delimiter() == Delimiter::Brace => {
                    let inner: Vec<TokenTree> = tree.stream().into_iter().collect();
                    paths.extend(use_tree(&inner, &path));
                    path.clear();
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        if !path.is_empty() && !item.is_empty() {
            paths.push(path);
        }
    }
    paths
}

fn push_named(file: &mut SourceFile, module: &[String], line: usize, written: Vec<String>) {
    let mut absolute: Vec<String> = Vec::new();
    let mut segments = written.iter().peekable();
    match segments.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segments.next();
        }
        Some("self") => {
            segments.next();
            absolute = module.to_vec();
        }
        _ => absolute = module.to_vec(),
    }
    for segment in segments {
        if segment == "super" {
            absolute.pop();
        } else {
            absolute.push(segment.clone());
        }
    }
    file.names.push(Named { line, written: written.join("::"), absolute });
}
