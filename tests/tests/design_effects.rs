//! Class clustering end to end on the demo city (whose classes share a
//! latent shift): the quality page lists each factor's intra-class
//! correlation and design effect, and the profile's intervals are the
//! Wilson intervals on the effective sample size, wider than a simple
//! random sample's.

use anyhow::{Context, Result};
use app::domain::analysis::report::profile_factors;
use app::domain::analysis::stats::Proportion;
use app::domain::survey::instrument::Instrument;
use e2e::{Browser, TestServer, csv_rows, http_get, visible_main};
use fantoccini::Locator;

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
/// The demo's second (closed, published) wave.
const WAVE: i64 = 2;

fn demo_instrument() -> Result<Instrument> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../instruments/demo-ctc.toml");
    Ok(Instrument::from_toml_str(
        &std::fs::read_to_string(&path)?,
        "demo-ctc.toml",
    )?)
}

/// A German decimal as shown on the page ("1,83").
fn german_number(text: &str) -> Result<f64> {
    text.trim()
        .replace(',', ".")
        .parse()
        .with_context(|| format!("not a number: {text:?}"))
}

#[tokio::test]
async fn the_quality_page_shows_each_factors_design_effect() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    browser
        .open_hydrated(&format!("{}/qualitaet/{WAVE}", server.url))
        .await?;
    let heading = browser
        .client
        .find(Locator::Css("#clustering h2"))
        .await?
        .text()
        .await?;
    assert_eq!(heading, "Klassenstruktur und Designeffekte");
    let cells = browser
        .client
        .find_all(Locator::Css("#clustering tbody td.design-effect"))
        .await?;
    assert_eq!(cells.len(), profile_factors(&demo_instrument()?).len());
    let mut design_effects = Vec::new();
    for cell in cells {
        design_effects.push(german_number(&cell.text().await?)?);
    }
    assert!(
        design_effects.iter().all(|&d| d >= 1.0),
        "{design_effects:?}"
    );
    // The demo's classes cluster: most factors have a design effect well
    // above 1, none an implausible one.
    let clustered = design_effects.iter().filter(|&&d| d > 1.3).count();
    assert!(clustered * 2 > design_effects.len(), "{design_effects:?}");
    assert!(
        design_effects.iter().all(|&d| d < 5.0),
        "{design_effects:?}"
    );
    browser.assert_accessible("quality").await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn profile_intervals_use_the_effective_sample_size() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let csv = http_get(
        &format!("{}/api/csv/profile?wave={WAVE}&district=NORD", server.url),
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
            .context(name.to_string())
    };
    let (district, grade, sex, factor) = (
        column("district_code")?,
        column("grade")?,
        column("sex")?,
        column("factor")?,
    );
    let row = rows
        .iter()
        .find(|r| {
            r[district] == "NORD"
                && r[grade] == "ALL"
                && r[sex] == "ALL"
                && r[factor] == "fam_conflict"
        })
        .context("Nordstadt's family conflict")?;
    let number = |name: &str| -> Result<f64> { Ok(row[column(name)?].parse()?) };
    let design_effect = number("design_effect")?;
    assert!(design_effect > 1.2, "{design_effect}");
    let counts = Proportion {
        count: row[column("count")?].parse()?,
        n: row[column("n")?].parse()?,
    };
    let clustered = counts
        .wilson_interval_with_design_effect(design_effect, 0.95)
        .context("interval")?;
    let simple = counts.wilson95().context("interval")?;
    let (lower, upper) = (number("ci_lower")?, number("ci_upper")?);
    assert!((lower - 100.0 * clustered.lower).abs() < 1e-9, "{lower}");
    assert!((upper - 100.0 * clustered.upper).abs() < 1e-9, "{upper}");
    assert!(lower < 100.0 * simple.lower && upper > 100.0 * simple.upper);

    // The chart on the page draws the same interval, and the footnote says
    // what it is.
    let page = http_get(&format!("{}/profil/{WAVE}/NORD", server.url), Some(&cookie)).await?;
    assert_eq!(page.status, 200);
    let main = visible_main(&page.body);
    let whisker = format!(
        r#"data-ci-lower="{:.1}" data-ci-upper="{:.1}""#,
        (lower * 10.0).round() / 10.0,
        (upper * 10.0).round() / 10.0
    );
    assert!(main.contains(&whisker), "{whisker} not in the chart");
    assert!(main.contains("Wilson auf der effektiven Fallzahl"));
    Ok(())
}
