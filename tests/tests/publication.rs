//! Nothing of an open wave appears on any results page or CSV; "the latest
//! wave" everywhere is the latest published one; closing a wave publishes
//! it. Against the real server, with the pages read as a browser without
//! JavaScript shows them (the visible `<main>`).

use anyhow::{Context, Result};
use e2e::{TestServer, csrf_token, csv_rows, http_get, http_post_form};

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const REGIONAL: &str = "region@quartier.example";
/// The open wave the setup creates after the demo's two closed waves.
const OPEN_WAVE: i64 = 3;
const OPEN_NAME: &str = "Herbst 2026";

/// The demo plus an open third wave holding a copy of the first wave's
/// answers (exported and imported through the CLI).
fn demo_with_an_open_wave(dir: &std::path::Path) -> Result<TestServer> {
    let file = dir.join("wave1.csv");
    let file = file.to_str().context("path")?;
    TestServer::start_with(&[
        &["demo"],
        &[
            "wave",
            "create",
            "--municipality",
            "Ruhrstadt (Demo)",
            "--name",
            OPEN_NAME,
            "--instrument",
            "ctc-demo@2026.1",
            "--opens",
            "2026-01-05",
            "--closes",
            "2099-12-31",
            "--grades",
            "6,8,10",
        ],
        &["export-responses", "--wave", "1", "--output", file],
        &[
            "import-responses",
            "--wave",
            "3",
            "--file",
            file,
            "--create-missing",
        ],
    ])
}

/// The visible `<main>` of a server-rendered page.
fn main_of(body: &str) -> Result<&str> {
    let start = body.find("<main").context("no <main>")?;
    let end = body.find("</main>").context("no </main>")?;
    Ok(&body[start..end])
}

#[tokio::test]
async fn an_open_wave_shows_participation_only_on_every_page_and_csv() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = demo_with_an_open_wave(dir.path())?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;

    for route in [
        format!("/profil/{OPEN_WAVE}/gesamt"),
        format!("/profil/{OPEN_WAVE}/NORD?jahrgang=8"),
        format!("/vergleich/{OPEN_WAVE}"),
        format!("/qualitaet/{OPEN_WAVE}"),
    ] {
        let page = http_get(&format!("{}{route}", server.url), Some(&cookie)).await?;
        assert_eq!(page.status, 409, "{route}");
        let main = main_of(&page.body)?;
        assert!(main.contains("Noch keine Ergebnisse"), "{route}: {main}");
        assert!(main.contains("nur die Beteiligung"), "{route}");
        for figure in ["data-factor-percent", "data-difference", "<svg", "Cronbach"] {
            assert!(!main.contains(figure), "{route} shows {figure}");
        }
        assert!(!page.body.contains("data-factor-percent"), "{route}");
    }
    for route in [
        format!("/api/csv/profile?wave={OPEN_WAVE}&district=gesamt"),
        format!("/api/csv/comparison?wave={OPEN_WAVE}"),
        format!("/api/csv/quality?wave={OPEN_WAVE}"),
    ] {
        let csv = http_get(&format!("{}{route}", server.url), Some(&cookie)).await?;
        assert_eq!(csv.status, 409, "{route}: {}", csv.body);
        assert!(csv.body.contains("published once the wave has closed"));
        assert!(!csv.body.contains("fam_conflict"), "{route}");
        assert!(!csv.body.contains("too_few"), "{route}");
    }
    // Participation stays visible (counts only).
    let participation = http_get(
        &format!("{}/teilnahme/{OPEN_WAVE}", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(participation.status, 200);

    // Trends, goals and program outcomes run over the published waves only.
    for route in [
        "/trend/1/NORD",
        "/api/csv/trend?municipality=1&district=NORD",
    ] {
        let page = http_get(&format!("{}{route}", server.url), Some(&cookie)).await?;
        assert_eq!(page.status, 200, "{route}");
        assert!(page.body.contains("Frühjahr 2026"), "{route}");
        assert!(
            !page.body.contains(OPEN_NAME),
            "{route} names the open wave"
        );
    }
    let plan = http_get(&format!("{}/aktionsplan/1", server.url), Some(&cookie)).await?;
    assert_eq!(plan.status, 200);
    assert!(
        !main_of(&plan.body)?.contains(OPEN_NAME),
        "goals tracked in the open wave"
    );

    // Priority suggestions still come from the latest published wave.
    let priorities = http_get(&format!("{}/prioritaeten/1", server.url), Some(&cookie)).await?;
    assert_eq!(priorities.status, 200);
    assert!(
        main_of(&priorities.body)?.contains("auffällig in:"),
        "suggestions vanished with the open wave"
    );

    // The city comparison uses the latest published wave, not the open one.
    let regional = server.sign_in(REGIONAL, PASSWORD).await?;
    let csv = http_get(
        &format!("{}/api/csv/municipalities", server.url),
        Some(&regional),
    )
    .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows = csv_rows(&csv.body);
    let wave = rows[0].iter().position(|c| c == "wave").context("wave")?;
    assert!(rows.len() > 1);
    assert!(
        rows[1..].iter().all(|r| r[wave] == "Frühjahr 2026"),
        "{rows:?}"
    );

    // The coordinator closes the wave on the set-up page (a plain form
    // post): its results are computed in the background and published.
    let setup = http_get(&format!("{}/einrichtung/1", server.url), Some(&cookie)).await?;
    assert!(main_of(&setup.body)?.contains("Welle jetzt abschließen"));
    let token = csrf_token(&setup.body)?;
    let closed = http_post_form(
        &format!("{}/einrichtung/welle-abschliessen", server.url),
        &format!("csrf={token}&municipality=1&wave={OPEN_WAVE}"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let mut page = None;
    for _ in 0..100 {
        let answer = http_get(
            &format!("{}/profil/{OPEN_WAVE}/gesamt", server.url),
            Some(&cookie),
        )
        .await?;
        if answer.status == 200 {
            page = Some(answer);
            break;
        }
        // Being prepared: 503 with a plain notice, never figures.
        assert_eq!(answer.status, 503, "{}", answer.body);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let page = page.context("the closed wave was not published within 20 s")?;
    assert!(main_of(&page.body)?.contains("data-factor-percent"));
    let trend = http_get(&format!("{}/trend/1/NORD", server.url), Some(&cookie)).await?;
    assert!(
        trend.body.contains(OPEN_NAME),
        "published wave in the trend"
    );
    Ok(())
}
