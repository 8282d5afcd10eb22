//! Small-area estimates end to end on the demo city: the page shows each
//! district's direct share beside its Fay–Herriot model estimate, labelled
//! as a model estimate; the CSV's model estimates are exactly the model of
//! the CSV's own shown figures (so nothing withheld went into them); school
//! contacts and strangers are refused.

use anyhow::{Context, Result};
use app::domain::analysis::stats::{AreaDirect, fay_herriot};
use e2e::{Browser, TestServer, csv_rows, http_get, visible_main};
use fantoccini::Locator;

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const SCHOOL_CONTACT: &str = "schule@ruhrstadt.example";
/// The demo's second (closed, published) wave.
const WAVE: i64 = 2;

#[tokio::test]
async fn the_csv_model_is_the_model_of_the_shown_figures() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let csv = http_get(
        &format!("{}/api/csv/small-area?wave={WAVE}", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows = csv_rows(&csv.body);
    let (header, rows) = rows.split_first().context("header")?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .with_context(|| name.to_string())
    };
    let (grade, factor, model, suppressed) = (
        column("grade")?,
        column("factor")?,
        column("model")?,
        column("suppressed")?,
    );
    // All grades plus grades 6, 8 and 10 of the demo.
    let mut levels: Vec<&str> = rows.iter().map(|r| r[grade].as_str()).collect();
    levels.dedup();
    assert_eq!(levels, ["", "6", "8", "10"]);

    let selected: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[grade] == "8" && r[factor] == "fam_conflict")
        .collect();
    assert_eq!(selected.len(), 10, "one row per demo district");
    let number = |row: &Vec<String>, name: &str| -> Result<f64> {
        let text = &row[column(name)?];
        text.parse()
            .with_context(|| format!("{name}: {text:?} is not a number"))
    };
    // Recompute the model from the shown direct figures only: pooled share
    // and smoothed variances p̄(1 − p̄)·deff/n (docs/statistics.md §10).
    let shown: Vec<&&Vec<String>> = selected
        .iter()
        .filter(|r| r[suppressed] == "false")
        .collect();
    let mut counts = Vec::new();
    for row in &shown {
        let n = number(row, "n")?;
        counts.push((n, (number(row, "direct_percent")? * n / 100.0).round()));
    }
    let pooled = counts.iter().map(|c| c.1).sum::<f64>() / counts.iter().map(|c| c.0).sum::<f64>();
    let mut areas = Vec::new();
    for (row, (n, count)) in shown.iter().zip(&counts) {
        areas.push(AreaDirect {
            estimate: count / n,
            sampling_variance: pooled * (1.0 - pooled) * number(row, "design_effect")? / n,
        });
    }
    let fit = fay_herriot(&areas)?;
    for ((row, expected), area) in shown.iter().zip(&fit.areas).zip(&areas) {
        assert_eq!(row[model], "fay_herriot_reml");
        let got = number(row, "model_percent")?;
        assert!(
            (got - 100.0 * expected.estimate).abs() < 1e-9,
            "{got} vs {expected:?}"
        );
        let rmse = number(row, "model_rmse_points")?;
        assert!((rmse - 100.0 * expected.mse.sqrt()).abs() < 1e-9);
        // Shrinkage is more precise than the direct share's (smoothed)
        // sampling error.
        assert!(expected.mse < area.sampling_variance, "{expected:?}");
        let weight = number(row, "own_data_weight")?;
        assert!((0.0..1.0).contains(&weight), "{weight}");
    }
    assert!(
        (number(shown[0], "model_mean_percent")? - 100.0 * fit.mean).abs() < 1e-9,
        "model mean"
    );

    // A grade the wave did not survey is refused; so are school contacts
    // and strangers.
    let unknown = http_get(
        &format!("{}/api/csv/small-area?wave={WAVE}&grade=7", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    let school = server.sign_in(SCHOOL_CONTACT, PASSWORD).await?;
    let refused = http_get(
        &format!("{}/api/csv/small-area?wave={WAVE}", server.url),
        Some(&school),
    )
    .await?;
    assert_eq!(refused.status, 403);
    let page = http_get(&format!("{}/kleinraum/{WAVE}", server.url), Some(&school)).await?;
    assert_eq!(page.status, 403);
    let anonymous = http_get(
        &format!("{}/api/csv/small-area?wave={WAVE}", server.url),
        None,
    )
    .await?;
    assert_eq!(anonymous.status, 401);
    Ok(())
}

#[tokio::test]
async fn the_page_labels_model_estimates_beside_the_direct_shares() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    // Without JavaScript first: the table is in the visible main.
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let page = http_get(
        &format!(
            "{}/kleinraum/{WAVE}?jahrgang=8&faktor=fam_conflict",
            server.url
        ),
        Some(&cookie),
    )
    .await?;
    assert_eq!(page.status, 200);
    let main = visible_main(&page.body);
    assert!(
        main.contains("Modellschätzungen sind keine direkten Befragungsergebnisse"),
        "{main}"
    );
    assert!(
        main.contains("Fay-Herriot (REML) über 10 ausgewiesene Stadtteile"),
        "{main}"
    );
    assert_eq!(main.matches("data-model-percent=").count(), 10, "{main}");

    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    // From the district comparison of grade 8 to its model estimates.
    browser
        .open_hydrated(&format!("{}/vergleich/{WAVE}?jahrgang=8", server.url))
        .await?;
    browser
        .client
        .find(Locator::LinkText("Modellschätzungen für kleine Stadtteile"))
        .await?
        .click()
        .await?;
    let heading = browser
        .client
        .find(Locator::Css("main h1"))
        .await?
        .text()
        .await?;
    assert_eq!(heading, "Modellschätzungen für kleine Stadtteile");
    let grade = browser
        .client
        .find(Locator::Css("select[name=jahrgang] option:checked"))
        .await?
        .text()
        .await?;
    assert_eq!(grade, "8");
    // The smallest district of grade 8 (Südstadt, 37 answers) leans most on
    // the model: its own weight is the lowest of the table.
    let mut weights = Vec::new();
    for row in browser
        .client
        .find_all(Locator::Css(".small-area-table tbody tr"))
        .await?
    {
        let code = row.attr("data-district").await?.unwrap_or_default();
        let cells = row.find_all(Locator::Css("td")).await?;
        let weight = cells.last().context("weight cell")?.text().await?;
        let weight: f64 = weight.trim_end_matches(" %").replace(',', ".").parse()?;
        let n: u64 = cells[0].text().await?.parse()?;
        weights.push((weight, n, code));
    }
    assert_eq!(weights.len(), 10);
    weights.sort_by(|a, b| a.0.total_cmp(&b.0));
    let smallest = weights.iter().min_by_key(|w| w.1).context("rows")?;
    assert_eq!(weights[0].2, smallest.2, "{weights:?}");
    browser.assert_accessible("small-area estimates").await?;
    browser.close().await?;
    Ok(())
}
