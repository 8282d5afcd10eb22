//! Weighted results end to end on the demo city (fictional school
//! statistics: 2,400 Gesamtschule and 1,500 Gymnasium pupils per grade):
//! the profile and the comparison say which figures they show and switch
//! between them, the CSV carries the same weighted figures with a
//! `weighting` column, a coordinator replaces the counts on the quality
//! page (a bad table is refused by row and column and changes nothing),
//! and school contacts can do neither.

use anyhow::{Context, Result};
use e2e::{
    Browser, TestServer, count_rows, csrf_token, csv_rows, form_encode, http_get, http_post_form,
    visible_main,
};
use fantoccini::Locator;

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const SCHOOL_CONTACT: &str = "schule@ruhrstadt.example";
/// The demo's second (closed, published) wave.
const WAVE: i64 = 2;

/// `(factor, n, percent, suppressed, weighting)` of one profile CSV row.
type Row = (String, String, String, String, String);

/// The rows of a profile CSV.
fn figures(csv: &str) -> Result<Vec<Row>> {
    let rows = csv_rows(csv);
    let (header, rows) = rows.split_first().context("header")?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .with_context(|| name.to_string())
    };
    let (factor, n, percent, suppressed, weighting) = (
        column("factor")?,
        column("n")?,
        column("percent")?,
        column("suppressed")?,
        column("weighting")?,
    );
    Ok(rows
        .iter()
        .map(|r| {
            (
                r[factor].clone(),
                r[n].clone(),
                r[percent].clone(),
                r[suppressed].clone(),
                r[weighting].clone(),
            )
        })
        .collect())
}

#[tokio::test]
async fn pages_and_csvs_say_whether_figures_are_weighted() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let get = |path: String| {
        let cookie = cookie.clone();
        let url = format!("{}{path}", server.url);
        async move { http_get(&url, Some(&cookie)).await }
    };
    // Without JavaScript: the visible main says what is shown.
    let plain = get(format!("/profil/{WAVE}/gesamt")).await?;
    assert_eq!(plain.status, 200);
    let main = visible_main(&plain.body);
    assert!(
        main.contains("Ungewichtet: jede Antwort zählt gleich."),
        "{main}"
    );
    assert!(main.contains("Gewichtet anzeigen"), "{main}");
    let weighted = get(format!("/profil/{WAVE}/gesamt?gewichtet=1")).await?;
    assert_eq!(weighted.status, 200);
    let main = visible_main(&weighted.body);
    assert!(
        main.contains("Gewichtet nach Schulform × Jahrgang auf die Schülerzahlen"),
        "{main}"
    );
    assert!(main.contains("fiktive Schulstatistik"), "{main}");
    assert!(main.contains("Ungewichtet anzeigen"), "{main}");
    assert!(main.contains("weighted=1"), "the CSV link keeps the choice");
    let comparison = get(format!("/vergleich/{WAVE}?jahrgang=8&gewichtet=1")).await?;
    assert_eq!(comparison.status, 200);
    let main = visible_main(&comparison.body);
    assert!(
        main.contains("Gewichtet nach Schulform × Jahrgang"),
        "{main}"
    );
    let refused = get(format!("/profil/{WAVE}/gesamt?gewichtet=ja")).await?;
    assert_eq!(refused.status, 400, "{}", refused.body);

    // The CSVs: same cells and answers, other shares, named weighting.
    let plain = get(format!("/api/csv/profile?wave={WAVE}&district=gesamt")).await?;
    let weighted = get(format!(
        "/api/csv/profile?wave={WAVE}&district=gesamt&weighted=1"
    ))
    .await?;
    assert_eq!(weighted.status, 200, "{}", weighted.body);
    let (plain, weighted) = (figures(&plain.body)?, figures(&weighted.body)?);
    assert_eq!(plain.len(), weighted.len());
    let mut moved = 0;
    for (a, b) in plain.iter().zip(&weighted) {
        assert_eq!((&a.0, &a.1, &a.3), (&b.0, &b.1, &b.3));
        assert_eq!(a.4, "none");
        assert_eq!(b.4, "post_stratified_school_type_grade_times_kish");
        moved += usize::from(a.2 != b.2);
    }
    assert!(moved > 0, "{weighted:?}");
    let comparison = get(format!(
        "/api/csv/comparison?wave={WAVE}&grade=8&weighted=1"
    ))
    .await?;
    assert_eq!(comparison.status, 200);
    assert!(
        figures(&comparison.body)?
            .iter()
            .all(|row| row.4 == "post_stratified_school_type_grade_times_kish")
    );
    let bad = get(format!("/api/csv/profile?wave={WAVE}&weighted=2")).await?;
    assert_eq!(bad.status, 400);

    // School contacts see no results, weighted or not, and enter no counts.
    let school = server.sign_in(SCHOOL_CONTACT, PASSWORD).await?;
    let csv = http_get(
        &format!(
            "{}/api/csv/profile?wave={WAVE}&district=gesamt&weighted=1",
            server.url
        ),
        Some(&school),
    )
    .await?;
    assert_eq!(csv.status, 403);
    // The school contact's own session token, so the refusal is about the
    // right, not about a forged request.
    let school_page = http_get(&format!("{}/uebersicht", server.url), Some(&school)).await?;
    let school_token = csrf_token(&school_page.body)?;
    let post = http_post_form(
        &format!("{}/qualitaet/schuelerzahlen", server.url),
        &format!(
            "csrf={}&wave={WAVE}&source=x&csv={}",
            form_encode(&school_token),
            form_encode("school_type,grade,pupils\nGymnasium,8,1\n")
        ),
        Some(&school),
    )
    .await?;
    assert_eq!(post.status, 403, "{}", post.body);
    assert!(!post.body.contains("cross-site"), "{}", post.body);
    assert_eq!(
        count_rows(
            &server,
            "select count(*) from wave_population_count where wave_id = 2 and pupils = 1"
        )
        .await?,
        0
    );
    Ok(())
}

/// Fills in and sends the quality page's pupil-count form.
async fn fill(browser: &Browser, csv: &str) -> Result<()> {
    browser
        .client
        .find(Locator::Css("#population-source"))
        .await?
        .send_keys("Schulstatistik 2025/26")
        .await?;
    let area = browser.client.find(Locator::Css("#population-csv")).await?;
    area.clear().await?;
    area.send_keys(csv).await?;
    browser
        .client
        .find(Locator::Css(".population-form button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_coordinator_replaces_the_counts_and_switches_to_weighted_figures() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    browser
        .open_hydrated(&format!("{}/qualitaet/{WAVE}", server.url))
        .await?;
    let section = browser.client.find(Locator::Css("#population")).await?;
    assert!(section.text().await?.contains("Gesamtschule"));
    let before = count_rows(
        &server,
        "select sum(pupils) from wave_population_count where wave_id = 2",
    )
    .await?;
    assert_eq!(before, 3 * (2_400 + 1_500));

    // A table with a wrong school type: refused by row and column.
    fill(
        &browser,
        "school_type,grade,pupils\nGymnasium,8,1000\nRealschule,8,200\n",
    )
    .await?;
    let problems = browser
        .client
        .wait()
        .for_element(Locator::Css("#population .problems"))
        .await?
        .text()
        .await?;
    assert!(problems.contains("row 3, column school_type"), "{problems}");
    assert_eq!(
        count_rows(
            &server,
            "select sum(pupils) from wave_population_count where wave_id = 2",
        )
        .await?,
        before,
        "nothing changed"
    );

    fill(&browser, "school_type,grade,pupils\nGesamtschule,6,2000\nGesamtschule,8,2000\nGesamtschule,10,2000\nGymnasium,6,2000\nGymnasium,8,2000\nGymnasium,10,2000\n").await?;
    let saved = browser
        .client
        .wait()
        .for_element(Locator::Css("#population .notice"))
        .await?
        .text()
        .await?;
    assert!(saved.starts_with("Gespeichert."), "{saved}");
    let table = browser
        .client
        .find(Locator::Css("#population .population-counts"))
        .await?
        .text()
        .await?;
    assert!(table.contains("2000"), "{table}");
    assert_eq!(
        count_rows(
            &server,
            "select sum(pupils) from wave_population_count where wave_id = 2",
        )
        .await?,
        12_000
    );
    browser
        .assert_accessible("quality page with pupil counts")
        .await?;

    // The profile switches to weighted figures and back.
    browser
        .open_hydrated(&format!("{}/profil/{WAVE}/gesamt", server.url))
        .await?;
    browser
        .client
        .find(Locator::LinkText("Gewichtet anzeigen"))
        .await?
        .click()
        .await?;
    let notice = browser
        .client
        .wait()
        .for_element(Locator::Css("p.weighting[data-weighted=true]"))
        .await?
        .text()
        .await?;
    assert!(notice.contains("Schulstatistik 2025/26"), "{notice}");
    browser.assert_accessible("weighted profile").await?;
    browser.close().await?;
    Ok(())
}
