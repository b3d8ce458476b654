//! The plan's setup: the embedded mock (and its fixture) or a running one as target, and which bot answers.

use serde_saphyr::Spanned;
use std::path::Path;

use super::{at, Fail};
use crate::scenario::plan::*;
use crate::scenario::raw;

/// The embedded mock with its fixture, or the URL of a running one (which has its own fixture).
pub(super) fn target(
    t: Option<Spanned<String>>,
    f: Option<Spanned<raw::FixtureSource>>,
    dir: &Path,
) -> Result<Target, Fail> {
    Ok(match t {
        None => Target::Embedded(fixture(f, dir)?),
        Some(t) if t.value == "embedded" => Target::Embedded(fixture(f, dir)?),
        Some(t) => {
            let url = http_url(&t)?;
            if let Some(f) = f {
                return at(
                    f.referenced,
                    "a fixture is for the embedded target; a running mock-server has its own",
                );
            }
            Target::Url(url)
        }
    })
}

pub(super) fn bot(b: Option<Spanned<String>>) -> Result<Bot, Fail> {
    Ok(match b {
        None => Bot::Reference,
        Some(b) if b.value == "reference" => Bot::Reference,
        Some(b) if b.value == "none" => Bot::None,
        Some(b) => Bot::Url(http_url(&b)?),
    })
}

/// How often the reference bot fails on purpose; no other bot takes it.
pub(super) fn bot_fail_percent(p: Option<Spanned<u8>>, bot: &Bot) -> Result<u8, Fail> {
    match p {
        None => Ok(0),
        Some(p) if p.value > 100 => at(p.referenced, "bot_fail_percent: 0 to 100"),
        Some(p) if *bot != Bot::Reference => at(
            p.referenced,
            "bot_fail_percent makes the reference bot flaky; this scenario has another",
        ),
        Some(p) => Ok(p.value),
    }
}

/// How the reference AI bot streams; no other bot takes it.
pub(super) fn bot_stream(
    chunks: Option<Spanned<u64>>,
    chunk_ms: Option<Spanned<u64>>,
    bot: &Bot,
) -> Result<BotStream, Fail> {
    for set in [&chunks, &chunk_ms].into_iter().flatten() {
        if *bot != Bot::Reference {
            return at(
                set.referenced,
                "bot_chunks and bot_chunk_ms set the reference bot's streams; this scenario has another",
            );
        }
    }
    let chunks = match chunks {
        Some(c) if c.value == 0 => return at(c.referenced, "bot_chunks: 1 or more"),
        Some(c) => Some(usize::try_from(c.value).unwrap_or(usize::MAX)),
        None => None,
    };
    Ok(BotStream {
        chunks,
        chunk_ms: chunk_ms.map(|c| c.value),
    })
}

fn http_url(s: &Spanned<String>) -> Result<String, Fail> {
    let u = s.value.trim().trim_end_matches('/');
    match u.strip_prefix("http://") {
        Some(rest) if !rest.is_empty() => match crate::http::Base::parse(u) {
            Ok(_) if !rest.split('/').next().unwrap_or_default().ends_with(':') => Ok(u.to_owned()),
            _ => at(
                s.referenced,
                format!("{u:?} is not an http://host:port URL"),
            ),
        },
        _ if u.starts_with("https://") => at(
            s.referenced,
            "https is not supported: the mock speaks plain HTTP",
        ),
        _ => at(
            s.referenced,
            format!("{u:?}: expected `embedded`, `reference`/`none` (bot) or an http:// URL"),
        ),
    }
}

fn fixture(f: Option<Spanned<raw::FixtureSource>>, dir: &Path) -> Result<Fixture, Fail> {
    let Some(f) = f else {
        return Ok(Fixture::Demo {
            users: 0,
            customers: 0,
        });
    };
    let loc = f.referenced;
    match (f.value.demo, f.value.file, f.value.inline) {
        (Some(d), None, None) => Ok(Fixture::Demo {
            users: d.users,
            customers: d.customers,
        }),
        (None, Some(file), None) => {
            let path = dir.join(file);
            // Checked now, so a bad fixture is a scenario error (exit 2, located), not a failed run.
            #[cfg(feature = "embedded")]
            if let Err(e) = mock_server::World::load(&path) {
                return at(loc, format!("fixture: {e}"));
            }
            #[cfg(not(feature = "embedded"))]
            if !path.is_file() {
                return at(loc, format!("fixture: no file {}", path.display()));
            }
            Ok(Fixture::File(path))
        }
        #[cfg(feature = "embedded")]
        (None, None, Some(inline)) => {
            match mock_server::World::from_parsed(&inline, "inline fixture") {
                // The inline fixture's places are places in this file.
                Ok(_) => Ok(Fixture::Inline(inline)),
                // A problem with no place of its own (no corp at all) is blamed on the `fixture:` key.
                Err(e) if e.at.line() == 0 => Err((loc, format!("fixture: {}", e.message))),
                Err(e) => Err((e.at, format!("fixture: {}", e.message))),
            }
        }
        #[cfg(not(feature = "embedded"))]
        (None, None, Some(_)) => at(
            loc,
            "this loadgen was built without the embedded mock-server",
        ),
        _ => at(loc, "fixture: give exactly one of `demo`, `file`, `inline`"),
    }
}
