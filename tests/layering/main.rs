//! The layers the build enforces. Every file under `src/` is read as tokens
//! (`source`), and its paths into our crate are checked against the table
//! of layers below: a module names only modules of the layers before its
//! own; no folder's modules name each other in a circle (the top-level
//! modules, the aggregates of `db/`, the files of any folder); the domain
//! names nothing of ours but itself and no framework crate; and `unsafe`
//! stands only in `src/memory.rs`.
//!
//! A new top-level module gets a row here before the tests pass, and a
//! line in the README's layout section, which lists the layers in the same
//! order (checked too).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly by design")]

mod cycles;
mod source;

use std::collections::BTreeMap;
use std::path::Path;

use source::{read_tree, SourceFile};

/// The top-level modules from the bottom up: each may name those of the
/// rows before its own, never one of its own row or a later one.
const LAYERS: &[(&[&str], &str)] = &[
    (&["domain"], "pure rules: no I/O, no clock, no framework"),
    (&["clock", "files", "memory", "metrics", "redact"], "small services that stand alone"),
    (&["db"], "storage: one module per aggregate, the journal"),
    (&["notify"], "notices: fan-out, mail and webhook delivery"),
    (&["config"], "settings: each part's settings, read at start"),
    (&["telemetry"], "logging, as configured"),
    (&["error"], "the API's problem answers"),
    (&["auth"], "passwords, tokens, keys and the request extractor"),
    (&["jobs"], "background workers"),
    (&["backup"], "backups of an installation and their restore"),
    (&["state"], "what request handlers share"),
    (&["api"], "handlers, request and response types, the OpenAPI document"),
    (&["startup"], "builds the application"),
    (&["cli"], "the commands"),
];

/// Crates that bring I/O or a framework: the domain names none of them.
const FRAMEWORK_CRATES: &[&str] = &[
    "actix_cors",
    "actix_multipart",
    "actix_web",
    "diesel",
    "diesel_migrations",
    "figment",
    "lettre",
    "minijinja",
    "prometheus",
    "reqwest",
    "tokio",
    "tracing",
    "tracing_actix_web",
    "utoipa",
];

/// The one file allowed to write `unsafe` (a C call with no pointers).
const UNSAFE_FILE: &str = "src/memory.rs";

fn tree() -> Vec<SourceFile> {
    read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(modules, _)| modules.contains(&module))
}

/// Fails with every broken rule, one per line: where, what, and the rule.
fn verdict(broken: Vec<String>) {
    assert!(broken.is_empty(), "{} broken layering rule(s):\n{}\n", broken.len(), broken.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let files = tree();
    let mut first_file: BTreeMap<&str, &str> = BTreeMap::new();
    for file in &files {
        if let Some(top) = file.module.first() {
            first_file.entry(top.as_str()).or_insert(file.path.as_str());
        }
    }
    let broken = first_file
        .iter()
        .filter(|(top, _)| layer_of(top).is_none())
        .map(|(top, path)| format!("{path}:1: `{top}` is in no row of LAYERS (tests/layering/main.rs): give it one"))
        .collect();
    verdict(broken);
}

#[test]
fn a_module_names_only_the_layers_below_its_own() {
    let mut broken = Vec::new();
    for file in tree() {
        let Some(own) = file.module.first() else { continue };
        let Some(own_layer) = layer_of(own) else { continue };
        for named in &file.names {
            let Some(target) = named.absolute.first().filter(|t| *t != own) else { continue };
            let Some(target_layer) = layer_of(target) else { continue };
            if target_layer >= own_layer {
                broken.push(format!(
                    "{}:{}: `{}`: {own} (layer {own_layer}, {}) names {target} (layer {target_layer}, {}); \
                     a module names only the layers before its own (pass what it needs as a value instead)",
                    file.path, named.line, named.written, LAYERS[own_layer].1, LAYERS[target_layer].1
                ));
            }
        }
    }
    verdict(broken);
}

#[test]
fn the_domain_names_nothing_of_ours_but_itself_and_no_framework() {
    let mut broken = Vec::new();
    for file in tree().iter().filter(|file| file.module.first().is_some_and(|m| m == "domain")) {
        for named in file.names.iter().filter(|n| n.absolute.first().is_none_or(|m| m != "domain")) {
            broken.push(format!(
                "{}:{}: `{}`: the domain names only the domain (it takes values, never storage or settings)",
                file.path, named.line, named.written
            ));
        }
        for (word, line) in file.roots.iter().filter(|(word, _)| FRAMEWORK_CRATES.contains(&word.as_str())) {
            broken.push(format!(
                "{}:{line}: `{word}`: the domain names no framework crate (schemas, rows and handlers live in api/ and db/)",
                file.path
            ));
        }
    }
    verdict(broken);
}

#[test]
fn no_folder_has_modules_that_name_each_other_in_a_circle() {
    let files = tree();
    let circles = cycles::circles(&files);
    let broken = circles.iter().map(cycles::describe).collect();
    verdict(broken);
}

#[test]
fn unsafe_stands_only_in_the_memory_module() {
    let broken = tree()
        .iter()
        .filter(|file| file.path != UNSAFE_FILE)
        .flat_map(|file| {
            file.roots.iter().filter(|(word, _)| word == "unsafe").map(move |(_, line)| {
                format!("{}:{line}: `unsafe`: only {UNSAFE_FILE} may write unsafe code", file.path)
            })
        })
        .collect();
    verdict(broken);
}

#[test]
fn the_table_names_only_modules_that_exist() {
    let files = tree();
    let top: BTreeMap<&str, ()> = files.iter().filter_map(|f| f.module.first()).map(|m| (m.as_str(), ())).collect();
    let broken = LAYERS
        .iter()
        .flat_map(|(modules, _)| modules.iter())
        .filter(|module| !top.contains_key(*module))
        .map(|module| format!("tests/layering/main.rs: LAYERS names `{module}`, which src/ does not have"))
        .collect();
    verdict(broken);
}

#[test]
fn the_readme_lists_the_layers_in_their_order() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let layout = readme.split("## Layout").nth(1).and_then(|rest| rest.split("```").nth(1)).unwrap_or_default();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    let mut last: Option<(usize, usize, String)> = None;
    for (layer, (modules, _)) in LAYERS.iter().enumerate() {
        for module in *modules {
            let written = if src.join(module).is_dir() { format!("src/{module}/") } else { format!("{module}.rs") };
            let Some(at) = layout.find(&written) else {
                broken.push(format!("README.md: the layout section does not mention `{written}`"));
                continue;
            };
            if let Some((before_layer, before_at, before)) = last.as_ref().filter(|(l, a, _)| *l < layer && *a > at) {
                broken.push(format!(
                    "README.md: the layout section lists `{written}` (layer {layer}) before `{before}` \
                     (layer {before_layer}, at byte {before_at}); list the layers bottom up, as LAYERS does"
                ));
            }
            if last.as_ref().is_none_or(|(_, a, _)| at > *a) {
                last = Some((layer, at, written));
            }
        }
    }
    verdict(broken);
}
