//! The README stands alone and says what the binary says: its `mock-server --help` block is the binary's own
//! output, and no link in the repository's Markdown leads out of the repository (or to a file that is not there).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository")
}

/// The fenced block right after `<!-- help: NAME -->` in README.md (an HTML comment: invisible when rendered).
pub fn readme_block(marker: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let tag = format!("<!-- {marker} -->\n```\n");
    let start = readme
        .find(&tag)
        .unwrap_or_else(|| panic!("README.md has no {tag:?}"))
        + tag.len();
    let len = readme[start..].find("```\n").expect("the block ends");
    readme[start..start + len].to_owned()
}

#[test]
fn the_readmes_help_block_is_the_binarys_help() {
    // No environment: clap shows an env variable's value when it is set.
    let out = Command::new(env!("CARGO_BIN_EXE_mock-server"))
        .arg("--help")
        .env_clear()
        .output()
        .expect("mock-server --help");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(
        readme_block("help: mock-server"),
        help,
        "README.md's `mock-server --help` block differs from the binary's: paste the binary's"
    );
}

/// Every Markdown file of the repository, build output and installed packages aside.
fn markdown_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a folder").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".venv" | ".git") {
                markdown_files(&path, into);
            }
        } else if name.ends_with(".md") {
            into.push(path);
        }
    }
}

/// The targets of `[text](target)` links in `text`.
fn links(text: &str) -> Vec<&str> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn no_link_in_the_repositorys_markdown_leaves_it() {
    let root = repo();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    assert!(files.len() > 5, "found the Markdown: {files:?}");
    let mut bad = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("Markdown");
        for link in links(&text) {
            let path = link.split('#').next().unwrap_or_default();
            if path.is_empty() || link.starts_with("https://") || link.starts_with("http://") {
                continue;
            }
            let dir = file.parent().expect("a folder");
            match dir.join(path).canonicalize() {
                Ok(p) if p.starts_with(&root) => {}
                Ok(p) => bad.push(format!(
                    "{}: {link} leaves the repository ({p:?})",
                    file.display()
                )),
                Err(_) => bad.push(format!("{}: {link} is not there", file.display())),
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
