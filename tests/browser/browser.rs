//! One headless Chromium session: its window size, JavaScript on or off, and the few verbs the tests use.

use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::app::TestApp;
use crate::driver;

/// A window size, named as the screenshots are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
}

pub const PHONE: Size = Size { name: "phone", width: 390, height: 844 };
pub const DESKTOP: Size = Size { name: "desktop", width: 1280, height: 900 };
pub const SIZES: [Size; 2] = [PHONE, DESKTOP];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    On,
    Off,
}

/// Chromium's own flags: headless, and quiet (no update, sync or other traffic of its own).
/// As root, Chromium refuses to start without `--no-sandbox`. The site scrolls smoothly unless
/// the reader prefers reduced motion, and chromedriver clicks as soon as it has asked for an
/// element to be scrolled into view: with the animation, the click lands before the element does.
/// Scrollbars are drawn over the page, as phones do: the page is laid out at the window's whole
/// width, and a full-page screenshot (which drops the scrollbar and lays the page out again) has
/// the width the page was laid out at, instead of cutting 15 px off its right edge.
const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--force-prefers-reduced-motion",
    "--hide-scrollbars",
];

pub struct Browser {
    pub client: Client,
    base: String,
    pub size: Size,
    /// Where downloads land.
    pub downloads: TempDir,
    _profile: TempDir,
}

impl Browser {
    /// A new browser with a profile of its own, at `size`, pointed at `app`.
    pub async fn open(app: &TestApp, size: Size, script: Script) -> Browser {
        let profile = tempfile::tempdir().expect("a profile folder");
        let downloads = tempfile::tempdir().expect("a download folder");
        let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut prefs = json!({
            "download.default_directory": downloads.path(),
            "download.prompt_for_download": false,
        });
        if script == Script::Off {
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities
            .insert("goog:chromeOptions".into(), json!({ "binary": driver::CHROMIUM, "args": args, "prefs": prefs }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(driver::url())
            .await
            .expect("chromedriver opens a Chromium session");
        let mut browser = Browser { client, base: app.address.clone(), size, downloads, _profile: profile };
        browser.resize(size).await;
        if script == Script::Off {
            browser.assert_scripts_do_not_run().await;
        }
        browser
    }

    /// Sets the window so that the page (the viewport) is `size`, whatever the window adds around it.
    pub async fn resize(&mut self, size: Size) {
        self.client.set_window_size(size.width, size.height).await.expect("set the window size");
        let (width, height) = self.viewport().await;
        let (outer_width, outer_height) = (2 * size.width - width, 2 * size.height - height);
        self.client.set_window_size(outer_width, outer_height).await.expect("set the window size");
        assert_eq!(self.viewport().await, (size.width, size.height), "window.innerWidth × innerHeight at {size:?}");
        self.size = size;
    }

    async fn viewport(&self) -> (u32, u32) {
        let answer = self.execute("return [window.innerWidth, window.innerHeight]", vec![]).await;
        let number = |i: usize| answer[i].as_u64().expect("a number") as u32;
        (number(0), number(1))
    }

    /// WebDriver's own scripts run with the page's JavaScript switched off; a page's do not.
    async fn assert_scripts_do_not_run(&self) {
        self.client
            .goto("data:text/html,<title>off</title><script>document.title='on'</script>")
            .await
            .expect("open a test page");
        assert_eq!(
            self.client.title().await.unwrap(),
            "off",
            "the page's script ran in the browser without JavaScript"
        );
    }

    pub async fn close(self) {
        self.client.close().await.expect("close the browser");
    }

    pub async fn goto(&self, path: &str) {
        let url = format!("{}{}", self.base, path);
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("nothing matches {css} on {}: {e}", self.here().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.expect("find elements")
    }

    /// The element whose visible text is exactly `text`, among those matching `css`.
    pub async fn find_with_text(&self, css: &str, text: &str) -> Element {
        for element in self.find_all(css).await {
            if squeeze(&element.text().await.unwrap_or_default()) == text {
                return element;
            }
        }
        panic!("no {css} reading {text:?} on {}", self.here().await)
    }

    /// The visible text of the first element matching `css`, whitespace collapsed.
    pub async fn text(&self, css: &str) -> String {
        squeeze(&self.find(css).await.text().await.expect("element text"))
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.find_all(css).await {
            texts.push(squeeze(&element.text().await.expect("element text")));
        }
        texts
    }

    /// The current value of a form field.
    pub async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.expect("field value").unwrap_or_default()
    }

    /// Clicks something that keeps the page (a checkbox, a radio button, a download).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a link or button that loads another page, and waits for that page.
    pub async fn follow(&self, css: &str) {
        self.follow_element(self.find(css).await).await;
    }

    /// Clicks the link or button reading exactly `text`, and waits for the page it loads.
    pub async fn follow_text(&self, css: &str, text: &str) {
        self.follow_element(self.find_with_text(css, text).await).await;
    }

    pub async fn follow_element(&self, element: Element) {
        self.navigation(async { element.click().await.expect("click") }).await;
    }

    /// Runs `act` (a click, a key press) and waits until it has replaced the page with a loaded one:
    /// chromedriver may answer a click before the navigation it starts has begun.
    pub async fn navigation<T>(&self, act: impl Future<Output = T>) -> T {
        let old = self.find("html").await;
        let done = act.await;
        let started = Instant::now();
        loop {
            let replaced = old.tag_name().await.is_err_and(|e| e.is_stale_element_reference());
            if replaced && self.execute("return document.readyState", vec![]).await == "complete" {
                return done;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "no new page within 10 s after {}", self.here().await);
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Types into a field, after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
        field.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Presses keys on whatever has the focus, as a keyboard does.
    pub async fn press(&self, keys: &[Key]) {
        let mut actions = KeyActions::new("keyboard".into());
        for key in keys {
            let key = char::from(*key);
            actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.expect("press keys");
    }

    /// Types text on whatever has the focus, key by key.
    pub async fn type_text(&self, text: &str) {
        let mut actions = KeyActions::new("keyboard".into());
        for key in text.chars() {
            actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await.expect("type");
    }

    /// How far down the page the element matching `css` starts, in CSS pixels (the viewport's top is 0).
    pub async fn top(&self, css: &str) -> f64 {
        let script = "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY;";
        self.execute(script, vec![json!(css)]).await.as_f64().expect("a number")
    }

    /// Where the element matching `css` starts within the window as it is scrolled now, in CSS pixels.
    pub async fn viewport_top(&self, css: &str) -> f64 {
        let script = "return document.querySelector(arguments[0]).getBoundingClientRect().top;";
        self.execute(script, vec![json!(css)]).await.as_f64().expect("a number")
    }

    /// Saves the whole page, not only the viewport, as `target/browser-screenshots/<name>-<size>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        // The folder shows the last run only.
        static CLEARED: Once = Once::new();
        CLEARED.call_once(|| drop(std::fs::remove_dir_all(&dir)));
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        let path = dir.join(format!("{name}-{}.png", self.size.name));
        let png = match self.client.issue_cmd(Cdp::full_page_screenshot()).await {
            Ok(answer) => {
                use base64::Engine;
                let data = answer["data"].as_str().expect("screenshot data");
                base64::engine::general_purpose::STANDARD.decode(data).expect("base64 screenshot")
            }
            // WebDriver's own screenshot holds the viewport only.
            Err(_) => self.client.screenshot().await.expect("screenshot"),
        };
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Where the browser is, for messages.
    async fn here(&self) -> String {
        self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default()
    }
}

/// The folder the README names: `target/browser-screenshots` of this crate.
pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("browser-screenshots")
}

pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A DevTools command sent through chromedriver's `goog/cdp/execute` extension.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl Cdp {
    fn full_page_screenshot() -> Cdp {
        Cdp { cmd: "Page.captureScreenshot", params: json!({ "format": "png", "captureBeyondViewport": true }) }
    }
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}
