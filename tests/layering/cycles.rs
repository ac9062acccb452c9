//! Circles among the modules of one folder. A file that names a module
//! elsewhere makes the two children of their nearest common folder depend
//! on each other: `db/changes/moves.rs` naming `db::journal::record` makes
//! `changes` depend on `journal` within `db/`, and `src/state.rs` naming
//! `api::…` makes `state` depend on `api` within the crate. A folder's own
//! `mod.rs` is its parent, not a sibling, so it joins no circle.

use std::collections::{BTreeMap, BTreeSet};

use crate::source::SourceFile;

/// One circle: the folder, its modules in the circle, and one place
/// behind each dependency between them.
pub struct Circle {
    folder: Vec<String>,
    modules: Vec<String>,
    evidence: Vec<String>,
}

type Graph = BTreeMap<Vec<String>, BTreeMap<String, BTreeMap<String, String>>>;

/// Every circle, folder by folder.
pub fn circles(files: &[SourceFile]) -> Vec<Circle> {
    let graph = sibling_graph(files);
    let mut found = Vec::new();
    for (folder, edges) in &graph {
        for modules in strongly_connected(edges).into_iter().filter(|c| c.len() > 1) {
            let mut evidence = Vec::new();
            for from in &modules {
                for (to, place) in &edges[from] {
                    if modules.contains(to) {
                        evidence.push(format!("    {from} -> {to}: {place}"));
                    }
                }
            }
            found.push(Circle { folder: folder.clone(), modules, evidence });
        }
    }
    found
}

pub fn describe(circle: &Circle) -> String {
    let folder = if circle.folder.is_empty() { "src/".to_owned() } else { format!("src/{}/", circle.folder.join("/")) };
    format!(
        "{folder}: {} name each other in a circle; put the piece they share where both can name it \
         (a lower module), or pass it as a value:\n{}",
        circle.modules.join(", "),
        circle.evidence.join("\n")
    )
}

/// Per folder: which child names which, with the first place it does.
fn sibling_graph(files: &[SourceFile]) -> Graph {
    let owner = owners(files);
    let mut graph = Graph::new();
    for file in files {
        for named in &file.names {
            let Some(target) = owning_file(&owner, &named.absolute) else { continue };
            let common = file.module.iter().zip(target).take_while(|(a, b)| a == b).count();
            let (Some(from), Some(to)) = (file.module.get(common), target.get(common)) else { continue };
            let edges = graph.entry(file.module[..common].to_vec()).or_default();
            edges.entry(to.clone()).or_default();
            let place = format!("{}:{} `{}`", file.path, named.line, named.written);
            edges.entry(from.clone()).or_default().entry(to.clone()).or_insert(place);
        }
    }
    graph
}

/// Each module (file or inline) mapped to the file module that holds it.
fn owners(files: &[SourceFile]) -> BTreeMap<Vec<String>, Vec<String>> {
    let mut owner = BTreeMap::new();
    for file in files {
        owner.insert(file.module.clone(), file.module.clone());
        for inline in &file.inline_modules {
            owner.insert(inline.clone(), file.module.clone());
        }
    }
    owner
}

/// The file that defines what `path` names: its longest known module prefix.
fn owning_file<'a>(owner: &'a BTreeMap<Vec<String>, Vec<String>>, path: &[String]) -> Option<&'a Vec<String>> {
    (0..=path.len()).rev().find_map(|len| owner.get(&path[..len]))
}

/// Tarjan's strongly connected components.
fn strongly_connected(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeMap<String, String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a str) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        for next in s.edges.get(node).into_iter().flat_map(|e| e.keys()) {
            if !s.index.contains_key(next.as_str()) {
                visit(s, next);
                let low = s.low[node].min(s.low[next.as_str()]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next.as_str()) {
                let low = s.low[node].min(s.index[next.as_str()]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.push(top.to_owned());
                if top == node {
                    break;
                }
            }
            component.sort();
            s.found.push(component);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !s.index.contains_key(node.as_str()) {
            visit(&mut s, node);
        }
    }
    s.found
}
