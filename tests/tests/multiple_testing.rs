//! Which comparisons are adjusted together, on the real server with the
//! demo city: the district comparison can adjust over every district ×
//! factor of the page, the CSV names the family, every figure of the CSVs
//! is unrounded, and trend changes are adjusted over the group.

use anyhow::{Context, Result};
use e2e::{TestServer, csv_rows, http_get};

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
/// The demo's second (closed, published) wave.
const WAVE: i64 = 2;

/// The rows of a CSV as maps column → value.
fn records(body: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let rows = csv_rows(body);
    let Some((header, rows)) = rows.split_first() else {
        return Vec::new();
    };
    rows.iter()
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

fn number(value: &str) -> Option<f64> {
    value.parse().ok()
}

#[tokio::test]
async fn a_report_wide_family_adjusts_every_district_and_factor_together() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let csv = |query: &str| {
        let url = format!("{}/api/csv/comparison?wave={WAVE}{query}", server.url);
        let cookie = cookie.clone();
        async move { http_get(&url, Some(&cookie)).await }
    };

    let per_group = csv("").await?;
    assert_eq!(per_group.status, 200, "{}", per_group.body);
    let report = csv("&adjustment=report").await?;
    assert_eq!(report.status, 200, "{}", report.body);
    let (per_group, report) = (records(&per_group.body), records(&report.body));
    assert_eq!(per_group.len(), report.len());

    let mut raw = Vec::new();
    for (g, r) in per_group.iter().zip(&report) {
        assert_eq!(
            (&g["district_code"], &g["factor"]),
            (&r["district_code"], &r["factor"])
        );
        // The same test, another family.
        assert_eq!(g["p_value"], r["p_value"]);
        if r["p_value"].is_empty() {
            assert_eq!(r["p_adjustment"], "", "{r:?}");
            continue;
        }
        assert_eq!(g["p_adjustment"], "benjamini_hochberg");
        assert_eq!(r["p_adjustment"], "benjamini_hochberg_over_report");
        raw.push(number(&r["p_value"]).context("p")?);
    }
    assert!(raw.len() > 100, "only {} comparisons", raw.len());
    // Recomputed here from the definition (step-up, m·p₍ᵢ₎/i, running
    // minimum from the largest, as R p.adjust(p, "BH")) over exactly the
    // p-values of the file: the unrounded CSV values make this exact.
    let m = raw.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| raw[a].total_cmp(&raw[b]));
    let mut expected = vec![0.0; m];
    let mut running = 1.0_f64;
    for (rank0, &index) in order.iter().enumerate().rev() {
        running = running.min(raw[index] * m as f64 / (rank0 + 1) as f64);
        expected[index] = running;
    }
    let adjusted: Vec<f64> = report
        .iter()
        .filter(|r| !r["p_value"].is_empty())
        .map(|r| number(&r["p_adjusted"]).unwrap_or(f64::NAN))
        .collect();
    for ((got, want), row) in adjusted
        .iter()
        .zip(&expected)
        .zip(report.iter().filter(|r| !r["p_value"].is_empty()))
    {
        assert!(
            (got - want).abs() <= 1e-12 * want.max(1e-300),
            "{got} ≠ {want}: {row:?}"
        );
        // "elevated" needs the adjusted p below 0.05.
        if row["elevated"] == "elevated" || row["elevated"] == "lowered" {
            assert!(*got < 0.05, "{row:?}");
        }
    }
    // The demo's planted differences are strong enough for the larger
    // family too.
    assert!(
        report.iter().any(|r| r["elevated"] == "elevated"),
        "nothing of concern over the report"
    );

    // Figures are unrounded: more than two decimals somewhere.
    assert!(
        report
            .iter()
            .any(|r| r["percent"].split('.').nth(1).is_some_and(|d| d.len() > 2)),
        "percentages look rounded"
    );
    assert!(
        report.iter().all(|r| !r["p_value"].contains('e')),
        "no exponent notation"
    );

    let bad = csv("&adjustment=everything").await?;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("unknown adjustment"), "{}", bad.body);

    // The page offers the same choice and links the matching CSV.
    let page = http_get(
        &format!("{}/vergleich/{WAVE}?korrektur=bericht", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(page.status, 200);
    let main = e2e::visible_main(&page.body);
    assert!(main.contains("adjustment=report"), "{main}");
    assert!(
        main.contains("über alle Stadtteile und Faktoren dieser Seite"),
        "{main}"
    );
    let bad_page = http_get(
        &format!("{}/vergleich/{WAVE}?korrektur=alles", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(bad_page.status, 400, "{}", bad_page.body);
    Ok(())
}

#[tokio::test]
async fn trend_changes_are_adjusted_over_the_group() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let csv = http_get(
        &format!("{}/api/csv/trend?municipality=1&district=NORD", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows = records(&csv.body);
    let changes: Vec<_> = rows
        .iter()
        .filter(|r| !r["change_previous_p"].is_empty())
        .collect();
    assert!(changes.len() > 20, "{} changes", changes.len());
    // BH over the group's family: adjusted ≥ raw, at most 1, and a change is
    // significant exactly when its adjusted p is below 0.05.
    for row in &changes {
        let raw = number(&row["change_previous_p"]).context("p")?;
        let adjusted = number(&row["change_previous_p_adjusted"]).context("adjusted")?;
        assert!(adjusted >= raw - 1e-15 && adjusted <= 1.0, "{row:?}");
        assert_eq!(
            row["change_previous_significant"] == "true",
            adjusted < 0.05,
            "{row:?}"
        );
        // Two waves: "since first" is the same test as "since previous".
        assert_eq!(
            row["change_first_p_adjusted"],
            row["change_previous_p_adjusted"]
        );
    }
    // The planted fall of family conflict in NORD stays significant.
    let planted = changes
        .iter()
        .find(|r| r["factor"] == "fam_conflict" && r["grade"] == "ALL" && r["sex"] == "ALL")
        .context("NORD fam_conflict change")?;
    assert_eq!(
        planted["change_previous_significant"], "true",
        "{planted:?}"
    );
    Ok(())
}
