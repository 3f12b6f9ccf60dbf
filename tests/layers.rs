//! The layers of `src/`, checked: every module belongs to one layer, may use its own layer
//! and those below, and the modules form no circle. A new top-level module must be given
//! its layer here, so that where it belongs is decided once, on purpose.
//!
//! Layers, from the bottom:
//! - core: values and pure work (domain types, text, drafts, exports, settings, errors);
//! - store: the database and the rows and queries on it;
//! - app: use cases and the work done in the background, and the state they share;
//! - web: request handlers, authentication, the access log;
//! - top: the application builder and the binaries.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LAYERS: &[(&str, &[&str])] = &[
    ("core", &["codes", "error", "config", "links", "text", "domain", "drafts", "exports", "qr"]),
    ("store", &["db", "models", "captcha", "rate_limit"]),
    ("app", &["services", "emails", "jobs", "mail", "seed", "state", "page_cache", "groupings"]),
    ("web", &["routes", "auth", "access_log"]),
    ("top", &["startup", "lib", "main", "bin"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The top-level module a file under `src/` belongs to.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.strip_suffix(".rs").map(str::to_owned).unwrap_or(first)
}

/// The source without comments (a path in prose is not an import).
fn without_comments(source: &str) -> String {
    source.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The top-level modules `source` reaches through `crate::…`, `$crate::…` and `zhengqiu::…`
/// paths, including every name in a `crate::{a, b::c}` group. Macros exported at the crate
/// root are mapped to the module that defines them.
fn uses(source: &str, macros: &BTreeMap<String, String>) -> BTreeSet<String> {
    let code = without_comments(source);
    let mut found = BTreeSet::new();
    for prefix in ["crate::", "zhengqiu::"] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.insert(first_ident(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        item.push(c);
                    }
                }
                found.insert(first_ident(&item));
            } else {
                found.insert(first_ident(rest));
            }
        }
    }
    found.remove("");
    found.into_iter().map(|name| macros.get(&name).cloned().unwrap_or(name)).collect()
}

fn first_ident(text: &str) -> String {
    text.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every top-level module's uses of other top-level modules, from the sources under `src`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let module = module_of(path.strip_prefix(src).expect("under src"));
            (module, std::fs::read_to_string(path).expect("readable source file"))
        })
        .collect();
    let mut macros = BTreeMap::new();
    for (module, source) in &sources {
        for line in source.lines() {
            if let Some(name) = line.trim().strip_prefix("macro_rules! ") {
                macros.insert(first_ident(name), module.clone());
            }
        }
    }
    graph_of(&sources, &macros)
}

fn graph_of(sources: &[(String, String)], macros: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, source) in sources {
        let targets = graph.entry(module.clone()).or_default();
        targets.extend(uses(source, macros).into_iter().filter(|t| t != module));
    }
    graph
}

/// What is wrong with the graph: modules without a layer, imports that point up, circles.
fn problems(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    for (module, targets) in graph {
        let Some(from) = layer_of(module) else {
            found.push(format!("`{module}` has no layer: add it to LAYERS in tests/layers.rs"));
            continue;
        };
        for target in targets {
            match layer_of(target) {
                Some(to) if to > from => found.push(format!(
                    "`{module}` ({}) uses `{target}` ({}), a layer above it",
                    LAYERS[from].0, LAYERS[to].0
                )),
                _ => {}
            }
        }
    }
    if let Some(circle) = find_circle(graph) {
        found.push(format!("modules use each other in a circle: {}", circle.join(" -> ")));
    }
    found
}

/// One circle of modules, if there is any (depth-first search).
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn every_module_uses_only_its_own_layer_and_those_below_and_no_modules_form_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    for (name, modules) in LAYERS.iter().rev() {
        let uses: Vec<String> = modules
            .iter()
            .filter_map(|m| {
                graph.get(*m).map(|t| format!("{m} -> {}", t.iter().cloned().collect::<Vec<_>>().join(" ")))
            })
            .collect();
        println!("{name}:\n  {}", uses.join("\n  "));
    }
    let problems = problems(&graph);
    assert!(problems.is_empty(), "the layers are broken:\n{}", problems.join("\n"));
}

#[test]
fn the_check_finds_an_upward_import_a_circle_and_a_module_without_a_layer() {
    let sources = [
        ("domain".to_owned(), "use crate::models::Opinion; // crate::routes in a comment is not an import".to_owned()),
        ("models".to_owned(), "use crate::{domain::ids::OpinionId, db};".to_owned()),
        ("db".to_owned(), "pub fn f() { crate::stored_as_text!(X {}); }".to_owned()),
        ("codes".to_owned(), "macro_rules! stored_as_text { () => {} }".to_owned()),
        ("newthing".to_owned(), String::new()),
    ];
    let macros = BTreeMap::from([("stored_as_text".to_owned(), "codes".to_owned())]);
    let graph = graph_of(&sources, &macros);
    assert_eq!(graph["models"], BTreeSet::from(["domain".to_owned(), "db".to_owned()]));
    assert_eq!(graph["db"], BTreeSet::from(["codes".to_owned()]));
    let found = problems(&graph);
    assert!(found.contains(&"`domain` (core) uses `models` (store), a layer above it".to_owned()), "{found:?}");
    assert!(
        found.iter().any(|p| p.starts_with("modules use each other in a circle: domain -> models -> domain")),
        "{found:?}"
    );
    assert!(found.contains(&"`newthing` has no layer: add it to LAYERS in tests/layers.rs".to_owned()), "{found:?}");
}
