//! A pupil answers in a language the rest of the site does not speak: the
//! demo questionnaire carries a Turkish demo translation. The choice on the
//! code page is kept with the draft, so a pupil who resumes on another
//! device (cookies gone, the code page preset to German) is back in
//! Turkish.

use e2e::{Browser, TestServer, count_rows, http_get, http_post_form, open_survey_with_codes};
use fantoccini::Locator;
use std::time::{Duration, Instant};

/// Waits until the visible `<main>` contains `text`.
async fn wait_for_text(browser: &Browser, text: &str) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let main = browser.main_text().await.unwrap_or_default();
        if main.contains(text) {
            return Ok(main);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{text:?} never appeared in: {main}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types the code on the code page, optionally choosing a language.
async fn enter_code(
    browser: &Browser,
    server: &TestServer,
    code: &str,
    language: Option<&str>,
) -> anyhow::Result<()> {
    let client = &browser.client;
    client.goto(&format!("{}/befragung", server.url)).await?;
    client
        .find(Locator::Css("#code"))
        .await?
        .send_keys(code)
        .await?;
    let select = client.find(Locator::Css("select#language")).await?;
    // Preset to the site's language.
    assert_eq!(select.prop("value").await?.as_deref(), Some("de"));
    let names: Vec<String> = {
        let mut names = Vec::new();
        for option in select.find_all(Locator::Css("option")).await? {
            names.push(option.text().await?);
        }
        names
    };
    assert_eq!(names, ["Deutsch", "English", "Türkçe"]);
    if let Some(language) = language {
        select.select_by_value(language).await?;
    }
    client
        .find(Locator::Css(".code-form button"))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_pupil_answers_in_turkish_resumes_in_turkish_and_finishes() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;
    let browser = Browser::start().await?;

    enter_code(&browser, &server, &codes[0], Some("tr")).await?;
    let first = wait_for_text(&browser, "Sayfa 1 / 16").await?;
    assert!(first.contains("Sen ve mahallen"), "{first}");
    assert!(
        first.contains("Hayatın boyunca kaç kez taşındın?"),
        "{first}"
    );
    assert!(first.contains("Cinsiyetin"), "{first}");
    assert!(first.contains("İleri"), "{first}");
    assert!(!first.contains("Weiter"), "{first}");
    let wrapper = browser
        .client
        .find(Locator::Css(".questionnaire-page"))
        .await?;
    assert_eq!(wrapper.attr("lang").await?.as_deref(), Some("tr"));
    assert_eq!(wrapper.attr("dir").await?.as_deref(), Some("ltr"));
    browser
        .assert_accessible("Turkish questionnaire page 1")
        .await?;
    browser.answer_page_with_first_options().await?;
    let second = wait_for_text(&browser, "Sayfa 2 / 16").await?;
    assert!(second.contains("Mahallen nasıl bir yer?"), "{second}");
    assert!(second.contains("HAYIR!"), "{second}");

    // Another device: no cookie, the code page preset to German.
    browser.client.delete_all_cookies().await?;
    enter_code(&browser, &server, &codes[0], None).await?;
    let resumed = wait_for_text(&browser, "Sayfa 2 / 16").await?;
    assert!(resumed.contains("Mahallen nasıl bir yer?"), "{resumed}");

    // The switch on the page changes the language, keeping the page.
    browser
        .client
        .find(Locator::Css("button[value='language:de']"))
        .await?
        .click()
        .await?;
    let german = wait_for_text(&browser, "Seite 2 von 16").await?;
    assert!(german.contains("So ist es in deinem Viertel"), "{german}");
    browser
        .client
        .find(Locator::Css("button[value='language:tr']"))
        .await?
        .click()
        .await?;
    wait_for_text(&browser, "Sayfa 2 / 16").await?;

    for page in 2..=16 {
        browser.answer_page_with_first_options().await?;
        if page < 16 {
            wait_for_text(&browser, &format!("Sayfa {} / 16", page + 1)).await?;
        }
    }
    let thanks = wait_for_text(&browser, "Çok teşekkürler!").await?;
    assert!(thanks.contains("anonim"), "{thanks}");
    browser.assert_accessible("Turkish thank-you page").await?;
    let url = browser.client.current_url().await?;
    assert_eq!(url.path(), "/befragung/danke");
    browser.close().await?;

    assert_eq!(
        count_rows(&server, "select count(*) from response").await?,
        1
    );
    assert_eq!(
        count_rows(&server, "select count(*) from response_draft").await?,
        0
    );
    Ok(())
}

#[tokio::test]
async fn a_language_the_questionnaire_lacks_is_refused_and_changes_nothing() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;

    // The code page offers the questionnaire's languages by their own names.
    let code_page = http_get(&format!("{}/befragung", server.url), None).await?;
    let main = e2e::visible_main(&code_page.body);
    assert!(main.contains("name=\"language\""), "{main}");
    assert!(main.contains(">Türkçe</option>"), "{main}");

    let refused = http_post_form(
        &format!("{}/befragung/start", server.url),
        &format!("code={}&language=fr", codes[0]),
        None,
    )
    .await?;
    assert_eq!(refused.status, 303);
    assert_eq!(
        refused.headers["location"].to_str()?,
        "/befragung?fehler=sprache"
    );
    let error_page = http_get(&format!("{}/befragung?fehler=sprache", server.url), None).await?;
    assert!(
        e2e::visible_main(&error_page.body).contains("nicht verfügbar"),
        "{}",
        error_page.body
    );
    assert_eq!(
        count_rows(&server, "select count(*) from response_draft").await?,
        0
    );
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from access_code where state = 'issued'"
        )
        .await?,
        1
    );

    // Started in Turkish, the draft keeps it; a switch to a language the
    // questionnaire lacks is rejected and keeps the page's answers unsaved.
    let started = http_post_form(
        &format!("{}/befragung/start", server.url),
        &format!("code={}&language=tr", codes[0]),
        None,
    )
    .await?;
    assert_eq!(started.status, 303);
    let cookie = e2e::set_cookie(&started)?;
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response_draft where language = 'tr'"
        )
        .await?,
        1
    );
    let page = http_get(
        &format!("{}/befragung/fragen?seite=0", server.url),
        Some(&cookie),
    )
    .await?;
    let main = e2e::visible_main(&page.body);
    assert!(main.contains("lang=\"tr\""), "{main}");
    assert!(main.contains("Sayfa 1 / 16"), "{main}");
    let switched = http_post_form(
        &format!("{}/befragung/fragen", server.url),
        "page=0&action=language:fr&COM_MOVE_1=1",
        Some(&cookie),
    )
    .await?;
    assert_eq!(switched.status, 400, "{}", switched.body);
    assert!(switched.body.contains("\"fr\""), "{}", switched.body);
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response_draft where language = 'tr' and next_page = 0 and answers = zeroblob(length(answers))"
        )
        .await?,
        1,
        "the rejected switch changed the draft"
    );

    // A valid switch saves the page and stays on it.
    let switched = http_post_form(
        &format!("{}/befragung/fragen", server.url),
        "page=0&action=language:en&COM_MOVE_1=1",
        Some(&cookie),
    )
    .await?;
    assert_eq!(switched.status, 303, "{}", switched.body);
    assert_eq!(
        switched.headers["location"].to_str()?,
        "/befragung/fragen?seite=0"
    );
    let page = http_get(
        &format!("{}/befragung/fragen?seite=0", server.url),
        Some(&cookie),
    )
    .await?;
    let main = e2e::visible_main(&page.body);
    assert!(main.contains("Page 1 of 16"), "{main}");
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response_draft where language = 'en'"
        )
        .await?,
        1
    );
    Ok(())
}
