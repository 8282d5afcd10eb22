//! A calibrated cut-point set chosen for a wave in the browser: the
//! quality page names the set in use, a coordinator picks a stored set, the
//! wave's published results are rebuilt with it and every CSV names it; the
//! regional office sees the set but may not change it.

use anyhow::{Context, Result, bail};
use e2e::{Browser, TestServer, csrf_token, csv_rows, http_get, http_post_form, visible_main};
use fantoccini::Locator;
use std::time::Duration;

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const REGIONAL: &str = "region@quartier.example";
/// The demo's second (closed, published) wave.
const WAVE: i64 = 2;
const SET: &str = "kalibriert-2026 v1";

fn demo_with_a_calibrated_set() -> Result<TestServer> {
    TestServer::start_with(&[
        &["demo"],
        &[
            "cut-points",
            "save",
            "--wave",
            "Frühjahr 2026",
            "--name",
            "kalibriert-2026",
            "--candidate",
            "youden",
        ],
    ])
}

/// The `cut_point_set` column of the wave's city profile CSV.
async fn set_in_csv(server: &TestServer, cookie: &str) -> Result<String> {
    let csv = http_get(
        &format!("{}/api/csv/profile?wave={WAVE}&district=gesamt", server.url),
        Some(cookie),
    )
    .await?;
    anyhow::ensure!(csv.status == 200, "{}", csv.body);
    let rows = csv_rows(&csv.body);
    let column = rows[0]
        .iter()
        .position(|h| h == "cut_point_set")
        .context("column")?;
    Ok(rows.get(1).context("a row")?[column].clone())
}

#[tokio::test]
async fn a_coordinator_chooses_a_calibrated_set_and_the_results_name_it() -> Result<()> {
    let server = demo_with_a_calibrated_set()?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    assert_eq!(
        set_in_csv(&server, &cookie).await?,
        "ctc-demo-2026.1/default"
    );

    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    let quality = format!("{}/qualitaet/{WAVE}", server.url);
    browser.open_hydrated(&quality).await?;
    let section = browser.client.find(Locator::Css("#cut-points")).await?;
    assert!(section.text().await?.contains("„ctc-demo-2026.1/default“"));
    let option = browser
        .client
        .find(Locator::XPath(&format!(
            "//select[@id='cut-point-set']/option[starts-with(normalize-space(.), '{SET}')]"
        )))
        .await?;
    option.click().await?;
    browser
        .client
        .find(Locator::Css("form.cut-point-form button[type=submit]"))
        .await?
        .click()
        .await?;
    let notice = browser
        .client
        .wait()
        .for_element(Locator::Css("#cut-points .notice"))
        .await?
        .text()
        .await?;
    assert!(notice.starts_with("Gespeichert."), "{notice}");

    // The rebuild runs in the background: the page names the new set once
    // the result is stored.
    let mut named = false;
    for _ in 0..60 {
        browser.open_hydrated(&quality).await?;
        let text = browser
            .client
            .find(Locator::Css("#cut-points"))
            .await?
            .text()
            .await?;
        if text.contains(&format!("„{SET}“")) {
            named = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if !named {
        bail!("the quality page never named {SET}");
    }
    browser.assert_accessible("quality with cut points").await?;
    browser.close().await?;
    assert_eq!(set_in_csv(&server, &cookie).await?, SET);
    // The trend across the two waves warns that the sets differ.
    let trend = http_get(
        &format!(
            "{}/api/csv/trend?municipality=1&district=gesamt",
            server.url
        ),
        Some(&cookie),
    )
    .await?;
    assert_eq!(trend.status, 200, "{}", trend.body);
    assert!(
        trend
            .body
            .contains("cut points differ (ctc-demo-2026.1/default → kalibriert-2026 v1)"),
        "no warning in the trend CSV"
    );
    Ok(())
}

#[tokio::test]
async fn the_regional_office_sees_the_set_but_cannot_change_it() -> Result<()> {
    let server = demo_with_a_calibrated_set()?;
    let cookie = server.sign_in(REGIONAL, PASSWORD).await?;
    let page = http_get(&format!("{}/qualitaet/{WAVE}", server.url), Some(&cookie)).await?;
    assert_eq!(page.status, 200);
    let main = visible_main(&page.body);
    assert!(main.contains("ctc-demo-2026.1/default"));
    assert!(
        !main.contains("cut-point-form"),
        "no form for the regional office"
    );
    // The header's sign-out form carries the session's token, so the
    // refusal below is the right's, not the token's.
    let token = csrf_token(&page.body)?;
    let refused = http_post_form(
        &format!("{}/qualitaet/schnittpunkte", server.url),
        &format!("csrf={token}&wave={WAVE}&set=1"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let coordinator = server.sign_in(COORDINATOR, PASSWORD).await?;
    assert_eq!(
        set_in_csv(&server, &coordinator).await?,
        "ctc-demo-2026.1/default"
    );
    Ok(())
}
