//! Results pages end to end: sign-in, the profile with bars, intervals and
//! reference markers, refusals across municipalities and roles, the CSV
//! downloads, and screenshots of the profile, heat map and trend pages.

use anyhow::{Context, Result};
use e2e::{Browser, TestServer, count_rows, csrf_token, csv_rows, http_get, http_post_form};
use fantoccini::Locator;
use std::collections::BTreeMap;

const PASSWORD: &str = "quartier-demo";
const COORDINATOR: &str = "koordination@ruhrstadt.example";
const OTHER_COORDINATOR: &str = "koordination@andere-stadt.example";
/// The demo's second wave ("Frühjahr 2026") and its municipality.
const WAVE: i64 = 2;
const MUNICIPALITY: i64 = 1;

/// The demo plus a second municipality with its own coordinator.
fn demo_with_a_second_city() -> Result<TestServer> {
    let server = TestServer::start_with(&[
        &["demo"],
        &[
            "municipality",
            "add",
            "--name",
            "Andere Stadt",
            "--region",
            "Anderswo",
        ],
    ])?;
    server.cli_with_stdin(
        &[
            "user",
            "add",
            "--email",
            OTHER_COORDINATOR,
            "--name",
            "Koordination Andere Stadt",
            "--role",
            "coordinator",
            "--municipality",
            "Andere Stadt",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )?;
    Ok(server)
}

/// factor label → percent as the CSV has it (empty = suppressed).
fn csv_percent_by_label(csv: &str) -> Result<BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().context("empty csv")?.split(',').collect();
    let label = header
        .iter()
        .position(|c| *c == "factor_label")
        .context("factor_label")?;
    let percent = header
        .iter()
        .position(|c| *c == "percent")
        .context("percent")?;
    let mut reader = csv_rows(csv);
    reader.remove(0);
    Ok(reader
        .into_iter()
        .map(|row| (row[label].clone(), row[percent].clone()))
        .collect())
}

#[tokio::test]
async fn a_coordinator_sees_the_profile_and_its_numbers_equal_the_csv() -> Result<()> {
    let server = demo_with_a_second_city()?;
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;

    let page = format!("{}/profil/{WAVE}/NORD?jahrgang=8", server.url);
    browser.open_hydrated(&page).await?;
    let bars = browser
        .client
        .find_all(Locator::Css("rect[data-factor-percent]"))
        .await?;
    assert!(bars.len() > 20, "only {} bars", bars.len());
    let whiskers = browser
        .client
        .find_all(Locator::Css("[data-ci-lower]"))
        .await?;
    assert_eq!(whiskers.len(), bars.len(), "every bar has a CI whisker");
    let markers = browser
        .client
        .find_all(Locator::Css("[data-reference]"))
        .await?;
    assert!(
        markers.len() >= bars.len(),
        "every bar has a reference marker"
    );
    // The planted problem of the demo: family conflict is elevated in
    // Nordstadt, and the page says so.
    let heading = browser
        .client
        .find(Locator::Css("h1"))
        .await?
        .text()
        .await?;
    assert!(heading.contains("Nordstadt"), "{heading}");
    browser.screenshot("profile").await?;

    // Same filters, same numbers: every bar against the CSV download.
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let csv = http_get(
        &format!(
            "{}/api/csv/profile?wave={WAVE}&district=NORD&grade=8",
            server.url
        ),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.headers["content-type"]
            .to_str()?
            .starts_with("text/csv")
    );
    let expected = csv_percent_by_label(&csv.body)?;
    let rows = browser.client.find_all(Locator::Css("g.bar-row")).await?;
    let mut compared = 0;
    for row in rows {
        let label = row.attr("data-label").await?.context("data-label")?;
        let shown = match row.find(Locator::Css("rect[data-factor-percent]")).await {
            Ok(bar) => bar.attr("data-factor-percent").await?.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let in_csv = expected
            .get(&label)
            .with_context(|| format!("{label} not in CSV"))?;
        // The page shows one decimal, the CSV two: they agree when the
        // page's value is the CSV's rounded (within half a unit of the last
        // shown digit).
        if in_csv.is_empty() || shown.is_empty() {
            assert_eq!(
                shown.is_empty(),
                in_csv.is_empty(),
                "{label}: page {shown:?}, CSV {in_csv:?}"
            );
        } else {
            let (page_value, csv_value) = (shown.parse::<f64>()?, in_csv.parse::<f64>()?);
            assert!(
                (page_value - csv_value).abs() <= 0.05 + 1e-9,
                "{label}: page {page_value}, CSV {csv_value}"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, expected.len(), "every CSV row is on the page");

    // Heat map and trends: rendered, and screenshots for the record.
    browser
        .open_hydrated(&format!("{}/vergleich/{WAVE}", server.url))
        .await?;
    let cells = browser
        .client
        .find_all(Locator::Css("[data-difference]"))
        .await?;
    assert!(
        cells.len() >= 10 * 20,
        "only {} heat-map cells",
        cells.len()
    );
    browser.screenshot("comparison").await?;
    browser
        .open_hydrated(&format!("{}/trend/{MUNICIPALITY}/NORD", server.url))
        .await?;
    let points = browser
        .client
        .find_all(Locator::Css("[data-percent]"))
        .await?;
    assert!(points.len() >= 2 * 20, "only {} trend points", points.len());
    browser.screenshot("trends").await?;
    browser.close().await
}

#[tokio::test]
async fn a_coordinator_of_another_city_is_refused_on_page_function_and_csv() -> Result<()> {
    let server = demo_with_a_second_city()?;
    let browser = Browser::start().await?;
    browser
        .sign_in(&server.url, OTHER_COORDINATOR, PASSWORD)
        .await?;
    browser
        .open_hydrated(&format!("{}/profil/{WAVE}/NORD", server.url))
        .await?;
    let notice = browser
        .client
        .find(Locator::Css(".notice.error h1"))
        .await?
        .text()
        .await?;
    assert_eq!(notice, "Keine Berechtigung");
    assert!(
        browser
            .client
            .find_all(Locator::Css("rect[data-factor-percent]"))
            .await?
            .is_empty(),
        "no figures on a refused page"
    );
    browser.close().await?;

    let cookie = server.sign_in(OTHER_COORDINATOR, PASSWORD).await?;
    let page = http_get(&format!("{}/profil/{WAVE}/NORD", server.url), Some(&cookie)).await?;
    assert_eq!(page.status, 403);
    assert!(!page.body.contains("data-factor-percent"));
    // The server function behind the page, called directly.
    let function = http_post_form(
        &format!("{}/api/profile_view", server.url),
        &format!("wave={WAVE}&district=NORD&language=de"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(function.status, 403, "{}", function.body);
    assert!(!function.body.contains("percent"), "{}", function.body);
    let csv = http_get(
        &format!("{}/api/csv/profile?wave={WAVE}&district=NORD", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.status, 403);
    // Without a session: 401.
    let anonymous = http_get(&format!("{}/api/csv/profile?wave={WAVE}", server.url), None).await?;
    assert_eq!(anonymous.status, 401);
    let anonymous = http_post_form(
        &format!("{}/api/profile_view", server.url),
        &format!("wave={WAVE}&district=NORD&language=de"),
        None,
    )
    .await?;
    assert_eq!(anonymous.status, 401);
    Ok(())
}

#[tokio::test]
async fn a_school_contact_sees_participation_but_no_results() -> Result<()> {
    let server = demo_with_a_second_city()?;
    let browser = Browser::start().await?;
    browser
        .sign_in(&server.url, "schule@ruhrstadt.example", PASSWORD)
        .await?;
    browser
        .open_hydrated(&format!("{}/teilnahme/{WAVE}", server.url))
        .await?;
    let rows = browser
        .client
        .find_all(Locator::Css("table.participation-table tbody tr"))
        .await?;
    assert!(rows.len() >= 2, "classes and the school total");
    let mut schools = std::collections::BTreeSet::new();
    for row in &rows {
        schools.insert(row.find(Locator::Css("th")).await?.text().await?);
    }
    assert_eq!(schools.len(), 1, "only the own school: {schools:?}");
    browser
        .open_hydrated(&format!("{}/profil/{WAVE}/NORD", server.url))
        .await?;
    let notice = browser
        .client
        .find(Locator::Css(".notice.error h1"))
        .await?
        .text()
        .await?;
    assert_eq!(notice, "Keine Berechtigung");
    browser.close().await?;

    let cookie = server.sign_in("schule@ruhrstadt.example", PASSWORD).await?;
    let csv = http_get(
        &format!("{}/api/csv/participation?wave={WAVE}", server.url),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.status, 200);
    let names: std::collections::BTreeSet<String> = csv_rows(&csv.body)
        .into_iter()
        .skip(1)
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    Ok(())
}

/// Every role of the demo (and a coordinator of another city) against every
/// kind of results, over plain HTTP: the status code is the policy.
#[tokio::test]
async fn every_role_meets_the_access_policy_on_every_route() -> Result<()> {
    let server = demo_with_a_second_city()?;
    let routes = [
        format!("/profil/{WAVE}/NORD"),
        format!("/api/csv/profile?wave={WAVE}&district=NORD"),
        format!("/vergleich/{WAVE}"),
        format!("/api/csv/trend?municipality={MUNICIPALITY}&district=NORD"),
        format!("/qualitaet/{WAVE}"),
        format!("/api/csv/quality?wave={WAVE}"),
        format!("/teilnahme/{WAVE}"),
        format!("/api/csv/participation?wave={WAVE}"),
        format!("/prioritaeten/{MUNICIPALITY}"),
    ];
    // Expected status per route, in the order above.
    let expected: [(&str, [u16; 9]); 6] = [
        ("admin@quartier.example", [200; 9]),
        ("region@quartier.example", [200; 9]),
        (COORDINATOR, [200; 9]),
        (
            "training@ruhrstadt.example",
            [200, 200, 200, 200, 403, 403, 403, 403, 200],
        ),
        (
            "schule@ruhrstadt.example",
            [403, 403, 403, 403, 403, 403, 200, 200, 403],
        ),
        (OTHER_COORDINATOR, [403; 9]),
    ];
    for (email, statuses) in expected {
        let cookie = server.sign_in(email, PASSWORD).await?;
        for (route, status) in routes.iter().zip(statuses) {
            let response = http_get(&format!("{}{route}", server.url), Some(&cookie)).await?;
            assert_eq!(response.status, status, "{email} {route}");
        }
    }
    for route in &routes {
        let response = http_get(&format!("{}{route}", server.url), None).await?;
        assert_eq!(response.status, 401, "anonymous {route}");
    }
    Ok(())
}

#[tokio::test]
async fn sign_in_is_throttled_and_priorities_need_the_forms_token() -> Result<()> {
    let server = demo_with_a_second_city()?;
    for _ in 0..5 {
        let wrong = http_post_form(
            &format!("{}/anmelden", server.url),
            "email=koordination%40ruhrstadt.example&password=falsch&next=",
            None,
        )
        .await?;
        assert_eq!(wrong.headers["location"], "/anmelden?fehler=falsch");
    }
    // Now even the right password is refused for a while.
    let locked = http_post_form(
        &format!("{}/anmelden", server.url),
        &format!("email=koordination%40ruhrstadt.example&password={PASSWORD}&next="),
        None,
    )
    .await?;
    assert_eq!(locked.headers["location"], "/anmelden?fehler=gesperrt");

    // Another account is not affected. A form post without the session's
    // token changes nothing.
    let cookie = server.sign_in("admin@quartier.example", PASSWORD).await?;
    let form = format!(
        "municipality={MUNICIPALITY}&district=all&factor=fam_conflict&factor=sch_low_commitment&rationale=Test&decided_on=2026-11-24"
    );
    let forged = http_post_form(
        &format!("{}/prioritaeten", server.url),
        &format!("{form}&csrf=0000"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(forged.status, 403);
    // The page's form carries the token; with it the decision is stored.
    let page = http_get(
        &format!("{}/prioritaeten/{MUNICIPALITY}", server.url),
        Some(&cookie),
    )
    .await?;
    let token = csrf_token(&page.body)?;
    let saved = http_post_form(
        &format!("{}/prioritaeten", server.url),
        &format!("{form}&csrf={token}"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(
        saved.headers["location"],
        format!("/prioritaeten/{MUNICIPALITY}?gespeichert=1")
    );
    let csv = http_get(
        &format!(
            "{}/api/csv/priorities?municipality={MUNICIPALITY}",
            server.url
        ),
        Some(&cookie),
    )
    .await?;
    assert!(
        csv.body.contains("fam_conflict;sch_low_commitment"),
        "{}",
        csv.body
    );
    // One factor is not a decision: refused, nothing stored.
    let one = form.replace("&factor=sch_low_commitment", "");
    let refused = http_post_form(
        &format!("{}/prioritaeten", server.url),
        &format!("{one}&csrf={token}"),
        Some(&cookie),
    )
    .await?;
    assert_eq!(
        refused.headers["location"],
        format!("/prioritaeten/{MUNICIPALITY}?fehler=anzahl")
    );
    let csv = http_get(
        &format!(
            "{}/api/csv/priorities?municipality={MUNICIPALITY}",
            server.url
        ),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    Ok(())
}

/// The results pages are complete without JavaScript: the server-rendered
/// HTML already holds the SVG charts with their numbers.
#[tokio::test]
async fn results_pages_render_their_charts_without_javascript() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    for (route, marker) in [
        (format!("/profil/{WAVE}/NORD"), "data-factor-percent="),
        (format!("/vergleich/{WAVE}"), "data-difference="),
        (format!("/trend/{MUNICIPALITY}/NORD"), "data-percent="),
    ] {
        let page = http_get(&format!("{}{route}", server.url), Some(&cookie)).await?;
        assert_eq!(page.status, 200, "{route}");
        // Inside <main> itself (not a <template> or script added later for
        // streaming): the markup a browser without JavaScript shows.
        let start = page.body.find("<main").context("no <main>")?;
        let end = page.body.find("</main>").context("no </main>")?;
        let body = &page.body[start..end];
        assert!(
            !body.contains("<template"),
            "{route}: streamed, not rendered in place"
        );
        assert!(body.contains("<svg"), "{route}: no SVG before the scripts");
        assert!(body.contains(marker), "{route}: no {marker}");
        assert!(
            body.contains("<title") && body.contains("<desc"),
            "{route}: no text alternative"
        );
    }
    Ok(())
}

/// The demo's fictional reference values: `(factor, grade)` → percent as
/// written in the shipped file (grade empty = all grades).
fn demo_norms() -> Result<BTreeMap<(String, String), f64>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../norms/demo-land.csv"
    ))?;
    let mut rows = csv_rows(&text);
    rows.remove(0);
    rows.into_iter()
        .map(|row| Ok(((row[0].clone(), row[1].clone()), row[2].parse::<f64>()?)))
        .collect()
}

/// A coordinator switches the profile's reference from the city total to
/// imported reference values with the page's own form: every marker moves to
/// the norm of the grade, the CSV with the same reference agrees, the heat
/// map compares the whole city too, and an unknown reference is refused.
#[tokio::test]
async fn a_coordinator_compares_the_profile_with_imported_reference_values() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let norms = demo_norms()?;
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, COORDINATOR, PASSWORD).await?;
    browser
        .open_hydrated(&format!("{}/profil/{WAVE}/NORD?jahrgang=8", server.url))
        .await?;
    let select = browser
        .client
        .find(Locator::Css("select[name=referenz]"))
        .await?;
    select
        .select_by_label("Landesvergleich (Demo, fiktiv)")
        .await?;
    browser
        .client
        .find(Locator::Css("form.filters button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css("body[data-hydrated] p.reference-source"))
        .await
        .context("the page with the reference values did not load")?;
    let url = browser.client.current_url().await?;
    assert!(
        url.as_str().contains("jahrgang=8") && url.as_str().contains("referenz=demo-land"),
        "{url}"
    );
    let source = browser
        .client
        .find(Locator::Css("p.reference-source"))
        .await?
        .text()
        .await?;
    assert!(source.contains("Fiktive Vergleichswerte"), "{source}");

    // Every marker sits at the grade-8 norm of its factor.
    let cookie = server.sign_in(COORDINATOR, PASSWORD).await?;
    let csv = http_get(
        &format!(
            "{}/api/csv/profile?wave={WAVE}&district=NORD&grade=8&reference=demo-land",
            server.url
        ),
        Some(&cookie),
    )
    .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let rows = csv_rows(&csv.body);
    let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let factor_of: BTreeMap<String, String> = rows[1..]
        .iter()
        .map(|r| {
            (
                r[column("factor_label")].clone(),
                r[column("factor")].clone(),
            )
        })
        .collect();
    let mut markers = 0;
    for row in browser.client.find_all(Locator::Css("g.bar-row")).await? {
        let label = row.attr("data-label").await?.context("data-label")?;
        let Ok(marker) = row.find(Locator::Css("[data-reference]")).await else {
            continue;
        };
        let shown: f64 = marker
            .attr("data-reference")
            .await?
            .context("data-reference")?
            .parse()?;
        let factor = &factor_of[&label];
        let norm = norms
            .get(&(factor.clone(), "8".to_string()))
            .with_context(|| format!("no grade-8 norm for {factor}"))?;
        assert!(
            (shown - norm).abs() <= 0.05 + 1e-9,
            "{label}: marker {shown}, norm {norm}"
        );
        let in_csv = rows[1..]
            .iter()
            .find(|r| &r[column("factor")] == factor)
            .context("factor in CSV")?;
        assert_eq!(
            in_csv[column("reference")],
            "Landesvergleich (Demo, fiktiv)"
        );
        assert!((in_csv[column("reference_percent")].parse::<f64>()? - norm).abs() < 0.005);
        markers += 1;
    }
    assert!(markers >= 20, "only {markers} markers at a norm");
    browser.screenshot("profile-reference-values").await?;

    // The heat map against the norm: the whole city heads the districts.
    browser
        .open_hydrated(&format!(
            "{}/vergleich/{WAVE}?referenz=demo-land",
            server.url
        ))
        .await?;
    let heat_rows = browser.client.find_all(Locator::Css("g.heat-row")).await?;
    assert_eq!(heat_rows.len(), 11, "10 districts and the city");
    assert_eq!(
        heat_rows[0].attr("data-label").await?.as_deref(),
        Some("Gesamte Stadt")
    );
    browser.close().await?;

    // An unknown reference is a precise 400 on the page and the CSV.
    for route in [
        format!("/profil/{WAVE}/NORD?referenz=gibt-es-nicht"),
        format!("/api/csv/profile?wave={WAVE}&district=NORD&reference=gibt-es-nicht"),
    ] {
        let refused = http_get(&format!("{}{route}", server.url), Some(&cookie)).await?;
        assert_eq!(refused.status, 400, "{route}");
        assert!(
            refused.body.contains("gibt-es-nicht"),
            "{route}: {}",
            refused.body
        );
    }
    Ok(())
}

/// An admin imports reference values with the form on `/vergleichswerte`
/// (a bad row first: refused with row and column, nothing stored), a
/// coordinator compares with them, and only admins may change them.
#[tokio::test]
async fn an_admin_imports_reference_values_and_coordinators_compare_with_them() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let browser = Browser::start().await?;
    browser
        .sign_in(&server.url, "admin@quartier.example", PASSWORD)
        .await?;
    browser
        .open_hydrated(&format!("{}/vergleichswerte", server.url))
        .await?;
    // Fills and sends the import form; waits for the answer page, whose
    // address carries `marker` (`fehler` or `gespeichert`), and returns its
    // message.
    let fill = |csv: &'static str, marker: &'static str| {
        let client = browser.client.clone();
        async move {
            for (selector, text) in [
                ("#norm-key", "land-test"),
                ("#norm-label", "Landesbefragung (Test)"),
                ("#norm-source", "Testbericht, Tabelle 1"),
                ("#norm-csv", csv),
            ] {
                let input = client.find(Locator::Css(selector)).await?;
                input.clear().await?;
                input.send_keys(text).await?;
            }
            client
                .find(Locator::Css(
                    "form[action='/vergleichswerte'] button[type=submit]",
                ))
                .await?
                .click()
                .await?;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while !client.current_url().await?.as_str().contains(marker) {
                anyhow::ensure!(
                    std::time::Instant::now() < deadline,
                    "no answer page with {marker}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            client
                .wait()
                .at_most(std::time::Duration::from_secs(30))
                .for_element(Locator::Css("body[data-hydrated] p[role=alert]"))
                .await?
                .text()
                .await
                .map_err(anyhow::Error::from)
        }
    };
    let refused = fill(
        "factor,grade,percent\nfam_conflict,,30\nfam_conflict,8,130\n",
        "fehler",
    )
    .await?;
    assert!(refused.contains("row 3, column percent"), "{refused}");
    assert_eq!(
        count_rows(&server, "select count(*) from norm_set").await?,
        1
    );
    let saved = fill(
        "factor,grade,percent\nfam_conflict,8,27.5\nfam_conflict,,30\n",
        "gespeichert",
    )
    .await?;
    assert!(saved.contains("land-test"), "{saved}");
    let listed = browser
        .client
        .find(Locator::Css("tr[data-norm-set='land-test']"))
        .await?
        .text()
        .await?;
    assert!(listed.contains("Testbericht, Tabelle 1"), "{listed}");
    browser.screenshot("reference-values").await?;
    browser.close().await?;

    // The coordinator compares the city's grade 8 with the new values and
    // downloads them as stored.
    let coordinator = server.sign_in(COORDINATOR, PASSWORD).await?;
    let profile = http_get(
        &format!(
            "{}/profil/{WAVE}/gesamt?jahrgang=8&referenz=land-test",
            server.url
        ),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(profile.status, 200);
    assert!(
        profile.body.contains(r#"data-reference="27.5""#),
        "no marker at the norm"
    );
    let csv = http_get(
        &format!("{}/api/csv/norms?reference=land-test", server.url),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(
        csv.body,
        "factor,grade,percent\nfam_conflict,,30\nfam_conflict,8,27.5\n"
    );

    // Only admins change them; school contacts do not even see them.
    let page = http_get(
        &format!("{}/vergleichswerte", server.url),
        Some(&coordinator),
    )
    .await?;
    let token = csrf_token(&page.body)?;
    let attempt = http_post_form(
        &format!("{}/vergleichswerte/loeschen", server.url),
        &format!("csrf={token}&key=land-test"),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(attempt.status, 403);
    let school = server.sign_in("schule@ruhrstadt.example", PASSWORD).await?;
    let hidden = http_get(&format!("{}/vergleichswerte", server.url), Some(&school)).await?;
    assert_eq!(hidden.status, 403);
    assert_eq!(
        count_rows(&server, "select count(*) from norm_set").await?,
        2
    );
    Ok(())
}
