//! Rendering the shipped map: golden files (regenerate with `UPDATE_GOLDEN=1 cargo test`), and
//! the outputs fed to Graphviz (`dot -Tsvg`) and to Mermaid's own parser when installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use switchyard_contracts::{Catalog, EventRef};
use switchyard_dependency_map::render::{render_dot, render_mermaid};
use switchyard_dependency_map::{DependencyMap, ImpactQuery, impact};

/// (file name, rendered text) for the plain map and the map with `enrollment.created@v2`'s
/// impact highlighted, in both languages.
fn renders() -> Vec<(&'static str, String)> {
    let map = DependencyMap::load(DependencyMap::shipped_root()).expect("shipped map");
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog");
    let query = ImpactQuery::Events { events: vec![EventRef::parse("enrollment.created@v2").unwrap()] };
    let report = impact(&map, &catalog, &query);
    vec![
        ("shipped.mmd", render_mermaid(&map, None)),
        ("shipped-enrollment-created-v2.mmd", render_mermaid(&map, Some(&report))),
        ("shipped.dot", render_dot(&map, None)),
        ("shipped-enrollment-created-v2.dot", render_dot(&map, Some(&report))),
    ]
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn renders_match_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (name, text) in renders() {
        let path = golden_dir().join(name);
        if update {
            fs::write(&path, &text).expect("write golden file");
            continue;
        }
        let golden = fs::read_to_string(&path).unwrap_or_else(|err| {
            panic!("{}: {err} (run with UPDATE_GOLDEN=1 to create it)", path.display())
        });
        pretty_assertions::assert_eq!(golden, text, "{name} differs; UPDATE_GOLDEN=1 regenerates it");
    }
}

#[test]
fn highlighted_renders_mark_the_impacted_path() {
    let renders = renders();
    let text =
        |name: &str| renders.iter().find(|(n, _)| *n == name).map(|(_, t)| t.as_str()).unwrap_or_default();
    let dot = text("shipped-enrollment-created-v2.dot");
    assert!(
        dot.contains("\"component:salesforce\" -> \"component:crm-enrollment-flows\" [color=\"#c62828\""),
        "{dot}"
    );
    assert!(!text("shipped.dot").contains("#c62828"));
    let mermaid = text("shipped-enrollment-created-v2.mmd");
    assert!(mermaid.contains("event_enrollment_created_v2 ==> component_salesforce"), "{mermaid}");
    assert!(mermaid.contains("class ") && mermaid.contains("component_crm_enrollment_flows"), "{mermaid}");
    assert!(!text("shipped.mmd").contains("classDef impacted"));
    // Owners and consumed contracts are on the nodes.
    for render in [text("shipped.mmd"), text("shipped.dot")] {
        assert!(render.contains("owner: crm-team"));
        assert!(render.contains("enrollment.created@v2"));
    }
}

fn on_path(program: &str) -> bool {
    Command::new(program).arg("-V").output().is_ok()
}

/// A check whose tool is missing is skipped on a developer's machine, but CI (which installs
/// the tools in `.ci/run`) sets `SWITCHYARD_REQUIRE_RENDER_TOOLS=1` so that it can never pass
/// by skipping.
fn skip(message: &str) {
    if std::env::var_os("SWITCHYARD_REQUIRE_RENDER_TOOLS").is_some_and(|value| value == "1") {
        panic!("{message}, and SWITCHYARD_REQUIRE_RENDER_TOOLS=1 forbids skipping");
    }
    eprintln!("SKIPPED {message}");
}

#[test]
fn graphviz_accepts_the_dot_output() {
    if !on_path("dot") {
        skip("graphviz_accepts_the_dot_output: `dot` is not on PATH (apt-get install graphviz)");
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in renders().into_iter().filter(|(name, _)| name.ends_with(".dot")) {
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write dot");
        let output = Command::new("dot").arg("-Tsvg").arg(&path).output().expect("run dot");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "dot -Tsvg {name} failed: {stderr}");
        assert!(stderr.trim().is_empty(), "dot -Tsvg {name} warned: {stderr}");
        let svg = String::from_utf8_lossy(&output.stdout);
        assert!(svg.contains("<svg") && svg.contains("Salesforce org"), "{name}: no drawing");
    }
}

#[test]
fn mermaid_parser_accepts_the_mermaid_output() {
    let check = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mermaid-check/check.mjs");
    let modules = std::env::var_os("MERMAID_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| check.with_file_name("node_modules"));
    if !on_path("node") || !modules.join("mermaid").is_dir() {
        skip(
            "mermaid_parser_accepts_the_mermaid_output: needs node and `npm ci --prefix \
             dependency-map/tests/mermaid-check` (or MERMAID_NODE_MODULES)",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut files = Vec::new();
    for (name, text) in renders().into_iter().filter(|(name, _)| name.ends_with(".mmd")) {
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write mermaid");
        files.push(path);
    }
    // A broken diagram proves the checker really parses.
    let broken = dir.path().join("broken.mmd");
    fs::write(&broken, "flowchart LR\n  a[\"x\"] --> b[oops\n").expect("write");
    let output = Command::new("node")
        .arg(&check)
        .args(&files)
        .arg(&broken)
        .env("MERMAID_NODE_MODULES", &modules)
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for file in &files {
        assert!(
            stdout.contains(&format!("ok {}: flowchart", file.display())),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        stdout.contains(&format!("FAILED {}", broken.display())),
        "the broken diagram must fail: {stdout}"
    );
}
