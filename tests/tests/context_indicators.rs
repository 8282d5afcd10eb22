//! District context indicators end to end: the demo's fictional values on
//! the district profile beside the survey factors (in a browser and
//! without JavaScript), and a refused import that changes nothing.

use anyhow::Result;
use e2e::{Browser, TestServer, count_rows, http_get, visible_main};
use fantoccini::Locator;

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
/// The demo's second wave ("Frühjahr 2026").
const WAVE: i64 = 2;

#[tokio::test]
async fn the_district_profile_shows_context_indicators_beside_the_factors() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    browser
        .open_hydrated(&format!("{}/profil/{WAVE}/HAFEN", server.url))
        .await?;
    let rows = browser
        .client
        .find_all(Locator::Css("table.context-table tr[data-indicator]"))
        .await?;
    assert_eq!(rows.len(), 6, "one row per demo indicator");
    // The planted worsening of the demo: youth offences in Hafenviertel
    // rose by a quarter in the last year (+6 % trend, +18 % jump).
    let offences = browser
        .client
        .find(Locator::Css("tr[data-indicator='youth_offences']"))
        .await?;
    let text = offences.text().await?;
    assert!(text.contains("2025"), "{text}");
    assert!(text.contains("ungünstiger"), "{text}");
    assert_eq!(
        offences.attr("class").await?.as_deref(),
        Some("worsened"),
        "{text}"
    );
    let main = browser.main_text().await?;
    assert!(main.contains("Kontextindikatoren"), "{main}");
    assert!(
        main.contains("Fiktive Demowerte"),
        "the demo says its values are fictional"
    );
    browser
        .assert_accessible("profile with context indicators")
        .await?;
    browser.screenshot("profile-context-indicators").await?;
    browser.close().await?;

    // Without JavaScript the same table is in the visible <main>.
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let page = http_get(&format!("{}/profil/{WAVE}/LIND", server.url), Some(&cookie)).await?;
    assert_eq!(page.status, 200);
    let main = visible_main(&page.body);
    assert!(main.contains("Kontextindikatoren"), "{main}");
    assert!(
        main.contains("data-indicator=\"youth_unemployment\""),
        "{main}"
    );
    Ok(())
}

#[tokio::test]
async fn the_district_comparison_can_add_context_indicators_as_columns() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let url = format!("{}/vergleich/{WAVE}", server.url);
    let plain = visible_main(&http_get(&url, Some(&cookie)).await?.body);
    assert!(
        !plain.contains("data-column=\"indicator:"),
        "off by default"
    );
    let page = http_get(&format!("{url}?kontext=1"), Some(&cookie)).await?;
    assert_eq!(page.status, 200);
    let main = visible_main(&page.body);
    // A column label and one cell per district for each demo indicator.
    for key in ["youth_offences", "waste_complaints", "residential_mobility"] {
        let marked = main
            .matches(&format!("data-column=\"indicator:{key}\""))
            .count();
        assert_eq!(marked, 1 + 10, "{key}");
    }
    assert!(main.contains("Kontext: Polizeilich registrierte Straftaten Jugendlicher"));
    // Hafenviertel's youth offences lie above the city's: a positive
    // relative difference, in percent in the table.
    let hafen = main
        .split("<th scope=\"row\">Hafenviertel</th>")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_default();
    assert!(hafen.contains(" %</td>"), "{hafen}");
    let checkbox = page
        .body
        .split("name=\"kontext\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(
        checkbox.contains("checked"),
        "the box stays ticked: {checkbox}"
    );
    Ok(())
}

#[tokio::test]
async fn a_values_file_with_errors_is_refused_by_row_and_column() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let before = count_rows(&server, "select count(*) from indicator_value").await?;
    // 10 districts and the city, 6 indicators, 5 years.
    assert_eq!(before, 11 * 6 * 5);
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("werte.csv");
    let import = |file: &std::path::Path| {
        server.cli(&[
            "indicators",
            "import",
            "--municipality",
            "Ruhrstadt (Demo)",
            file.to_str().unwrap_or_default(),
        ])
    };
    std::fs::write(
        &file,
        "indicator,district,period,value\n\
         youth_offences,NORD,2026,50\n\
         youth_offences,MOND,2026,50\n\
         littering,NORD,2026,1\n",
    )?;
    let output = import(&file)?;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nothing changed"), "{stderr}");
    assert!(
        stderr.contains("row 3, column district: unknown district code \"MOND\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 4, column indicator: \"littering\" is not in the indicator catalogue"),
        "{stderr}"
    );
    assert_eq!(
        count_rows(&server, "select count(*) from indicator_value").await?,
        before,
        "the good row of the refused file was not written"
    );

    std::fs::write(
        &file,
        "indicator,district,period,value\nyouth_offences,NORD,2026,50\nyouth_offences,,2026,44,5\n",
    )?;
    let output = import(&file)?;
    // "44,5" unquoted is two fields: the row is refused as too long.
    assert!(!output.status.success());
    std::fs::write(
        &file,
        "indicator,district,period,value\nyouth_offences,NORD,2026,50\nyouth_offences,,2026,\"44,5\"\n",
    )?;
    let output = import(&file)?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        count_rows(&server, "select count(*) from indicator_value").await?,
        before + 2
    );
    let export = server.cli(&["indicators", "export", "--municipality", "Ruhrstadt (Demo)"])?;
    let csv = String::from_utf8_lossy(&export.stdout);
    assert!(
        csv.starts_with("indicator,district,period,value\n"),
        "{csv}"
    );
    assert!(csv.contains("youth_offences,gesamt,2026,44.5\n"), "{csv}");
    Ok(())
}
