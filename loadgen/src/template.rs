//! Templates: `${name}` in strings of paths, queries and bodies, filled from an iteration's variables. A JSON
//! string that is only `${name}` becomes the variable's value whatever its type (a number, a captured array), so
//! bodies keep their types. Templates are parsed once, when the scenario is checked.

use serde_json::{Map, Value};

/// Variables every iteration has.
pub const BUILTINS: [&str; 3] = ["iteration", "vu", "phase"];

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Var(String),
}

/// A string with `${name}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    parts: Vec<Part>,
}

impl Text {
    pub fn parse(s: &str) -> Result<Text, String> {
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find("${") {
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {s:?}"))?;
            let name = after[..close].trim();
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(format!(
                    "${{{name}}} in {s:?}: a variable name is letters, digits and _"
                ));
            }
            parts.push(Part::Var(name.to_owned()));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() || parts.is_empty() {
            parts.push(Part::Lit(rest.to_owned()));
        }
        Ok(Text { parts })
    }

    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Lit(_) => None,
        })
    }

    /// Whether the text, filled with anything, starts with `prefix`: its literal start does.
    pub fn starts_with(&self, prefix: &str) -> bool {
        match self.parts.first() {
            Some(Part::Lit(l)) => l.starts_with(prefix),
            _ => prefix.is_empty(),
        }
    }

    /// The text when it has no hole.
    pub fn fixed(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(l)] => Some(l),
            _ => None,
        }
    }

    /// The text is one `${name}` and nothing else.
    fn whole_var(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Var(v)] => Some(v),
            _ => None,
        }
    }

    /// Appends the filled text to `out`. Strings go in as they are, other values as JSON.
    fn render_into(&self, vars: &impl Lookup, out: &mut String) -> Result<(), String> {
        for p in &self.parts {
            match p {
                Part::Lit(l) => out.push_str(l),
                Part::Var(name) => match vars.get(name) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(v) => out.push_str(&v.to_string()),
                    None => return Err(format!("${{{name}}} has no value in this iteration")),
                },
            }
        }
        Ok(())
    }

    pub fn render(&self, vars: &impl Lookup) -> Result<String, String> {
        let mut out = String::new();
        self.render_into(vars, &mut out)?;
        Ok(out)
    }
}

/// Where a template finds its variables.
pub trait Lookup {
    fn get(&self, name: &str) -> Option<&Value>;
}

/// A JSON value with templated strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Lit(Value),
    Text(Text),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn parse(v: &Value) -> Result<Json, String> {
        Ok(match v {
            Value::String(s) if s.contains("${") => Json::Text(Text::parse(s)?),
            Value::Array(a) => Json::Array(a.iter().map(Json::parse).collect::<Result<_, _>>()?),
            Value::Object(o) => Json::Object(
                o.iter()
                    .map(|(k, v)| Ok((k.clone(), Json::parse(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => Json::Lit(other.clone()),
        })
    }

    pub fn vars(&self) -> Vec<&str> {
        match self {
            Json::Lit(_) => vec![],
            Json::Text(t) => t.vars().collect(),
            Json::Array(a) => a.iter().flat_map(Json::vars).collect(),
            Json::Object(o) => o.iter().flat_map(|(_, v)| v.vars()).collect(),
        }
    }

    pub fn render(&self, vars: &impl Lookup) -> Result<Value, String> {
        Ok(match self {
            Json::Lit(v) => v.clone(),
            Json::Text(t) => match t.whole_var() {
                Some(name) => vars
                    .get(name)
                    .cloned()
                    .ok_or_else(|| format!("${{{name}}} has no value in this iteration"))?,
                None => Value::String(t.render(vars)?),
            },
            Json::Array(a) => {
                Value::Array(a.iter().map(|j| j.render(vars)).collect::<Result<_, _>>()?)
            }
            Json::Object(o) => {
                let mut m = Map::with_capacity(o.len());
                for (k, v) in o {
                    m.insert(k.clone(), v.render(vars)?);
                }
                Value::Object(m)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::HashMap;

    impl Lookup for HashMap<&str, Value> {
        fn get(&self, name: &str) -> Option<&Value> {
            HashMap::get(self, name)
        }
    }

    #[test]
    fn fills_holes_and_keeps_types() {
        let vars = HashMap::from([
            ("c", json!("wm1")),
            ("n", json!(3)),
            ("ids", json!(["a", "b"])),
        ]);
        let t = Text::parse("/mock/kf/${c}/messages?n=${n}").unwrap();
        assert_eq!(t.render(&vars).unwrap(), "/mock/kf/wm1/messages?n=3");
        let body = Json::parse(
            &json!({"to": "${c}", "count": "${n}", "list": "${ids}", "s": "x${n}y", "k": 1}),
        )
        .unwrap();
        assert_eq!(
            body.render(&vars).unwrap(),
            json!({"to": "wm1", "count": 3, "list": ["a", "b"], "s": "x3y", "k": 1})
        );
        let mut names = body.vars();
        names.sort();
        assert_eq!(names, ["c", "ids", "n", "n"]);
    }

    #[test]
    fn an_unknown_variable_is_an_error() {
        let t = Text::parse("${nope}").unwrap();
        assert!(t.render(&HashMap::new()).unwrap_err().contains("nope"));
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(Text::parse("${").is_err());
        assert!(Text::parse("${a b}").is_err());
        assert!(Text::parse("${}").is_err());
        assert_eq!(Text::parse("plain").unwrap().vars().count(), 0);
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_plain_text_round_trips(s in ".{0,40}") {
            if let Ok(t) = Text::parse(&s) {
                if t.vars().count() == 0 {
                    prop_assert_eq!(t.render(&HashMap::new()).unwrap(), s);
                }
            }
        }
    }
}
