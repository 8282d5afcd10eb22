//! What pupils and schools see works without JavaScript: every assertion is
//! on the visible `<main>` of the served HTML (no `<template>` content), and
//! the questionnaire is answered start to finish with plain form posts, as a
//! school tablet with scripts blocked would.

use anyhow::Context;
use e2e::{
    Browser, BrowserSettings, TestServer, count_rows, http_get, http_post_form,
    open_survey_with_codes, visible_main,
};
use fantoccini::Locator;

fn location(response: &e2e::HttpResponse) -> String {
    response
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The value of the first `attribute="…"` after `from` in `html`.
fn attribute<'a>(html: &'a str, from: usize, attribute: &str) -> Option<&'a str> {
    let needle = format!("{attribute}=\"");
    let start = html[from..].find(&needle)? + from + needle.len();
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

/// Every radio group in `main` with its first option, in page order.
fn radio_groups(main: &str) -> Vec<(String, String)> {
    let mut groups: Vec<(String, String)> = Vec::new();
    for (at, _) in main.match_indices("<input type=\"radio\"") {
        let tag_end = main[at..].find('>').map_or(main.len(), |end| at + end);
        let tag = &main[at..tag_end];
        let (Some(name), Some(value)) = (attribute(tag, 0, "name"), attribute(tag, 0, "value"))
        else {
            continue;
        };
        if !groups.iter().any(|(n, _)| n == name) {
            groups.push((name.to_string(), value.to_string()));
        }
    }
    groups
}

#[tokio::test]
async fn a_pupil_answers_the_whole_questionnaire_without_javascript() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;

    // The code page: the form is in the visible main.
    let code_page = http_get(&format!("{}/befragung", server.url), None).await?;
    assert_eq!(code_page.status, 200);
    let main = visible_main(&code_page.body);
    assert!(main.contains("action=\"/befragung/start\""), "{main}");
    assert!(main.contains("name=\"code\""), "{main}");

    let start = http_post_form(
        &format!("{}/befragung/start", server.url),
        &format!("code={}", codes[0]),
        None,
    )
    .await?;
    assert_eq!(start.status, 303, "{}", start.body);
    let cookie = e2e::set_cookie(&start)?;
    let mut next = location(&start);
    assert!(next.starts_with("/befragung/fragen"), "{next}");

    let mut pages = 0;
    let mut answered = 0;
    let mut grid_rows = 0;
    while next.starts_with("/befragung/fragen") {
        pages += 1;
        anyhow::ensure!(pages <= 40, "the questionnaire never ends");
        let page = http_get(&format!("{}{next}", server.url), Some(&cookie)).await?;
        assert_eq!(page.status, 200, "{next}: {}", page.body);
        let main = visible_main(&page.body);
        assert!(!main.contains("class=\"loading\""), "{next}: {main}");
        assert!(main.contains("method=\"post\""), "{next}: {main}");
        let page_field = main
            .find("name=\"page\"")
            .and_then(|at| attribute(&main, at, "value"))
            .unwrap_or_else(|| panic!("{next}: no page field in {main}"))
            .to_string();
        let groups = radio_groups(&main);
        assert!(!groups.is_empty(), "{next}: no question in {main}");
        answered += groups.len();
        // Questions on shared options come as a grid with column headers.
        if main.contains("<table class=\"likert\">") {
            assert!(main.contains("<th scope=\"col\">"), "{next}: {main}");
            grid_rows += main.matches("<tr class=\"grid-item\">").count();
        }
        let action = if main.contains("value=\"finish\"") {
            "finish"
        } else {
            "next"
        };
        let mut body = format!("page={page_field}&action={action}");
        for (name, value) in &groups {
            body.push_str(&format!("&{name}={value}"));
        }
        let posted = http_post_form(
            &format!("{}/befragung/fragen", server.url),
            &body,
            Some(&cookie),
        )
        .await?;
        assert_eq!(posted.status, 303, "{next}: {}", posted.body);
        next = location(&posted);
    }
    // The thank-you page speaks the questionnaire's language.
    assert_eq!(next, "/befragung/danke?sprache=de");
    // The demo instrument has 16 pages.
    assert_eq!(pages, 16);

    let thanks = http_get(&format!("{}/befragung/danke", server.url), None).await?;
    let main = visible_main(&thanks.body);
    assert!(main.contains("<h1>"), "{main}");
    assert_eq!(
        count_rows(&server, "select count(*) from response").await?,
        1
    );
    assert_eq!(
        count_rows(&server, "select count(*) from response_draft").await?,
        0
    );
    // Every answered item is stored: no answer byte is 0 (missing).
    assert!(answered > 16, "only {answered} questions answered");
    assert!(
        grid_rows * 2 > answered,
        "only {grid_rows} of {answered} questions in grids"
    );
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response where instr(answers, zeroblob(1)) = 0"
        )
        .await?,
        1,
        "a stored answer is missing"
    );
    Ok(())
}

/// The whole questionnaire in a real browser with scripts blocked, on a
/// phone and on a school tablet: the pupil types the code, answers every
/// question by tapping its first option, and finishes. Every check reads
/// the visible text of `<main>`, which is what the pupil sees.
async fn answer_in_a_browser(settings: BrowserSettings) -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;
    let browser = Browser::start_with(settings).await?;
    let client = &browser.client;

    client.goto(&format!("{}/befragung", server.url)).await?;
    client
        .find(Locator::Css("#code"))
        .await?
        .send_keys(&codes[0])
        .await?;
    client
        .find(Locator::Css(".code-form button"))
        .await?
        .click()
        .await?;
    // With scripts the code form posts in the background and navigates
    // when the answer arrives; without them the post is a page load.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while client.current_url().await?.path() == "/befragung" {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the code was not accepted: {}",
            browser.main_text().await?
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let mut pages = 0;
    loop {
        let url = client.current_url().await?;
        if url.path() != "/befragung/fragen" {
            break;
        }
        pages += 1;
        anyhow::ensure!(pages <= 40, "the questionnaire never ends");
        let text = browser.main_text().await?;
        assert!(
            text.contains(&format!("Seite {pages} von 16")),
            "page {pages} at {url}: {text}"
        );
        assert!(!text.contains("Lade Datenstand"), "page {pages}: {text}");
        assert!(text.contains("noch etwa"), "page {pages}: {text}");
        if pages == 2 {
            let js = if settings.javascript { "js" } else { "no-js" };
            browser
                .screenshot(&format!(
                    "questionnaire-grid-{}x{}-{js}",
                    settings.width, settings.height
                ))
                .await?;
        }
        if settings.javascript {
            // The stacked phone layout of grids is checked by axe too.
            browser
                .assert_accessible(&format!(
                    "questionnaire page {pages} at {}×{}",
                    settings.width, settings.height
                ))
                .await?;
        }
        browser
            .answer_page_with_first_options()
            .await
            .with_context(|| format!("page {pages}: {text}"))?;
        // Without scripts the post is a full page load; wait for the next
        // document (its URL or progress changes).
        let before = pages;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let now = client.current_url().await?;
            let text = browser.main_text().await.unwrap_or_default();
            if now.path() != "/befragung/fragen"
                || text.contains(&format!("Seite {} von 16", before + 1))
            {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "page {before} did not advance: {text}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    assert_eq!(pages, 16);
    assert_eq!(client.current_url().await?.path(), "/befragung/danke");
    let text = browser.main_text().await?;
    assert!(text.contains("Vielen Dank"), "{text}");
    assert!(text.contains("gespeichert"), "{text}");
    assert!(text.contains("anonym"), "{text}");
    // The app marks <body> once the wasm bundle hydrates: with scripts on
    // the mark appears (so its absence below means something), with
    // scripts blocked no script ran.
    if settings.javascript {
        client
            .wait()
            .at_most(std::time::Duration::from_secs(30))
            .for_element(Locator::Css("body[data-hydrated]"))
            .await?;
    } else {
        assert!(
            client
                .find_all(Locator::Css("body[data-hydrated]"))
                .await?
                .is_empty(),
            "scripts ran although they were blocked"
        );
    }
    browser.close().await?;
    assert_eq!(
        count_rows(&server, "select count(*) from response").await?,
        1
    );
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response where instr(answers, zeroblob(1)) = 0"
        )
        .await?,
        1,
        "a stored answer is missing"
    );
    Ok(())
}

#[tokio::test]
async fn on_a_phone_without_javascript_a_pupil_finishes_the_questionnaire() -> anyhow::Result<()> {
    answer_in_a_browser(BrowserSettings::PHONE.without_javascript()).await
}

#[tokio::test]
async fn on_a_tablet_without_javascript_a_pupil_finishes_the_questionnaire() -> anyhow::Result<()> {
    answer_in_a_browser(BrowserSettings::default().without_javascript()).await
}

#[tokio::test]
async fn on_a_phone_with_javascript_a_pupil_finishes_the_questionnaire() -> anyhow::Result<()> {
    answer_in_a_browser(BrowserSettings::PHONE).await
}
