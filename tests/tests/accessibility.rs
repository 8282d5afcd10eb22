//! Accessibility checked by a machine and by the keyboard: axe-core (WCAG
//! 2.1 A/AA and best practices) on every page a pupil sees and on every
//! results page, failing on any serious or critical violation; and the
//! whole questionnaire finished with the keyboard alone.

use anyhow::{Context, Result, ensure};
use e2e::{Browser, TestServer, open_survey_with_codes};
use fantoccini::Locator;
use fantoccini::key::Key;
use std::time::{Duration, Instant};

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const ADMIN: &str = "admin@quartier.example";

/// Waits until the page at `path` shows `css`.
async fn wait_for(browser: &Browser, css: &str) -> Result<()> {
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("{css} did not appear"))?;
    Ok(())
}

/// The progress line's "Seite N von M" page number, if the page has one.
async fn page_number(browser: &Browser) -> Result<Option<usize>> {
    let text = browser.main_text().await?;
    Ok(text
        .split("Seite ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok()))
}

/// Waits for the next questionnaire page (or the thank-you page) after
/// `before`.
async fn wait_for_page_after(browser: &Browser, before: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.client.current_url().await?;
        if url.path() != "/befragung/fragen"
            || page_number(browser).await.ok().flatten() == Some(before + 1)
        {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "page {before} did not advance");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn pupil_pages_have_no_serious_accessibility_violations() -> Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;
    let browser = Browser::start().await?;

    browser.open_hydrated(&format!("{}/", server.url)).await?;
    browser.assert_accessible("the start page").await?;

    browser
        .open_hydrated(&format!("{}/befragung", server.url))
        .await?;
    browser.assert_accessible("the code page").await?;

    // A wrong code: the error message is announced and the page stays clean.
    let code = browser.client.find(Locator::Css("#code")).await?;
    code.send_keys("ZZZZ-ZZZZ").await?;
    browser
        .client
        .find(Locator::Css(".code-form button"))
        .await?
        .click()
        .await?;
    wait_for(&browser, "main [role=alert]").await?;
    browser
        .assert_accessible("the code page with an error")
        .await?;

    let code = browser.client.find(Locator::Css("#code")).await?;
    code.clear().await?;
    code.send_keys(&codes[0]).await?;
    browser
        .client
        .find(Locator::Css(".code-form button"))
        .await?
        .click()
        .await?;
    wait_for(&browser, "form.questionnaire").await?;

    let mut pages = 0;
    while browser.client.current_url().await?.path() == "/befragung/fragen" {
        pages += 1;
        ensure!(pages <= 40, "the questionnaire never ends");
        wait_for(&browser, "body[data-hydrated]").await?;
        browser
            .assert_accessible(&format!("questionnaire page {pages}"))
            .await?;
        for group in browser
            .client
            .find_all(Locator::Css("fieldset.item, tr.grid-item"))
            .await?
        {
            group.find(Locator::Css("label")).await?.click().await?;
        }
        let finish = !browser
            .client
            .find_all(Locator::Css("button[value=finish]"))
            .await?
            .is_empty();
        let action = if finish { "finish" } else { "next" };
        browser
            .client
            .find(Locator::Css(&format!("button[value={action}]")))
            .await?
            .click()
            .await?;
        wait_for_page_after(&browser, pages).await?;
    }
    assert_eq!(
        browser.client.current_url().await?.path(),
        "/befragung/danke"
    );
    browser.assert_accessible("the thank-you page").await?;
    browser.close().await
}

/// A WebDriver special key as the text `send_keys` takes.
fn key(key: Key) -> String {
    char::from(key).to_string()
}

/// Presses keys on whatever element has the focus, as a keyboard does.
async fn press(browser: &Browser, keys: &str) -> Result<()> {
    browser
        .client
        .active_element()
        .await?
        .send_keys(keys)
        .await?;
    Ok(())
}

/// The focused element's tag, type and value, e.g. `("input", "radio", "2")`.
async fn focused(browser: &Browser) -> Result<(String, String, String)> {
    let element = browser.client.active_element().await?;
    Ok((
        element.tag_name().await?.to_lowercase(),
        element.attr("type").await?.unwrap_or_default(),
        element.attr("value").await?.unwrap_or_default(),
    ))
}

#[tokio::test]
async fn a_pupil_finishes_the_questionnaire_with_the_keyboard_alone() -> Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;
    let browser = Browser::start().await?;
    browser
        .open_hydrated(&format!("{}/befragung", server.url))
        .await?;

    // The first Tab reaches the skip link; following it lands in <main>,
    // and the next Tab on the code field.
    press(&browser, &key(Key::Tab)).await?;
    let skip = browser.client.active_element().await?;
    assert_eq!(skip.attr("href").await?.as_deref(), Some("#main"));
    press(&browser, &key(Key::Enter)).await?;
    let mut tabs = 0;
    while focused(&browser).await?.0 != "input" {
        press(&browser, &key(Key::Tab)).await?;
        tabs += 1;
        ensure!(tabs < 10, "the code field is not reachable by Tab");
    }
    assert_eq!(
        browser
            .client
            .active_element()
            .await?
            .attr("id")
            .await?
            .as_deref(),
        Some("code")
    );
    press(&browser, &codes[0]).await?;
    press(&browser, &key(Key::Enter)).await?;
    wait_for(&browser, "form.questionnaire").await?;

    // Every page: Tab moves from question to question, Space answers the
    // focused option, and Enter on the "next" button turns the page.
    let mut pages = 0;
    while browser.client.current_url().await?.path() == "/befragung/fragen" {
        pages += 1;
        ensure!(pages <= 40, "the questionnaire never ends");
        wait_for(&browser, "body[data-hydrated]").await?;
        let mut presses = 0;
        loop {
            presses += 1;
            ensure!(
                presses < 400,
                "page {pages}: the buttons are not reachable by Tab"
            );
            press(&browser, &key(Key::Tab)).await?;
            let (tag, kind, value) = focused(&browser).await?;
            if tag == "input" && kind == "radio" {
                press(&browser, &key(Key::Space)).await?;
            } else if tag == "button" && (value == "next" || value == "finish") {
                break;
            }
        }
        let unanswered: i64 = browser
            .client
            .execute(
                "const names = new Set([...document.querySelectorAll('form.questionnaire input[type=radio]')].map(r => r.name));
                 return [...names].filter(n => !document.querySelector(`input[name='${n}']:checked`)).length;",
                vec![],
            )
            .await?
            .as_i64()
            .context("count")?;
        assert_eq!(unanswered, 0, "page {pages}: a question was skipped by Tab");
        press(&browser, &key(Key::Enter)).await?;
        wait_for_page_after(&browser, pages).await?;
    }
    assert_eq!(
        browser.client.current_url().await?.path(),
        "/befragung/danke"
    );
    assert!(browser.main_text().await?.contains("Vielen Dank"));
    browser.close().await?;
    assert_eq!(
        e2e::count_rows(&server, "select count(*) from response").await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn results_pages_have_no_serious_accessibility_violations() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let browser = Browser::start().await?;
    browser
        .open_hydrated(&format!("{}/anmelden", server.url))
        .await?;
    browser.assert_accessible("the sign-in page").await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    let pages = [
        "/uebersicht",
        "/profil/2/NORD",
        "/profil/2/gesamt",
        "/vergleich/2",
        "/trend/1/NORD",
        "/qualitaet/2",
        "/teilnahme/2",
        "/prioritaeten/1",
        "/programme/1",
        "/aktionsplan/1",
        "/wirkung/1/DEMO-FAM-1",
        "/einrichtung/1",
        "/katalog",
        "/kommunen",
        "/vergleichswerte",
    ];
    let mut failures = Vec::new();
    for page in pages {
        browser
            .open_hydrated(&format!("{}{page}", server.url))
            .await?;
        if let Err(error) = browser.assert_accessible(page).await {
            failures.push(error.to_string());
        }
    }
    browser.close().await?;

    // Admin-only pages.
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, ADMIN, PASSWORD).await?;
    for page in ["/kommunen", "/katalog", "/vergleichswerte"] {
        browser
            .open_hydrated(&format!("{}{page}", server.url))
            .await?;
        if let Err(error) = browser.assert_accessible(&format!("{page} (admin)")).await {
            failures.push(error.to_string());
        }
    }
    browser.close().await?;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
