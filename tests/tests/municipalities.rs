//! Municipalities side by side (`/kommunen`): a regional office compares the
//! cities of its region, pooled or against reference values; the page, its
//! CSV and the access rules.

use anyhow::{Context, Result};
use e2e::{Browser, TestServer, csv_rows, http_get};
use fantoccini::Locator;
use std::collections::BTreeMap;

const PASSWORD: &str = "quartier-demo";
const REGIONAL: &str = "region@quartier.example";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const SCHOOL_CONTACT: &str = "schule@ruhrstadt.example";
const NEIGHBOUR: &str = "Nachbarstadt (Test)";

/// The demo plus a second city of the same region whose only wave holds the
/// answers of the demo's first wave (exported and imported through the CLI;
/// the import has no completion times, so its exclusions differ).
fn two_cities(dir: &std::path::Path) -> Result<TestServer> {
    let responses = dir.join("responses.csv");
    let responses = responses.to_str().context("path")?;
    TestServer::start_with(&[
        &["demo"],
        &[
            "municipality",
            "add",
            "--name",
            NEIGHBOUR,
            "--region",
            "Sicherheitskooperation Ruhr (Demo)",
        ],
        &[
            "wave",
            "create",
            "--municipality",
            NEIGHBOUR,
            "--name",
            "Herbst 2025",
            "--instrument",
            "ctc-demo@2026.1",
            "--opens",
            "2025-09-01",
            "--closes",
            "2025-10-31",
            "--grades",
            "6,8,10",
        ],
        &["export-responses", "--wave", "1", "--output", responses],
        &[
            "import-responses",
            "--wave",
            "3",
            "--file",
            responses,
            "--create-missing",
        ],
    ])
}

/// CSV rows as maps column → value.
fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let rows = csv_rows(text);
    rows[1..]
        .iter()
        .map(|row| rows[0].iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

fn number(record: &BTreeMap<String, String>, column: &str) -> Result<f64> {
    record[column]
        .parse::<f64>()
        .with_context(|| format!("{column} = {:?}", record[column]))
}

#[tokio::test]
async fn a_regional_office_compares_the_cities_of_its_region() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = two_cities(dir.path())?;
    let regional = server.sign_in(REGIONAL, PASSWORD).await?;

    // The CSV: both cities, each against the pool of both.
    let csv = http_get(
        &format!("{}/api/csv/municipalities", server.url),
        Some(&regional),
    )
    .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows = records(&csv.body);
    let conflict: Vec<&BTreeMap<String, String>> = rows
        .iter()
        .filter(|r| r["factor"] == "fam_conflict")
        .collect();
    assert_eq!(conflict.len(), 2, "{conflict:?}");
    let (count, n) = conflict.iter().try_fold((0.0, 0.0), |(c, n), r| {
        Ok::<_, anyhow::Error>((c + number(r, "count")?, n + number(r, "n")?))
    })?;
    for record in &conflict {
        assert_eq!(record["reference"], "other_municipalities");
        // The marker is the pool of the shown city totals, recomputed here
        // from the CSV's own counts; the difference is the city's percent
        // minus that pool (both rounded to 2 decimals in the file).
        assert!((number(record, "reference_percent")? - 100.0 * count / n).abs() < 0.006);
        assert!(
            (number(record, "difference_points")?
                - (number(record, "percent")? - number(record, "reference_percent")?))
            .abs()
                < 0.011
        );
    }
    // Each city's figures are those of its own wave's profile.
    let neighbour = conflict
        .iter()
        .find(|r| r["municipality"] == NEIGHBOUR)
        .context("neighbour row")?;
    assert_eq!(neighbour["wave"], "Herbst 2025");
    let own_profile = http_get(
        &format!("{}/api/csv/profile?wave=3&district=gesamt", server.url),
        Some(&regional),
    )
    .await?;
    let original = records(&own_profile.body)
        .into_iter()
        .find(|r| r["factor"] == "fam_conflict")
        .context("fam_conflict in the neighbour's profile")?;
    assert_eq!(neighbour["n"], original["n"]);
    assert_eq!(neighbour["percent"], original["percent"]);

    // The page shows the same differences, one row per city.
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, REGIONAL, PASSWORD).await?;
    browser
        .open_hydrated(&format!("{}/uebersicht", server.url))
        .await?;
    browser
        .client
        .find(Locator::Css("a[href='/kommunen']"))
        .await?
        .click()
        .await?;
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css("g.heat-row"))
        .await?;
    // Reached by a link, the page was drawn by the browser itself: its SVG
    // titles and links must still be SVG elements to show and work.
    let namespaces = browser
        .client
        .execute(
            "return [...document.querySelectorAll('svg title, svg a')].map(e => e.namespaceURI);",
            vec![],
        )
        .await?;
    let namespaces = namespaces.as_array().context("an array")?;
    assert!(namespaces.len() > 60, "{namespaces:?}");
    assert!(
        namespaces
            .iter()
            .all(|n| n.as_str() == Some("http://www.w3.org/2000/svg")),
        "{namespaces:?}"
    );
    let heat_rows = browser.client.find_all(Locator::Css("g.heat-row")).await?;
    assert_eq!(heat_rows.len(), 2);
    let mut compared = 0;
    for row in heat_rows {
        let label = row.attr("data-label").await?.context("data-label")?;
        let city = if label.starts_with(NEIGHBOUR) {
            NEIGHBOUR
        } else {
            "Ruhrstadt (Demo)"
        };
        for cell in row.find_all(Locator::Css("[data-difference]")).await? {
            let factor = cell.attr("data-column").await?.context("data-column")?;
            let shown: f64 = cell
                .attr("data-difference")
                .await?
                .context("value")?
                .parse()?;
            let record = rows
                .iter()
                .find(|r| r["municipality"] == city && r["factor"] == factor)
                .with_context(|| format!("{city} {factor} not in the CSV"))?;
            assert!(
                (shown - number(record, "difference_points")?).abs() <= 0.05 + 1e-9,
                "{city} {factor}: page {shown}, CSV {}",
                record["difference_points"]
            );
            compared += 1;
        }
    }
    assert!(compared >= 2 * 30, "only {compared} cells compared");
    browser.screenshot("municipalities").await?;
    browser.close().await?;

    // Against the demo's reference values: every city total against the
    // all-grades norm of the file.
    let against_norm = http_get(
        &format!("{}/api/csv/municipalities?reference=demo-land", server.url),
        Some(&regional),
    )
    .await?;
    assert_eq!(against_norm.status, 200, "{}", against_norm.body);
    let norm_rows = records(&against_norm.body);
    let norm_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../norms/demo-land.csv"
    ))?;
    let norm = csv_rows(&norm_text)
        .into_iter()
        .find(|r| r[0] == "fam_conflict" && r[1].is_empty())
        .context("all-grades norm")?[2]
        .parse::<f64>()?;
    for record in norm_rows.iter().filter(|r| r["factor"] == "fam_conflict") {
        assert_eq!(record["reference"], "Landesvergleich (Demo, fiktiv)");
        assert!((number(record, "reference_percent")? - norm).abs() < 0.005);
    }

    // A coordinator sees only the own city; a school contact nothing.
    let coordinator = server.sign_in(COORDINATOR, PASSWORD).await?;
    let own = http_get(
        &format!("{}/api/csv/municipalities", server.url),
        Some(&coordinator),
    )
    .await?;
    assert!(
        records(&own.body)
            .iter()
            .all(|r| r["municipality"] == "Ruhrstadt (Demo)")
    );
    let page = http_get(&format!("{}/kommunen", server.url), Some(&coordinator)).await?;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("mindestens zwei Kommunen"), "no notice");
    let school = server.sign_in(SCHOOL_CONTACT, PASSWORD).await?;
    for route in ["/kommunen", "/api/csv/municipalities"] {
        let refused = http_get(&format!("{}{route}", server.url), Some(&school)).await?;
        assert_eq!(refused.status, 403, "{route}");
        let anonymous = http_get(&format!("{}{route}", server.url), None).await?;
        assert_eq!(anonymous.status, 401, "{route}");
    }
    let unknown = http_get(
        &format!("{}/api/csv/municipalities?reference=nope", server.url),
        Some(&regional),
    )
    .await?;
    assert_eq!(unknown.status, 400);
    Ok(())
}
