//! Harness for the end-to-end tests: the real `server` binary on a free port
//! with a fresh SQLite file, and headless Chromium driven over WebDriver.
//!
//! The tests need the front end built by `cargo leptos build` (the README's
//! test command does that first). They fail with a clear message if it is
//! missing instead of skipping, so CI cannot pass without running them.

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
}

fn server_binary() -> Result<PathBuf> {
    let binary = target_dir().join("debug/server");
    if !binary.is_file() {
        bail!(
            "{} is missing: run `cargo leptos build` first (scripts/test.sh does)",
            binary.display()
        );
    }
    Ok(binary)
}

fn site_root() -> Result<PathBuf> {
    let root = target_dir().join("site");
    if !root.join("pkg/quartier.wasm").is_file() {
        bail!(
            "{}/pkg/quartier.wasm is missing: run `cargo leptos build` first",
            root.display()
        );
    }
    Ok(root)
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The real server on its own port and its own fresh database.
pub struct TestServer {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    database_url: String,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts the server on a fresh, empty database.
    pub fn start() -> Result<TestServer> {
        Self::start_with(&[])
    }

    /// Starts the server after running the given CLI commands (e.g.
    /// `[&["demo"]]`) against the fresh database.
    pub fn start_with(setup: &[&[&str]]) -> Result<TestServer> {
        let dir = tempfile::tempdir()?;
        let database_url = format!("sqlite://{}/quartier.db", dir.path().display());
        for args in setup {
            let status = Command::new(server_binary()?)
                .arg("--database")
                .arg(&database_url)
                .args(*args)
                .stdout(Stdio::null())
                .status()
                .with_context(|| format!("running server {args:?}"))?;
            if !status.success() {
                bail!("server {args:?} failed: {status}");
            }
        }
        let mut child = Command::new(server_binary()?)
            .arg("--database")
            .arg(&database_url)
            .arg("--log")
            .arg("warn")
            .arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--site-root")
            .arg(site_root()?)
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_string();
                    }
                }
                _ => {
                    let _ = child.kill();
                    bail!("the server exited before it listened");
                }
            }
        };
        // Keep reading the server's output so that its log lines never hit a
        // closed pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(TestServer {
            child,
            url,
            database_url,
            _dir: dir,
        })
    }

    /// The server's database URL (to inspect it from a test).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Runs a CLI command against the server's database with `stdin` as its
    /// standard input (e.g. a password for `user add --password-stdin`);
    /// fails with the command's stderr if it fails.
    pub fn cli_with_stdin(&self, args: &[&str], stdin: &str) -> Result<()> {
        use std::io::Write;
        let mut child = Command::new(server_binary()?)
            .arg("--database")
            .arg(&self.database_url)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .context("stdin")?
            .write_all(stdin.as_bytes())?;
        let output = child.wait_with_output()?;
        if !output.status.success() {
            bail!(
                "server {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    /// Signs in over plain HTTP and returns the `Cookie` header value of the
    /// new session.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String> {
        sign_in(&self.url, email, password).await
    }

    /// Runs a CLI command against the server's database.
    pub fn cli(&self, args: &[&str]) -> Result<std::process::Output> {
        Ok(Command::new(server_binary()?)
            .arg("--database")
            .arg(&self.database_url)
            .args(args)
            .output()?)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chromedriver process with headless Chromium behind it.
pub struct Browser {
    driver: Child,
    /// The WebDriver client. Call [`Browser::close`] at the end of a test.
    pub client: Client,
    _profile: tempfile::TempDir,
}

/// How a test browser is set up.
#[derive(Clone, Copy, Debug)]
pub struct BrowserSettings {
    /// Window width in CSS pixels.
    pub width: u32,
    /// Window height in CSS pixels.
    pub height: u32,
    /// Whether scripts run.
    pub javascript: bool,
}

impl Default for BrowserSettings {
    fn default() -> Self {
        BrowserSettings {
            width: 1024,
            height: 768,
            javascript: true,
        }
    }
}

impl BrowserSettings {
    /// A phone (375×667, the size of a small smartphone) with scripts on.
    pub const PHONE: BrowserSettings = BrowserSettings {
        width: 375,
        height: 667,
        javascript: true,
    };

    /// The same settings with scripts blocked.
    pub fn without_javascript(self) -> BrowserSettings {
        BrowserSettings {
            javascript: false,
            ..self
        }
    }
}

impl Browser {
    /// Starts chromedriver on a free port and opens a fresh headless Chromium
    /// profile: JavaScript on, 1024×768.
    pub async fn start() -> Result<Browser> {
        Browser::start_with(BrowserSettings::default()).await
    }

    /// Like [`Browser::start`], with the window size and JavaScript as
    /// `settings` say.
    pub async fn start_with(settings: BrowserSettings) -> Result<Browser> {
        let port = free_port()?;
        let mut driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context(
                "starting chromedriver (install Debian's chromium-driver; scripts/setup.sh does)",
            )?;
        let profile = tempfile::tempdir()?;
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-quic", "--no-first-run",
                    format!("--window-size={},{}", settings.width, settings.height),
                    "--lang=de-DE",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                // Like a school tablet in Germany: German is the preferred
                // language, which the server honours via Accept-Language.
                // Content setting 2 blocks scripts, as school networks and
                // tablets with scripts switched off do.
                "prefs": {
                    "intl.accept_languages": "de-DE,de",
                    "profile.managed_default_content_settings.javascript":
                        if settings.javascript { 1 } else { 2 },
                }
            }
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() < deadline => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => {
                    let _ = driver.kill();
                    bail!("cannot start a WebDriver session: {error}");
                }
            }
        };
        Ok(Browser {
            driver,
            client,
            _profile: profile,
        })
    }

    /// Opens `url` and waits until the page has hydrated (the app sets
    /// `data-hydrated` on `<body>` once the wasm bundle runs).
    pub async fn open_hydrated(&self, url: &str) -> Result<()> {
        self.client.goto(url).await?;
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("body[data-hydrated]"))
            .await
            .context("the page did not hydrate within 30 s")?;
        Ok(())
    }

    /// Signs in through the sign-in form, like a user.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) -> Result<()> {
        self.open_hydrated(&format!("{base}/anmelden")).await?;
        self.client
            .find(Locator::Css("#email"))
            .await?
            .send_keys(email)
            .await?;
        self.client
            .find(Locator::Css("#password"))
            .await?
            .send_keys(password)
            .await?;
        self.client
            .find(Locator::Css("form.stacked-form button[type=submit]"))
            .await?
            .click()
            .await?;
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("a.account-name"))
            .await
            .context("sign-in did not lead to a signed-in page")?;
        Ok(())
    }

    /// The visible text of `<main>`: what the user reads, never what sits
    /// in a `<template>`.
    pub async fn main_text(&self) -> Result<String> {
        Ok(self.client.find(Locator::Css("main")).await?.text().await?)
    }

    /// Answers the open questionnaire page as a pupil who taps the first
    /// option of every question (alone or in a grid row), then presses the
    /// page's forward button (`next`, or `finish` on the last page).
    pub async fn answer_page_with_first_options(&self) -> Result<()> {
        let groups = self
            .client
            .find_all(Locator::Css("fieldset.item, tr.grid-item"))
            .await?;
        anyhow::ensure!(!groups.is_empty(), "no question on the page");
        for group in groups {
            // The option's text, as a pupil taps it on a phone.
            group.find(Locator::Css("label")).await?.click().await?;
        }
        let forward = if self
            .client
            .find_all(Locator::Css("button[value=finish]"))
            .await?
            .is_empty()
        {
            "next"
        } else {
            "finish"
        };
        self.client
            .find(Locator::Css(&format!("button[value={forward}]")))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Runs axe-core (installed by `scripts/setup.sh --browser` into
    /// `tests/axe/`) on the open page against WCAG 2.1 A/AA and axe's best
    /// practices, and fails naming every serious or critical violation with
    /// the offending elements. `page` names the page in the message.
    /// Needs JavaScript: WebDriver scripts are page scripts to Chromium.
    pub async fn assert_accessible(&self, page: &str) -> Result<()> {
        let violations = self.accessibility_violations().await?;
        if violations.is_empty() {
            return Ok(());
        }
        bail!(
            "axe-core found {} serious or critical violation(s) on {page}:\n{}",
            violations.len(),
            violations.join("\n")
        )
    }

    /// The serious and critical axe-core violations of the open page, one
    /// line per rule with its elements.
    pub async fn accessibility_violations(&self) -> Result<Vec<String>> {
        let axe = axe_source()?;
        self.client.execute(&axe, vec![]).await?;
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, {
                    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
                    resultTypes: ['violations'],
                }).then(r => done(r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 160)),
                })))).catch(e => done({ error: String(e) }));"#,
                vec![],
            )
            .await?;
        if let Some(error) = result.get("error") {
            bail!("axe-core failed: {error}");
        }
        let violations = result.as_array().context("axe-core returned no list")?;
        Ok(violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                let nodes: Vec<&str> = v["nodes"]
                    .as_array()
                    .map(|n| n.iter().filter_map(|n| n.as_str()).collect())
                    .unwrap_or_default();
                format!(
                    "  [{}] {}: {}\n      {}",
                    v["impact"].as_str().unwrap_or("?"),
                    v["id"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or(""),
                    nodes.join("\n      ")
                )
            })
            .collect())
    }

    /// Saves a PNG of the visible page as `target/e2e-artifacts/{name}.png`
    /// (CI keeps that directory as an artifact) and returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // The whole page, not just the first screen: grow the window to the
        // document's height (capped, so a runaway page cannot exhaust memory),
        // keeping the width (a phone stays a phone), then restore it.
        let (width, window_height) = self.client.get_window_size().await?;
        let width = u32::try_from(width).unwrap_or(1024);
        let window_height = u32::try_from(window_height).unwrap_or(768);
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await?
            .as_u64()
            .unwrap_or(768)
            .clamp(u64::from(window_height.min(768)), 12_000);
        self.client
            .set_window_size(width, u32::try_from(height).unwrap_or(768))
            .await?;
        let png = self.client.screenshot().await?;
        self.client.set_window_size(width, window_height).await?;
        let dir = target_dir().join("e2e-artifacts");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the WebDriver session and chromedriver.
    pub async fn close(mut self) -> Result<()> {
        let result = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        result.map_err(Into::into)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// The axe-core script, installed from the npm registry by
/// `scripts/setup.sh --browser` at the version of `tests/axe/package-lock.json`.
fn axe_source() -> Result<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (run scripts/setup.sh --browser to install axe-core)",
            path.display()
        )
    })
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_string())
}

/// A response fetched over plain HTTP (no JavaScript involved).
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// Body as text.
    pub body: String,
}

/// What a browser without JavaScript shows in the page's `<main>`: the
/// markup between `<main id="main">` and its `</main>`, with every
/// `<template>` removed (leptos' out-of-order streaming parks loaded
/// content in templates after `</html>` that only a script moves in place).
/// Panics with the page if there is no `<main>`, so a test cannot pass on
/// a page without one.
pub fn visible_main(html: &str) -> String {
    let start = html
        .find("<main id=\"main\"")
        .unwrap_or_else(|| panic!("no <main> in the page: {html}"));
    let end = html[start..]
        .find("</main>")
        .map(|end| start + end)
        .unwrap_or_else(|| panic!("<main> is not closed: {html}"));
    let mut main = html[start..end].to_string();
    while let Some(open) = main.find("<template") {
        let close = main[open..]
            .find("</template>")
            .map(|close| open + close + "</template>".len())
            .unwrap_or(main.len());
        main.replace_range(open..close, "");
    }
    main
}

/// GETs `url` like a browser without JavaScript would, optionally with a
/// `Cookie` header.
pub async fn http_get(url: &str, cookie: Option<&str>) -> Result<HttpResponse> {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let mut request = http::Request::get(url);
    if let Some(cookie) = cookie {
        request = request.header(http::header::COOKIE, cookie);
    }
    let response = client
        .request(request.body(http_body_util::Empty::new())?)
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// POSTs an url-encoded form like a browser without JavaScript would (no
/// redirects followed).
pub async fn http_post_form(url: &str, body: &str, cookie: Option<&str>) -> Result<HttpResponse> {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let mut request = http::Request::post(url).header(
        http::header::CONTENT_TYPE,
        "application/x-www-form-urlencoded",
    );
    if let Some(cookie) = cookie {
        request = request.header(http::header::COOKIE, cookie);
    }
    let response = client
        .request(request.body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))?)
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The `name=value` of the first `Set-Cookie` of a response (e.g. the
/// questionnaire's code cookie after `POST /befragung/start`).
pub fn set_cookie(response: &HttpResponse) -> Result<String> {
    let header = response
        .headers
        .get("set-cookie")
        .context("no Set-Cookie header")?
        .to_str()?;
    Ok(header.split(';').next().unwrap_or_default().to_string())
}

/// Sets up an open survey wave with one class of `pupils` pupils on a
/// running server's database (through the real CLI) and returns the codes.
pub fn open_survey_with_codes(server: &TestServer, pupils: u32) -> Result<Vec<String>> {
    let instrument = Path::new(env!("CARGO_MANIFEST_DIR")).join("../instruments/demo-ctc.toml");
    let pupils = pupils.to_string();
    let steps: Vec<Vec<&str>> = vec![
        vec!["import-instrument", instrument.to_str().context("path")?],
        vec!["municipality", "add", "--name", "Teststadt"],
        vec![
            "district",
            "add",
            "--municipality",
            "Teststadt",
            "--code",
            "NORD",
            "--name",
            "Nordstadt",
        ],
        vec![
            "district",
            "add",
            "--municipality",
            "Teststadt",
            "--code",
            "SUED",
            "--name",
            "Südstadt",
        ],
        vec![
            "school",
            "add",
            "--municipality",
            "Teststadt",
            "--district",
            "NORD",
            "--name",
            "Gesamtschule Nord",
        ],
        vec![
            "wave",
            "create",
            "--municipality",
            "Teststadt",
            "--name",
            "Testwelle",
            "--instrument",
            "ctc-demo@2026.1",
            "--opens",
            "2020-01-01",
            "--closes",
            "2099-12-31",
            "--grades",
            "8",
        ],
        vec![
            "class",
            "add",
            "--wave",
            "Testwelle",
            "--school",
            "Gesamtschule Nord",
            "--name",
            "8a",
            "--grade",
            "8",
            "--pupils",
            &pupils,
        ],
    ];
    for step in steps {
        let output = server.cli(&step)?;
        if !output.status.success() {
            bail!(
                "server {step:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let output = server.cli(&[
        "codes",
        "generate",
        "--wave",
        "Testwelle",
        "--school",
        "Gesamtschule Nord",
        "--class",
        "8a",
        "--spares",
        "0",
    ])?;
    if !output.status.success() {
        bail!(
            "codes generate failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8(output.stdout)?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| line.rsplit(',').next())
        .map(str::to_string)
        .collect())
}

/// Runs a `select count(*) …` query on the server's database.
pub async fn count_rows(server: &TestServer, sql: &str) -> Result<i64> {
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(server.database_url()).await?;
    let count: i64 = sqlx::query_scalar(sql).fetch_one(&mut connection).await?;
    connection.close().await?;
    Ok(count)
}

/// The CSRF token of the first form in a signed-in page's HTML.
pub fn csrf_token(html: &str) -> Result<String> {
    Ok(html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no csrf token in the page")?
        .to_string())
}

/// A small RFC 4180 reader (quoted fields may hold commas).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// `application/x-www-form-urlencoded` encoding of a form value.
pub fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Signs in through the sign-in form of the server at `base` (the form needs
/// no CSRF token) and returns the `Cookie` header value of the new session.
pub async fn sign_in(base: &str, email: &str, password: &str) -> Result<String> {
    let body = format!(
        "email={}&password={}&next=",
        form_encode(email),
        form_encode(password)
    );
    let url = format!("{}/anmelden", base.trim_end_matches('/'));
    let response = http_post_form(&url, &body, None)
        .await
        .with_context(|| format!("POST {url}"))?;
    let location = response
        .headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if response.status != 303 || location.contains("fehler=") {
        bail!("sign-in answered {} {location}", response.status);
    }
    response
        .headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|cookie| cookie.split(';').next())
        .find(|pair| pair.starts_with("quartier_session="))
        .map(str::to_string)
        .context("sign-in set no quartier_session cookie")
}
