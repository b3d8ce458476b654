//! The endpoint coverage table (`mock-server/ENDPOINTS.md`): per API family, the paths the mock models and the
//! real WeCom paths it knows of but does not, made from [`super::ENDPOINTS`] and [`super::unmodelled::UNMODELLED`] so it
//! cannot drift from the router. `UPDATE_ENDPOINTS=1 cargo test -p mock-server coverage` rewrites the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::unmodelled::UNMODELLED;
use super::ENDPOINTS;

/// The API family of a `/cgi-bin/` path, as WeCom's docs group paths: the first segment after `/cgi-bin/`
/// (`externalcontact`, `kf`, `user`, …); top-level paths such as `gettoken` are their own.
fn family_of(path: &str) -> &str {
    let rest = path.strip_prefix("/cgi-bin/").unwrap_or(path);
    rest.split('/').next().unwrap_or(rest)
}

/// The table as Markdown.
fn markdown() -> String {
    let mut families: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for e in ENDPOINTS {
        families
            .entry(family_of(e.path))
            .or_default()
            .0
            .push(e.path);
    }
    for p in UNMODELLED {
        families.entry(family_of(p)).or_default().1.push(p);
    }
    let n_modelled = ENDPOINTS.len();
    let n_unmodelled = UNMODELLED.len();
    let mut out = String::from("# Endpoint coverage\n\n");
    out.push_str(
        "Made from the router's own lists (`mock-server/src/api/mod.rs`, `mock-server/src/api/unmodelled.rs`); a \
         test fails when this file is out of date, and `UPDATE_ENDPOINTS=1 cargo test -p mock-server coverage` \
         rewrites it. A modelled path answers as WeCom does. A known path that is not modelled answers errcode \
         48002 with `api forbidden: a WeCom API the mock does not model`, is marked `\"unmodelled\": true` in \
         `/mock/journal` and counted in `wecom_mock_unmodelled_requests_total`. Any other path is an empty 404, \
         as on WeCom.\n\n",
    );
    let _ = writeln!(
        out,
        "{n_modelled} paths modelled, {n_unmodelled} known and not modelled.\n"
    );
    out.push_str("| family | modelled | known, not modelled |\n|---|---|---|\n");
    for (family, (modelled, unmodelled)) in &families {
        let _ = writeln!(
            out,
            "| `{family}` | {} | {} |",
            modelled.len(),
            unmodelled.len()
        );
    }
    for (family, (modelled, unmodelled)) in &families {
        let _ = write!(out, "\n## `{family}`\n\n");
        let list = |paths: &[&str]| {
            paths
                .iter()
                .map(|p| format!("`{}`", p.trim_start_matches("/cgi-bin/")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !modelled.is_empty() {
            let _ = writeln!(out, "Modelled: {}\n", list(modelled));
        }
        if !unmodelled.is_empty() {
            let _ = writeln!(out, "Not modelled: {}\n", list(unmodelled));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn coverage_table_is_current() {
        let want = super::markdown();
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/ENDPOINTS.md");
        if std::env::var_os("UPDATE_ENDPOINTS").is_some() {
            std::fs::write(file, &want).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        let got = std::fs::read_to_string(file).unwrap_or_default();
        assert!(
            got == want,
            "{file} is out of date: run UPDATE_ENDPOINTS=1 cargo test -p mock-server coverage"
        );
    }
}
