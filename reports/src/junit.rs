//! JUnit XML for CI servers: one test suite per run, one test case per threshold (failed when it failed) and
//! per step that can fail (every `api.*`, `route.*`, `step.*` and `roundtrip` metric: failed when any of its
//! operations failed, with the first error as the message). A run cut short has one more case, `run
//! completed`, in error: JUnit's word for a test that could not finish, which no CI server shows as a pass.

use std::fmt::Write;

use crate::summary::value;
use crate::threshold::shown;
use crate::{Metric, Report};

/// XML-escaped text, without the characters XML 1.0 forbids (control characters in an error message would
/// make the file unreadable to a CI server).
fn escape(s: &str) -> String {
    let allowed: String = s
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
            c => c,
        })
        .collect();
    quick_xml::escape::escape(allowed.as_str()).into_owned()
}

/// The metric of a `first_errors` key, `<metric> <kind>` (a step's name may hold spaces; the kind does not).
fn of_metric(key: &str) -> Option<&str> {
    key.rsplit_once(' ').map(|(metric, _)| metric)
}

struct Case {
    class: String,
    name: String,
    failure: Option<Bad>,
}

/// What went wrong in a case: a `<failure>` (it ran and did not hold) or an `<error>` (it could not finish).
struct Bad {
    element: &'static str,
    kind: String,
    message: String,
    text: String,
}

impl Bad {
    fn failure(kind: String, message: String, text: String) -> Bad {
        Bad {
            element: "failure",
            kind,
            message,
            text,
        }
    }
}

/// The run as a JUnit test suite.
pub fn render(r: &Report) -> String {
    let mut cases = threshold_cases(r);
    cases.extend(step_cases(r));
    cases.extend(completion_case(r));
    suite(r, &cases)
}

fn threshold_cases(r: &Report) -> Vec<Case> {
    let suite = &r.scenario.name;
    r.thresholds
        .iter()
        .map(|t| {
            let measured = t.value.map_or("no data".to_owned(), |v| value(v, &t.unit));
            Case {
                class: format!("{suite}.thresholds"),
                name: shown(t),
                failure: (!t.passed).then(|| {
                    Bad::failure(
                        "threshold".into(),
                        format!("measured {measured}"),
                        format!("{} failed: measured {measured}", shown(t)),
                    )
                }),
            }
        })
        .collect()
}

/// A case per metric of a step that can fail, failed when any of its operations did.
fn step_cases(r: &Report) -> Vec<Case> {
    let suite = &r.scenario.name;
    let mut cases = Vec::new();
    for (name, m) in &r.metrics {
        let is_step = ["api.", "route.", "step."]
            .iter()
            .any(|p| name.starts_with(p))
            || name == "roundtrip";
        if !is_step {
            continue;
        }
        cases.push(Case {
            class: format!("{suite}.steps"),
            name: name.clone(),
            failure: step_failure(r, name, m),
        });
    }
    cases
}

/// How many of the step's operations failed, typed by the kind of its first error, with its first errors.
fn step_failure(r: &Report, name: &str, m: &Metric) -> Option<Bad> {
    (m.n_errors > 0).then(|| {
        let first: Vec<String> = r
            .counters
            .first_errors
            .iter()
            .filter(|(k, _)| of_metric(k) == Some(name))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let kind = r
            .counters
            .first_errors
            .keys()
            .find(|k| of_metric(k) == Some(name))
            .and_then(|k| k.rsplit_once(' ').map(|(_, kind)| kind))
            .unwrap_or("error")
            .to_owned();
        Bad::failure(
            kind,
            format!("{} of {} failed", m.n_errors, m.n_errors + m.corrected.n),
            first.join("\n"),
        )
    })
}

/// `run completed`, in error, for a run cut short; none for a whole run.
fn completion_case(r: &Report) -> Option<Case> {
    if !r.incomplete() {
        return None;
    }
    let why = r.stopped.as_deref().unwrap_or("stopped early");
    Some(Case {
        class: format!("{}.run", r.scenario.name),
        name: "run completed".into(),
        failure: Some(Bad {
            element: "error",
            kind: "incomplete".into(),
            message: format!("the run was cut short: {why}"),
            text: format!(
                "the run was cut short ({why}); the thresholds were judged on what ran and decide nothing"
            ),
        }),
    })
}

/// The XML document: the suite with its counts and properties, then its cases.
fn suite(r: &Report, cases: &[Case]) -> String {
    let suite = &r.scenario.name;
    let n_errors = cases
        .iter()
        .filter(|c| c.failure.as_ref().is_some_and(|b| b.element == "error"))
        .count();
    let n_failures = cases.iter().filter(|c| c.failure.is_some()).count() - n_errors;
    let secs = r.run.duration_ms as f64 / 1000.0;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"loadgen\" tests=\"{}\" failures=\"{n_failures}\" errors=\"{n_errors}\" time=\"{secs:.3}\">",
        cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{n_failures}\" errors=\"{n_errors}\" skipped=\"0\" time=\"{secs:.3}\" timestamp=\"{}\" hostname=\"{}\">",
        escape(suite.as_str()),
        cases.len(),
        escape(r.run.started_at.trim_end_matches('Z')),
        escape(r.run.host.hostname.as_str())
    );
    properties(&mut out, r);
    for c in cases {
        case(&mut out, c);
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}

fn properties(out: &mut String, r: &Report) {
    let _ = writeln!(out, "    <properties>");
    for (k, v) in [
        ("seed", r.scenario.seed.to_string()),
        ("scenario_hash", r.scenario.hash.clone()),
        ("target", r.run.target.clone()),
        ("partial", r.partial.to_string()),
        ("verdict", r.verdict.clone()),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{k}\" value=\"{}\"/>",
            escape(v.as_str())
        );
    }
    let _ = writeln!(out, "    </properties>");
}

fn case(out: &mut String, c: &Case) {
    let head = format!(
        "<testcase classname=\"{}\" name=\"{}\" time=\"0\"",
        escape(c.class.as_str()),
        escape(c.name.as_str())
    );
    match &c.failure {
        None => {
            let _ = writeln!(out, "    {head}/>");
        }
        Some(b) => {
            let _ = writeln!(
                out,
                "    {head}>\n      <{e} type=\"{}\" message=\"{}\">{}</{e}>\n    </testcase>",
                escape(b.kind.as_str()),
                escape(b.message.as_str()),
                escape(b.text.as_str()),
                e = b.element
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// Reads the JUnit shape CI servers read: testsuites > testsuite > (properties, testcase > failure), with the
    /// counts on the suite matching its cases.
    fn check_shape(xml: &str) -> (usize, usize, Vec<String>) {
        let (cases, failures, errors, names) = check_shape_with_errors(xml);
        assert_eq!(errors, 0, "{xml}");
        (cases, failures, names)
    }

    /// [`check_shape`], `<error>` elements allowed: (cases, failures, errors, names).
    fn check_shape_with_errors(xml: &str) -> (usize, usize, usize, Vec<String>) {
        let mut reader = Reader::from_str(xml);
        let mut path: Vec<String> = Vec::new();
        let (mut cases, mut failures, mut errors, mut names) = (0, 0, 0, Vec::new());
        let (mut said_tests, mut said_failures, mut said_errors) = (None, None, None);
        loop {
            let (e, opens) = match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(_) => {
                    path.pop();
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let name = e.name().0.to_owned();
            let attr = |k: &str| {
                e.attributes().flatten().find(|a| a.key.0 == k).map(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .expect("an attribute value")
                        .into_owned()
                })
            };
            let parent = path.last().map(String::as_str);
            match name.as_str() {
                "testsuites" => assert_eq!(parent, None),
                "testsuite" => {
                    assert_eq!(parent, Some("testsuites"));
                    said_tests = attr("tests");
                    said_failures = attr("failures");
                    said_errors = attr("errors");
                    assert!(attr("name").is_some());
                }
                "properties" => assert_eq!(parent, Some("testsuite")),
                "property" => assert_eq!(parent, Some("properties")),
                "testcase" => {
                    assert_eq!(parent, Some("testsuite"));
                    assert!(attr("classname").is_some());
                    names.push(attr("name").expect("a test case has a name"));
                    cases += 1;
                }
                "failure" => {
                    assert_eq!(parent, Some("testcase"));
                    assert!(attr("message").is_some());
                    failures += 1;
                }
                "error" => {
                    assert_eq!(parent, Some("testcase"));
                    assert!(attr("message").is_some());
                    errors += 1;
                }
                other => panic!("unexpected element {other}"),
            }
            if opens {
                path.push(name);
            }
        }
        assert!(path.is_empty(), "unclosed: {path:?}");
        assert_eq!(said_tests, Some(cases.to_string()));
        assert_eq!(said_failures, Some(failures.to_string()));
        assert_eq!(said_errors, Some(errors.to_string()));
        (cases, failures, errors, names)
    }

    #[test]
    fn thresholds_and_steps_are_test_cases() {
        let mut r = crate::tests::sample();
        r.counters.first_errors.insert(
            "roundtrip timeout".into(),
            "no delivered event <within> 5s".into(),
        );
        let xml = render(&r);
        let (cases, failures, names) = check_shape(&xml);
        // A threshold, and the two metrics (each with an error in the sample).
        assert_eq!(cases, 3, "{xml}");
        assert_eq!(failures, 3, "{xml}");
        assert!(names.contains(&"roundtrip.p99 < 1ms".to_owned()));
        assert!(xml.contains("&lt;within&gt;"), "{xml}");
        assert!(
            !xml.contains('\u{1b}'),
            "a control character reached the XML"
        );
        assert!(xml.contains("type=\"timeout\""), "{xml}");
        assert!(
            !xml.contains("not this one"),
            "another step's message: {xml}"
        );
    }

    #[test]
    fn a_run_cut_short_is_an_error() {
        let mut r = crate::tests::sample();
        r.thresholds[0].passed = true;
        r.metrics.values_mut().for_each(|m| m.n_errors = 0);
        r.partial = true;
        r.stopped = Some("terminated (SIGTERM) <now>".into());
        r.verdict = crate::threshold::INCOMPLETE.into();
        let xml = render(&r);
        let (cases, failures, errors, names) = check_shape_with_errors(&xml);
        assert_eq!((cases, failures, errors), (4, 0, 1), "{xml}");
        assert!(names.contains(&"run completed".to_owned()), "{xml}");
        assert!(xml.contains("type=\"incomplete\""), "{xml}");
        assert!(xml.contains("SIGTERM) &lt;now&gt;"), "{xml}");
        assert!(
            xml.contains("<property name=\"verdict\" value=\"incomplete\"/>"),
            "{xml}"
        );
        // A whole run has no such case.
        r.partial = false;
        r.stopped = None;
        r.verdict = "passed".into();
        assert_eq!(check_shape_with_errors(&render(&r)).2, 0);
    }
}
