//! A real browser for the console's tests: Debian's chromium, headless, driven over WebDriver by its
//! chromedriver (fantoccini is the client). Without both on PATH a test says so and passes, for developer
//! machines; `REQUIRE_BROWSER=1` (scripts/test-all.sh sets it and installs them) makes that a failure.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Long enough for a cold chromium on a loaded CI machine; what never appears fails the test instead of hanging it.
pub const WAIT: Duration = Duration::from_secs(30);

pub struct Browser {
    pub client: Client,
    driver: Child,
    shots: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// chromedriver on a port of its choosing, and a session with a fresh profile; None (the test passes, saying
/// why) when chromium or chromedriver is missing and the browser is not required.
pub async fn open(name: &str) -> Option<Browser> {
    let (Some(chromium), Some(driver)) = (
        on_path("chromium").or_else(|| on_path("chromium-browser")),
        on_path("chromedriver"),
    ) else {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but chromium or chromedriver is not on PATH"
        );
        eprintln!("skipped: chromium and chromedriver are not both on PATH");
        return None;
    };
    let mut driver = Command::new(driver)
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let port = driver_port(&mut driver);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("console-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--window-size=1280,900", format!("--user-data-dir={}", dir.join("profile").display())],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(WAIT), Some(WAIT), None);
    client.update_timeouts(timeouts).await.expect("timeouts");
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    Some(Browser {
        client,
        driver,
        shots,
    })
}

/// chromedriver says its port on its first lines: `ChromeDriver was started successfully on port 37089.`
fn driver_port(driver: &mut Child) -> u16 {
    let out = driver.stdout.take().expect("chromedriver's stdout");
    let mut lines = BufReader::new(out).lines();
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_once("started successfully on port ")
                .and_then(|(_, p)| p.trim_end_matches('.').parse().ok())
        })
        .expect("chromedriver says its port");
    // Keep reading, so a full pipe never blocks it.
    std::thread::spawn(move || lines.for_each(drop));
    port
}

/// The legacy log endpoint chromedriver still keeps: the page's console messages since the last read.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

impl Browser {
    /// Waits for an element `css` names; panics with the page's text when it does not come.
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_text(css, "").await
    }

    /// Waits until an element `css` names holds `text`, and returns it. The page tells when: a
    /// MutationObserver answers the script the moment the DOM has it (WebDriver's script timeout bounds it).
    pub async fn wait_text(&self, css: &str, text: &str) -> fantoccini::elements::Element {
        let script = "const [css, text, done] = arguments;
            const found = () => [...document.querySelectorAll(css)].findIndex((e) => e.textContent.includes(text));
            if (found() >= 0) { done(found()); return; }
            const seen = new MutationObserver(() => {
              const i = found();
              if (i >= 0) { seen.disconnect(); done(i); }
            });
            seen.observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true });";
        let index = match self
            .client
            .execute_async(script, vec![json!(css), json!(text)])
            .await
        {
            Ok(Value::Number(i)) => i.as_u64().unwrap_or_default() as usize,
            other => panic!("no {css} with {text:?}: {other:?}\n{}", self.text().await),
        };
        let all = self.client.find_all(Locator::Css(css)).await.expect("find");
        all.into_iter()
            .nth(index)
            .unwrap_or_else(|| panic!("{css} with {text:?} went away"))
    }

    /// Waits until an element `css` names holds `text`, and clicks it in the same script: a list the page
    /// redraws as events arrive cannot swap the element between finding and clicking (a stale element).
    pub async fn click_text(&self, css: &str, text: &str) {
        let script = "const [css, text, done] = arguments;
            const hit = () => {
              const e = [...document.querySelectorAll(css)].find((e) => e.textContent.includes(text));
              if (e) { e.click(); done(true); return true; }
              return false;
            };
            if (hit()) return;
            const seen = new MutationObserver(() => { if (hit()) seen.disconnect(); });
            seen.observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true });";
        match self
            .client
            .execute_async(script, vec![json!(css), json!(text)])
            .await
        {
            Ok(Value::Bool(true)) => {}
            other => panic!(
                "no {css} with {text:?} to click: {other:?}\n{}",
                self.text().await
            ),
        }
    }

    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Saves what the page looks like now under target/console/, for a person to look at.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// The page's console errors since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("the browser's log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["level"] == "SEVERE" || m["level"] == "WARNING")
            .map(|m| m["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
