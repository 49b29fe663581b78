//! A minimal W3C WebDriver client for browser tests against Debian's `chromium` and
//! `chromium-driver`. Blocking; run it inside `spawn_blocking`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver with one headless Chromium session; both end when this is dropped.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    base: String,
}

impl Browser {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{root}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!("qingtuan-chromium-{port}"));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let res: Value =
            ureq::post(&format!("{root}/session")).send_json(caps).expect("new session").into_json().expect("json");
        let session = res["value"]["sessionId"].as_str().expect("session id").to_owned();
        Self { driver, base: format!("{root}/session/{session}") }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let res = ureq::post(&format!("{}{path}", self.base)).send_json(body);
        match res {
            Ok(r) => r.into_json::<Value>().expect("json")["value"].clone(),
            Err(ureq::Error::Status(code, r)) => {
                panic!("webdriver {path} → {code}: {}", r.into_string().unwrap_or_default())
            }
            Err(e) => panic!("webdriver {path}: {e}"),
        }
    }

    fn get(&self, path: &str) -> Value {
        ureq::get(&format!("{}{path}", self.base)).call().expect("webdriver get").into_json::<Value>().expect("json")["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    /// Waits (up to 10 s) until the page's path ends with `suffix`, for navigations a click starts;
    /// returns the URL it ended on.
    pub fn wait_for_url(&self, suffix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url();
            if url.ends_with(suffix) || Instant::now() > deadline {
                return url;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn url(&self) -> String {
        self.get("/url").as_str().unwrap_or_default().to_owned()
    }

    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let res = ureq::post(&format!("{}/element", self.base))
                .send_json(json!({ "using": "css selector", "value": css }));
            if let Ok(r) = res {
                let v: Value = r.into_json().expect("json");
                return v["value"][ELEMENT_KEY].as_str().expect("element id").to_owned();
            }
            assert!(Instant::now() < deadline, "element {css} not found on {}", self.url());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.post(&format!("/element/{id}/value"), json!({ "text": text }));
    }

    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.post(&format!("/element/{id}/click"), json!({}));
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.get(&format!("/element/{id}/text")).as_str().unwrap_or_default().to_owned()
    }

    /// Saves a PNG of the page, for a person to look at.
    pub fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine as _;
        let data = self.get("/screenshot");
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or_default()).expect("base64");
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
