//! Reading the YAML files people write for the mock and loadgen (fixtures, scenarios): the parser's error said
//! as the file's author needs it — the field by its path (`corps[0].apps[0].agentid`), what it must be, and what
//! the file has there — with the position apart, so a caller prints it once.

use serde::de::DeserializeOwned;
use serde_saphyr::Location;

/// Why the text was not read: where (when the parser knows) and what.
pub type Unread = (Option<Location>, String);

/// The `T` in `text`, or the first thing wrong with it.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, Unread> {
    let mut path = None;
    let read = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            path = Some(e.path().to_string());
            e.into_inner()
        })
    });
    read.map_err(|e| {
        let loc = e.location();
        let message = first_line(&e.to_string());
        let message = match path.as_deref().filter(|p| *p != ".") {
            // An unknown key's path ends in the key itself; the parser's message lists those expected.
            Some(path) if message.starts_with("unknown field") => {
                format!("{}: {message}", field(path))
            }
            Some(path) => {
                let got = loc.and_then(|l| found(text, l));
                format!("{}: {}", field(path), explained(&message, got.as_deref()))
            }
            None => message,
        };
        (loc, message)
    })
}

/// The path as the file's keys read: without the field of the wrapper that keeps a position (`agentid.value`
/// → `agentid`; no file format here has a key of that name) or the `?` of a key not yet read (a duplicate
/// key's error).
fn field(path: &str) -> String {
    let path = path.replace(".value.", ".");
    let path = path.strip_suffix(".value").unwrap_or(&path);
    path.strip_suffix(".?").unwrap_or(path).to_owned()
}

/// The parser's terse `invalid i64` as what the field takes and what it got.
fn explained(message: &str, got: Option<&str>) -> String {
    let expected = match message {
        "invalid i64" | "invalid i32" => "expected an integer",
        "invalid u64" | "invalid usize" | "invalid u32" => "expected an integer, 0 or more",
        "invalid u8" => "expected an integer from 0 to 255",
        "invalid f64" | "invalid f32" => "expected a number",
        "invalid boolean" => "expected true or false",
        "expected string scalar" => "expected a string",
        "expected sequence start" => "expected a list",
        "expected mapping start" => "expected a map",
        // The parser's advice is for programs that embed it, not for the fixture's author.
        other => {
            let advice = ", set DuplicateKeyPolicy in Options if acceptable";
            return other.strip_suffix(advice).unwrap_or(other).to_owned();
        }
    };
    match got {
        Some(got) => format!("{expected}, got {got}"),
        None => expected.to_owned(),
    }
}

/// What the file has at `at`: a scalar as written, or the kind of a collection.
fn found(text: &str, at: Location) -> Option<String> {
    let line = text
        .lines()
        .nth(usize::try_from(at.line()).ok()?.checked_sub(1)?)?;
    let rest: String = line
        .chars()
        .skip(usize::try_from(at.column()).ok()?.checked_sub(1)?)
        .collect();
    // A block list's `- ` item, unlike a negative number.
    if rest == "-" || rest.starts_with("- ") {
        return Some("a list".into());
    }
    let value = match rest.chars().next()? {
        '[' => return Some("a list".into()),
        '{' => return Some("a map".into()),
        '"' | '\'' => {
            let quote = rest.chars().next()?;
            let end = rest[1..].find(quote).map_or(rest.len(), |i| i + 2);
            rest[..end].to_owned()
        }
        _ => {
            let end = rest.find([',', '}', ']', '#']).unwrap_or(rest.len());
            rest[..end].trim().to_owned()
        }
    };
    (!value.is_empty()).then_some(value)
}

/// The parser's first line without the position it repeats (`error: line 3 column 5: …`).
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or(s);
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((_, message)) => message.to_owned(),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read to be refused")]
    struct Outer {
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read to be refused")]
    struct Inner {
        id: i64,
    }

    #[test]
    fn a_wrong_type_names_the_field_what_it_takes_and_what_it_got() {
        let (at, message) = read::<Outer>("items:\n  - id: 1\n  - id: seven\n").unwrap_err();
        assert_eq!(message, "items[1].id: expected an integer, got seven");
        let at = at.unwrap();
        assert_eq!((at.line(), at.column()), (3, 9));
        // The position is the caller's to print: the message does not carry it.
        assert!(!message.contains("line"), "{message}");
    }

    #[test]
    fn an_unknown_key_is_named_by_its_path() {
        let (at, message) =
            read::<Outer>("items:\n  - id: 1\n  - id: 2\n    typo: 3\n").unwrap_err();
        assert_eq!(
            message,
            "items[1].typo: unknown field `typo`, expected one of id"
        );
        assert_eq!(at.map(|l| l.line()), Some(4));
    }

    #[test]
    fn collections_and_quoted_values_are_said_as_written() {
        let (_, message) = read::<Outer>("items: {id: 1}\n").unwrap_err();
        assert_eq!(message, "items: expected a list, got a map");
        let (_, message) = read::<Outer>("items:\n  - id: 'one, two'\n").unwrap_err();
        assert_eq!(message, "items[0].id: expected an integer, got 'one, two'");
    }

    #[test]
    fn a_syntax_error_is_the_parser_s_first_line_without_its_position() {
        let (at, message) = read::<Outer>("items: [1, 2\n").unwrap_err();
        assert!(at.is_some());
        assert!(!message.starts_with("line "), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
}
