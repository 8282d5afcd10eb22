use super::*;
use crate::domain::survey::respondent::Grade;
use crate::storage::{self, geography, waves};

async fn instrument(db: &Db, key: &str) -> InstrumentId {
    sqlx::query_scalar(
        r#"insert into instrument (instrument_key, version, title, demonstration,
             item_count, source_toml, imported_on)
           values ($1, '1', 'T', 1, 3, '', '2026-01-01') returning instrument_id"#,
    )
    .bind(key)
    .fetch_one(db)
    .await
    .unwrap()
}

fn values(cut: f64) -> BTreeMap<String, BTreeMap<u8, f64>> {
    BTreeMap::from([(
        "fam_conflict".to_string(),
        BTreeMap::from([(6, cut), (8, cut + 0.1)]),
    )])
}

#[tokio::test]
async fn sets_are_versioned_by_name_and_a_wave_uses_one_of_its_instrument() {
    let dir = tempfile::tempdir().unwrap();
    let db = storage::connect(&format!(
        "sqlite://{}",
        dir.path().join("cut-points.db").display()
    ))
    .await
    .unwrap();
    storage::migrate(&db).await.unwrap();
    let (own, other) = (instrument(&db, "t").await, instrument(&db, "u").await);
    let municipality = geography::ensure_municipality(&db, None, "Teststadt")
        .await
        .unwrap();
    let grades = [Grade::new(8).unwrap()];
    let wave = waves::create(
        &db,
        &waves::NewWave {
            municipality,
            name: "Frühjahr 2026",
            instrument: own,
            opens_on: "2026-03-02",
            closes_on: "2026-04-24",
            grades: &grades,
            district_rule: waves::DistrictRule::HomeElseSchool,
        },
    )
    .await
    .unwrap();

    let first = save(&db, own, "kalibriert", "Welle 1, Youden", &values(2.5))
        .await
        .unwrap();
    let second = save(&db, own, "kalibriert", "Welle 2, Youden", &values(2.7))
        .await
        .unwrap();
    let elsewhere = save(&db, other, "kalibriert", "anderes Instrument", &values(2.0))
        .await
        .unwrap();
    assert_eq!(
        (first.version, second.version, elsewhere.version),
        (1, 2, 1)
    );
    assert_eq!(second.set.id, "kalibriert v2");
    let listed = of_instrument(&db, own).await.unwrap();
    assert_eq!(listed, vec![first.clone(), second.clone()]);
    assert_eq!(listed[0].set.get("fam_conflict", 8), Some(2.6));

    assert_eq!(of_wave(&db, wave).await.unwrap(), None);
    choose_for_wave(&db, wave, Some(second.cut_point_set_id), None)
        .await
        .unwrap();
    assert_eq!(of_wave(&db, wave).await.unwrap(), Some(second.clone()));
    choose_for_wave(&db, wave, Some(first.cut_point_set_id), None)
        .await
        .unwrap();
    assert_eq!(of_wave(&db, wave).await.unwrap(), Some(first.clone()));
    // Another instrument's set is refused and changes nothing.
    let refused = choose_for_wave(&db, wave, Some(elsewhere.cut_point_set_id), None).await;
    assert!(
        matches!(refused, Err(StorageError::NotFound(_))),
        "{refused:?}"
    );
    assert_eq!(of_wave(&db, wave).await.unwrap(), Some(first));
    choose_for_wave(&db, wave, None, None).await.unwrap();
    assert_eq!(of_wave(&db, wave).await.unwrap(), None);
}
