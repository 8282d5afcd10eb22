//! The start page renders on the server, hydrates in a real browser, and
//! works without JavaScript.

use e2e::{Browser, TestServer, http_get, visible_main};
use fantoccini::Locator;

#[tokio::test]
async fn start_page_renders_with_demo_data_and_hydrates_in_chromium() -> anyhow::Result<()> {
    // Arrange: the real server on a fresh database with the demo data.
    let server = TestServer::start_with(&[&["demo"]])?;
    let browser = Browser::start().await?;

    // Act: open the start page and wait for the wasm bundle to take over.
    browser.open_hydrated(&format!("{}/", server.url)).await?;

    // Assert: server-rendered content in German (the default) with the
    // demo city's counts.
    let heading = browser
        .client
        .find(Locator::Css("h1"))
        .await?
        .text()
        .await?;
    assert_eq!(heading, "Quartier");
    let districts = browser
        .client
        .find(Locator::Css("[data-count=districts]"))
        .await?
        .text()
        .await?;
    assert_eq!(districts, "10");
    let survey = browser
        .client
        .find(Locator::Css(".card h2"))
        .await?
        .text()
        .await?;
    assert_eq!(survey, "Befragung");

    // The language switch works in place once hydrated: a marker set on the
    // window survives, which proves no page load happened.
    browser
        .client
        .execute("window.__beforeSwitch = true;", vec![])
        .await?;
    browser
        .client
        .find(Locator::Css("a.language-switch"))
        .await?
        .click()
        .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let survey = browser
            .client
            .find(Locator::Css(".card h2"))
            .await?
            .text()
            .await?;
        if survey == "Survey" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page did not switch to English: {survey}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let marker = browser
        .client
        .execute("return window.__beforeSwitch === true;", vec![])
        .await?;
    assert_eq!(
        marker,
        serde_json::Value::Bool(true),
        "switching language reloaded the page"
    );

    browser.close().await
}

#[tokio::test]
async fn pages_work_without_javascript() -> anyhow::Result<()> {
    let server = TestServer::start()?;

    // The empty database says how to get data instead of showing a blank page.
    let home = http_get(&format!("{}/", server.url), None).await?;
    assert_eq!(home.status, 200);
    let main = visible_main(&home.body);
    assert!(main.contains("<h1>Quartier</h1>"), "{main}");
    assert!(main.contains("Noch keine Daten geladen"), "{main}");
    // The data status is loaded on the server, not left as "loading".
    assert!(!main.contains("class=\"loading\""), "{main}");

    // The no-JS language switch sets the cookie and redirects back.
    let switch = http_get(&format!("{}/language/en", server.url), None).await?;
    assert_eq!(switch.status, 303);
    let cookie = switch.headers["set-cookie"].to_str()?;
    assert!(cookie.starts_with("i18n_pref_locale=en"), "{cookie}");
    let english = http_get(&format!("{}/", server.url), Some("i18n_pref_locale=en")).await?;
    let main = visible_main(&english.body);
    assert!(main.contains("No data loaded yet"), "{main}");

    // Unknown pages answer 404 with a page, unknown languages 404.
    let missing = http_get(&format!("{}/does-not-exist", server.url), None).await?;
    assert_eq!(missing.status, 404);
    assert!(visible_main(&missing.body).contains("Seite nicht gefunden"));
    let bad_language = http_get(&format!("{}/language/fr", server.url), None).await?;
    assert_eq!(bad_language.status, 404);
    Ok(())
}
