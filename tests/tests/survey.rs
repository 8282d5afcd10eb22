//! The pupil questionnaire end to end: a real server, a fresh database set
//! up through the CLI, headless Chromium and plain HTTP.

use e2e::{Browser, TestServer, count_rows, http_get, http_post_form, open_survey_with_codes};
use fantoccini::Locator;
use std::time::Duration;

async fn enter_code(browser: &Browser, server: &TestServer, code: &str) -> anyhow::Result<()> {
    browser
        .client
        .goto(&format!("{}/befragung", server.url))
        .await?;
    browser
        .client
        .find(Locator::Css("#code"))
        .await?
        .send_keys(code)
        .await?;
    browser
        .client
        .find(Locator::Css(".code-form button"))
        .await?
        .click()
        .await?;
    Ok(())
}

async fn wait_for_url(browser: &Browser, fragment: &str) -> anyhow::Result<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.client.current_url().await?.to_string();
        if url.contains(fragment) {
            return Ok(url);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "still at {url}, expected {fragment}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn press(browser: &Browser, action: &str) -> anyhow::Result<()> {
    browser
        .client
        .find(Locator::Css(&format!("button[value={action}]")))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_pupil_answers_closes_the_browser_resumes_and_finishes_once() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 2)?;
    let code = &codes[0];

    // Arrange: a pupil enters the code and answers the first two pages.
    let browser = Browser::start().await?;
    enter_code(&browser, &server, code).await?;
    wait_for_url(&browser, "seite=0").await?;
    browser
        .client
        .find(Locator::Css("#sex-diverse"))
        .await?
        .click()
        .await?;
    browser
        .client
        .find(Locator::Css(
            ".questionnaire input[type=radio]:not([name=sex])[id$='-3']",
        ))
        .await?
        .click()
        .await?;
    press(&browser, "next").await?;
    wait_for_url(&browser, "seite=1").await?;
    browser
        .client
        .find(Locator::Css(
            ".questionnaire input[type=radio]:not([name=sex])",
        ))
        .await?
        .click()
        .await?;
    press(&browser, "next").await?;
    wait_for_url(&browser, "seite=2").await?;
    // Act: the browser is closed (the session cookie is gone).
    browser.close().await?;

    // Resume in a fresh browser with the same code: back at page 3.
    let browser = Browser::start().await?;
    enter_code(&browser, &server, code).await?;
    wait_for_url(&browser, "seite=2").await?;
    // The first page kept its answers.
    browser
        .client
        .goto(&format!("{}/befragung/fragen?seite=0", server.url))
        .await?;
    let checked = browser
        .client
        .find(Locator::Css("#sex-diverse"))
        .await?
        .prop("checked")
        .await?;
    assert_eq!(checked.as_deref(), Some("true"));
    press(&browser, "next").await?;
    wait_for_url(&browser, "seite=1").await?;
    // Page through to the end and finish.
    for _ in 0..40 {
        if browser
            .client
            .find(Locator::Css("button[value=finish]"))
            .await
            .is_ok()
        {
            break;
        }
        let before = browser.client.current_url().await?.to_string();
        press(&browser, "next").await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while browser.client.current_url().await?.to_string() == before {
            anyhow::ensure!(std::time::Instant::now() < deadline, "page did not advance");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    press(&browser, "finish").await?;
    wait_for_url(&browser, "/befragung/danke").await?;

    // The code cannot start a second questionnaire.
    enter_code(&browser, &server, code).await?;
    wait_for_url(&browser, "fehler=benutzt").await?;
    let message = browser
        .client
        .find(Locator::Css("p.error"))
        .await?
        .text()
        .await?;
    assert!(message.contains("schon benutzt"), "{message}");
    browser.close().await?;

    // Assert: stored once, anonymous, with its validity flags (answered in
    // seconds with most pages empty: too fast and too few answers).
    assert_eq!(
        count_rows(&server, "select count(*) from response").await?,
        1
    );
    assert_eq!(
        count_rows(&server, "select count(*) from response_draft").await?,
        0
    );
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response where sex = 'diverse' and source = 'online'"
        )
        .await?,
        1
    );
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from response where validity_flags like '%too_fast%' and validity_flags like '%too_few_answered%'"
        )
        .await?,
        1
    );
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from access_code where state = 'finished'"
        )
        .await?,
        1
    );
    Ok(())
}

/// Starts a questionnaire over plain HTTP and returns the cookie.
async fn start(server: &TestServer, code: &str) -> anyhow::Result<String> {
    let response = http_post_form(
        &format!("{}/befragung/start", server.url),
        &format!("code={code}"),
        None,
    )
    .await?;
    anyhow::ensure!(response.status == 303, "start answered {}", response.status);
    e2e::set_cookie(&response)
}

#[tokio::test]
async fn twenty_concurrent_final_submits_store_exactly_one_response() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;
    let cookie = start(&server, &codes[0]).await?;
    let last_page = 15; // the demo instrument has 16 pages
    let url = format!("{}/befragung/fragen", server.url);
    let submits = (0..20).map(|_| {
        let (url, cookie) = (url.clone(), cookie.clone());
        tokio::spawn(async move {
            http_post_form(
                &url,
                &format!("page={last_page}&action=finish"),
                Some(&cookie),
            )
            .await
        })
    });
    for submit in submits.collect::<Vec<_>>() {
        let response = submit.await??;
        assert_eq!(response.status, 303, "{}", response.body);
        // The one that stored names the questionnaire's language; the
        // others find the code used and have no draft to ask.
        let location = response.headers["location"].to_str()?;
        assert!(
            ["/befragung/danke", "/befragung/danke?sprache=de"].contains(&location),
            "{location}"
        );
    }
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
async fn bad_input_is_rejected_precisely_and_changes_nothing() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let codes = open_survey_with_codes(&server, 1)?;
    let start_url = format!("{}/befragung/start", server.url);
    let page_url = format!("{}/befragung/fragen", server.url);
    let location = |r: &e2e::HttpResponse| {
        r.headers
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
            .to_string()
    };

    // Codes: malformed and unknown ones are refused.
    let bad = http_post_form(&start_url, "code=K7M-4QX-9T0", None).await?;
    assert_eq!(location(&bad), "/befragung?fehler=ungueltig");
    let unknown = http_post_form(&start_url, "code=222-222-222", None).await?;
    assert_eq!(location(&unknown), "/befragung?fehler=unbekannt");
    // No cookie: back to the code form.
    let no_session = http_post_form(&page_url, "page=0&action=next", None).await?;
    assert_eq!(location(&no_session), "/befragung?fehler=sitzung");

    let cookie = start(&server, &codes[0]).await?;
    let draft = || {
        count_rows(
            &server,
            "select count(*) from response_draft where answers = zeroblob(length(answers)) and next_page = 0",
        )
    };
    assert_eq!(draft().await?, 1);
    // The first item of the first page of the demo instrument.
    let page = http_get(
        &format!("{}/befragung/fragen?seite=0", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(page.status, 200);
    let first_item = page
        .body
        .split("type=\"radio\"")
        .skip(1)
        .filter_map(|part| part.split("name=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .find(|name| *name != "sex")
        .expect("a question on the first page")
        .to_string();

    for (body, expected) in [
        (
            format!("page=0&action=next&{first_item}=9"),
            "is not an answer option",
        ),
        (
            format!("page=0&action=next&{first_item}=abc"),
            "is not an answer option",
        ),
        (
            "page=0&action=next&NO_SUCH_ITEM=1".to_string(),
            "is not a question of this page",
        ),
        (
            "page=0&action=next&sex=alien".to_string(),
            "is not an answer option",
        ),
        ("page=99&action=next".to_string(), "unknown page"),
        ("page=0&action=teleport".to_string(), "unknown action"),
        ("page=0&action=finish".to_string(), "last page"),
        (
            format!("page=0&action=next&{first_item}=1&{first_item}=2"),
            "sent twice",
        ),
    ] {
        let response = http_post_form(&page_url, &body, Some(&cookie)).await?;
        assert_eq!(response.status, 400, "{body}: {}", response.body);
        assert!(
            response.body.contains(expected),
            "{body}: {}",
            response.body
        );
        assert_eq!(draft().await?, 1, "{body} changed the draft");
    }
    // A huge body is refused before it is read.
    let huge = format!("page=0&action=next&{first_item}={}", "1".repeat(1_000_000));
    let response = http_post_form(&page_url, &huge, Some(&cookie)).await?;
    assert_eq!(response.status, 413);
    assert_eq!(draft().await?, 1);

    // A valid page is saved.
    let ok = http_post_form(
        &page_url,
        &format!("page=0&action=next&{first_item}=2"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(location(&ok), "/befragung/fragen?seite=1");
    assert_eq!(draft().await?, 0);
    assert_eq!(
        count_rows(&server, "select count(*) from response").await?,
        0
    );
    Ok(())
}

/// A coordinator prints a class's code sheet in the browser: the codes are
/// shown once, work in the questionnaire, and a second sheet must be asked
/// for explicitly.
#[tokio::test]
async fn a_coordinator_prints_a_code_sheet_whose_codes_work_once() -> anyhow::Result<()> {
    use e2e::csrf_token;
    let server = TestServer::start()?;
    open_survey_with_codes(&server, 1)?;
    let class = server.cli(&[
        "class",
        "add",
        "--wave",
        "Testwelle",
        "--school",
        "Gesamtschule Nord",
        "--name",
        "8b",
        "--grade",
        "8",
        "--pupils",
        "4",
    ])?;
    assert!(class.status.success());
    server.cli_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "k@teststadt.example",
            "--name",
            "K",
            "--role",
            "coordinator",
            "--municipality",
            "Teststadt",
            "--password-stdin",
        ],
        "ein-langes-passwort\n",
    )?;
    let cookie = server
        .sign_in("k@teststadt.example", "ein-langes-passwort")
        .await?;
    let page = http_get(&format!("{}/teilnahme/1", server.url), Some(&cookie)).await?;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("action=\"/teilnahme/codes\""),
        "a code-sheet form"
    );
    let token = csrf_token(&page.body)?;
    let form = format!("csrf={token}&wave=1&school=Gesamtschule+Nord&class=8b&spares=2");
    let sheet = http_post_form(
        &format!("{}/teilnahme/codes", server.url),
        &form,
        Some(&cookie),
    )
    .await?;
    assert_eq!(sheet.status, 200);
    assert_eq!(sheet.headers["cache-control"], "no-store");
    let codes: Vec<String> = sheet
        .body
        .split("<p class=\"code\">")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .map(str::to_string)
        .collect();
    assert_eq!(codes.len(), 6, "4 pupils + 2 spares");
    // A printed code starts the questionnaire.
    let start = http_post_form(
        &format!("{}/befragung/start", server.url),
        &format!("code={}", codes[0]),
        None,
    )
    .await?;
    assert_eq!(start.headers["location"], "/befragung/fragen?seite=0");
    // The same class again without asking for extra codes: refused, nothing
    // generated.
    let again = http_post_form(
        &format!("{}/teilnahme/codes", server.url),
        &form,
        Some(&cookie),
    )
    .await?;
    assert_eq!(
        again.headers["location"],
        "/teilnahme/1?fehler=schon-erzeugt"
    );
    assert_eq!(
        count_rows(&server, "select count(*) from access_code").await?,
        1 + 6
    );
    // Without a session nothing is generated either.
    let forged = http_post_form(&format!("{}/teilnahme/codes", server.url), &form, None).await?;
    assert_eq!(forged.status, 303, "no session: to the sign-in");
    Ok(())
}

/// The coordinator sets the survey up in the browser: a school, a wave, a
/// class; bad input comes back as a precise message and changes nothing.
#[tokio::test]
async fn a_coordinator_sets_up_school_wave_and_class_in_the_browser() -> anyhow::Result<()> {
    use e2e::csrf_token;
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server
        .sign_in("koordination@ruhrstadt.example", "quartier-demo")
        .await?;
    let page = http_get(&format!("{}/einrichtung/1", server.url), Some(&cookie)).await?;
    assert_eq!(page.status, 200);
    let token = csrf_token(&page.body)?;
    let post = |path: &str, body: String| {
        let url = format!("{}{path}", server.url);
        let cookie = cookie.clone();
        async move { http_post_form(&url, &body, Some(&cookie)).await }
    };
    let school = post(
        "/einrichtung/schule",
        format!("csrf={token}&municipality=1&district=1&name=Neue+Schule&school_type=Gesamtschule"),
    )
    .await?;
    assert!(
        school.headers["location"]
            .to_str()?
            .contains("gespeichert=")
    );
    let wave = post(
        "/einrichtung/welle",
        format!("csrf={token}&municipality=1&name=Fr%C3%BChjahr+2099&instrument=1&opens=2099-03-01&closes=2099-04-30&grades=6%2C8&district_rule=school"),
    )
    .await?;
    assert!(
        wave.headers["location"].to_str()?.contains("gespeichert="),
        "{:?}",
        wave.headers
    );
    let waves_before = count_rows(&server, "select count(*) from wave").await?;
    let bad_wave = post(
        "/einrichtung/welle",
        format!("csrf={token}&municipality=1&name=Kaputt&instrument=1&opens=2099-05-01&closes=2099-04-30&grades=8&district_rule=school"),
    )
    .await?;
    assert!(bad_wave.headers["location"].to_str()?.contains("fehler="));
    assert_eq!(
        count_rows(&server, "select count(*) from wave").await?,
        waves_before
    );
    let school_id = count_rows(
        &server,
        "select school_id from school where name = 'Neue Schule'",
    )
    .await?;
    let wave_id = count_rows(
        &server,
        "select wave_id from wave where name = 'Frühjahr 2099'",
    )
    .await?;
    let class = post(
        "/einrichtung/klasse",
        format!("csrf={token}&municipality=1&wave={wave_id}&school={school_id}&name=8c&grade=8&pupils=22"),
    )
    .await?;
    assert!(class.headers["location"].to_str()?.contains("gespeichert="));
    let wrong_grade = post(
        "/einrichtung/klasse",
        format!("csrf={token}&municipality=1&wave={wave_id}&school={school_id}&name=9a&grade=9&pupils=22"),
    )
    .await?;
    let location = wrong_grade.headers["location"].to_str()?.to_string();
    assert!(location.contains("fehler=Jahrgang%209"), "{location}");
    assert_eq!(
        count_rows(
            &server,
            &format!("select count(*) from school_class where wave_id = {wave_id}")
        )
        .await?,
        1
    );
    // A trainer may read results but not set up the survey.
    let trainer = server
        .sign_in("training@ruhrstadt.example", "quartier-demo")
        .await?;
    let refused = http_get(&format!("{}/einrichtung/1", server.url), Some(&trainer)).await?;
    assert_eq!(refused.status, 403);
    Ok(())
}
