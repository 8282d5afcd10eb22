//! Program planning end to end: a trainer matches catalog programs to the
//! demo city's priorities, adds one to the action plan, and reads its
//! outcomes against the other districts.

use anyhow::{Context, Result};
use e2e::{Browser, TestServer, csrf_token, http_get, http_post_form};
use fantoccini::Locator;

const PASSWORD: &str = "quartier-demo";
const TRAINER: &str = "training@ruhrstadt.example";
const MUNICIPALITY: i64 = 1;

#[tokio::test]
async fn a_trainer_ranks_programs_adds_one_and_reads_its_outcomes() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    // The board (through its coordinator) has chosen its priorities.
    let coordinator = server
        .sign_in("koordination@ruhrstadt.example", PASSWORD)
        .await?;
    let page = http_get(
        &format!("{}/prioritaeten/{MUNICIPALITY}", server.url),
        Some(&coordinator),
    )
    .await?;
    let token = csrf_token(&page.body)?;
    let saved = http_post_form(
        &format!("{}/prioritaeten", server.url),
        &format!("csrf={token}&municipality={MUNICIPALITY}&district=all&factor=fam_conflict&factor=sch_low_commitment&rationale=Profil+2024&decided_on=2024-06-20"),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(
        saved.headers["location"],
        format!("/prioritaeten/{MUNICIPALITY}?gespeichert=1")
    );
    let browser = Browser::start().await?;
    browser.sign_in(&server.url, TRAINER, PASSWORD).await?;

    // Matching: ranked programs, each saying which priorities it covers.
    browser
        .open_hydrated(&format!("{}/programme/{MUNICIPALITY}", server.url))
        .await?;
    let programs = browser.client.find_all(Locator::Css("li.program")).await?;
    assert!(programs.len() >= 3, "only {} programs", programs.len());
    let first_covers = programs[0]
        .find(Locator::Css(".covers"))
        .await?
        .text()
        .await?;
    assert!(!first_covers.is_empty());
    browser.screenshot("matching").await?;

    // Add the family program targeting family conflict, in Nordstadt from
    // autumn 2024 (between the demo's two waves).
    let family = browser
        .client
        .find(Locator::XPath(
            "//li[contains(@class,'program')][.//span[contains(@class,'covers')][contains(., 'Konflikte in der Familie')]]",
        ))
        .await
        .context("no program covering family conflict")?;
    let key = family.attr("data-program").await?.context("data-program")?;
    let form = family.find(Locator::Css("form")).await?;
    let district = form.find(Locator::Css("select[name=district]")).await?;
    district.select_by_label("Nordstadt").await?;
    // Chromium's date input takes typed keys in the locale's order; set the
    // value directly so the test does not depend on it.
    browser
        .client
        .execute(
            "document.querySelectorAll('li.program form input[name=starts_on]').forEach(i => i.value = '2024-09-01')",
            vec![],
        )
        .await?;
    form.find(Locator::Css("input[name=planned_reach]"))
        .await?
        .send_keys("40")
        .await?;
    form.find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css(&format!(
            "table.plan-table tr[data-program='{key}']"
        )))
        .await
        .context("the program did not appear in the action plan")?;
    browser.screenshot("action-plan").await?;

    // Outcomes: both series and the difference-in-differences.
    browser
        .open_hydrated(&format!("{}/wirkung/{MUNICIPALITY}/{key}", server.url))
        .await?;
    let charts = browser
        .client
        .find_all(Locator::Css("figure.chart svg"))
        .await?;
    assert!(!charts.is_empty(), "no outcome chart");
    let reference_lines = browser
        .client
        .find_all(Locator::Css(
            "figure.chart .ref-line, figure.chart polyline",
        ))
        .await?;
    assert!(reference_lines.len() >= 2, "both series are drawn");
    let did_cells = browser
        .client
        .find_all(Locator::Css("td.did[data-did]"))
        .await?;
    assert!(!did_cells.is_empty(), "a DiD estimate is shown");
    // The demo plants a fall of family conflict in Nordstadt between the
    // waves: the DiD for family conflict is clearly negative.
    let row = browser
        .client
        .find(Locator::XPath("//table[contains(@class,'outcome-table')]//tr[th[contains(., 'Konflikte in der Familie')]]/td[contains(@class,'did')]"))
        .await?;
    let did: f64 = row.attr("data-did").await?.context("data-did")?.parse()?;
    assert!(did < -5.0, "DiD for family conflict: {did}");
    browser.screenshot("outcomes").await?;
    browser.close().await?;

    // The coordinator of the city sees the same plan; without a session the
    // page refuses.
    let anonymous = http_get(&format!("{}/aktionsplan/{MUNICIPALITY}", server.url), None).await?;
    assert_eq!(anonymous.status, 401);
    let plan = http_get(
        &format!("{}/aktionsplan/{MUNICIPALITY}", server.url),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(plan.status, 200);
    assert!(plan.body.contains(&format!("data-program=\"{key}\"")));
    // The plan is part of the report as CSV.
    let csv = http_get(
        &format!(
            "{}/api/csv/action-plan?municipality={MUNICIPALITY}",
            server.url
        ),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains(&format!("{key},")) && csv.body.contains("Nordstadt,2024-09-01"),
        "{}",
        csv.body
    );

    // Resource assessment: an existing offer for family conflict turns that
    // priority from a gap into covered; school commitment stays a gap.
    let token = csrf_token(&plan.body)?;
    let offer = http_post_form(
        &format!("{}/aktionsplan/angebot", server.url),
        &format!("csrf={token}&municipality={MUNICIPALITY}&name=Elterncaf%C3%A9&provider=Familienzentrum&grade_min=5&grade_max=8&reach=60&evidence_level=none&setting=family&factor=fam_conflict"),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(
        offer.headers["location"],
        format!("/aktionsplan/{MUNICIPALITY}?gespeichert=1")
    );
    let bad_offer = http_post_form(
        &format!("{}/aktionsplan/angebot", server.url),
        &format!("csrf={token}&municipality={MUNICIPALITY}&name=X&provider=Y&grade_min=9&grade_max=5&setting=family&factor=fam_conflict"),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(
        bad_offer.headers["location"],
        format!("/aktionsplan/{MUNICIPALITY}?fehler=zahl")
    );
    let matching = http_get(
        &format!("{}/programme/{MUNICIPALITY}", server.url),
        Some(&coordinator),
    )
    .await?;
    let gaps = matching
        .body
        .split("Bestehende Angebote")
        .nth(1)
        .context("no gap table")?;
    assert!(gaps.contains("Elterncafé"), "the offer is listed");
    assert!(gaps.contains("Lücke"), "school commitment is still a gap");

    // Matching for one district uses that district's factors of concern
    // when the board has not decided for it.
    let district = http_get(
        &format!("{}/programme/{MUNICIPALITY}?bezirk=NORD", server.url),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(district.status, 200);
    assert!(
        district
            .body
            .contains("Vorschlag aus den auffälligen Faktoren"),
        "district suggestions"
    );
    assert!(
        district.body.contains("class=\"program\""),
        "programs for Nordstadt's factors"
    );
    let unknown = http_get(
        &format!("{}/programme/{MUNICIPALITY}?bezirk=NIRGENDS", server.url),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(unknown.status, 404);

    // A school contact plans nothing.
    let school = server.sign_in("schule@ruhrstadt.example", PASSWORD).await?;
    let refused = http_get(
        &format!("{}/programme/{MUNICIPALITY}", server.url),
        Some(&school),
    )
    .await?;
    assert_eq!(refused.status, 403);
    Ok(())
}

/// Admins edit the catalog in the UI; the same checks as the CSV import
/// apply, and nobody else may.
#[tokio::test]
async fn admins_edit_the_catalog_and_bad_fields_change_nothing() -> Result<()> {
    let server = TestServer::start_with(&[&["demo"]])?;
    let admin = server.sign_in("admin@quartier.example", PASSWORD).await?;
    let page = http_get(&format!("{}/katalog", server.url), Some(&admin)).await?;
    assert_eq!(page.status, 200);
    let token = csrf_token(&page.body)?;
    let form = |key: &str, grade_max: &str| {
        format!(
            "csrf={token}&key={key}&name=Neu+%28Test%29&provider=Tr%C3%A4ger&description=Kurz&factors=fam_conflict%3Bsch_low_commitment&grade_min=5&grade_max={grade_max}&settings=school&evidence_level=likely&cost_notes=&link=&demo=false"
        )
    };
    let saved = http_post_form(
        &format!("{}/katalog", server.url),
        &form("TEST-1", "9"),
        Some(&admin),
    )
    .await?;
    assert_eq!(saved.headers["location"], "/katalog?gespeichert=1");
    let refused = http_post_form(
        &format!("{}/katalog", server.url),
        &form("TEST-2", "4"),
        Some(&admin),
    )
    .await?;
    let location = refused.headers["location"].to_str()?.to_string();
    assert!(
        location.starts_with("/katalog?fehler=grade_max"),
        "{location}"
    );
    let catalog = http_get(&format!("{}/katalog", server.url), Some(&admin)).await?;
    assert!(catalog.body.contains("data-program=\"TEST-1\""));
    assert!(!catalog.body.contains("data-program=\"TEST-2\""));

    // A coordinator reads the catalog but cannot change it.
    let coordinator = server
        .sign_in("koordination@ruhrstadt.example", PASSWORD)
        .await?;
    let page = http_get(&format!("{}/katalog", server.url), Some(&coordinator)).await?;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("action=\"/katalog\""), "no edit form");
    let token = csrf_token(
        &http_get(
            &format!("{}/prioritaeten/{MUNICIPALITY}", server.url),
            Some(&coordinator),
        )
        .await?
        .body,
    )?;
    let forbidden = http_post_form(
        &format!("{}/katalog", server.url),
        &format!("csrf={token}&key=TEST-3&name=X"),
        Some(&coordinator),
    )
    .await?;
    assert_eq!(forbidden.status, 403);
    Ok(())
}
