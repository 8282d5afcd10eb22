//! Municipalities, districts and schools.

use super::{Db, StorageResult};

/// Row id of a municipality.
pub type MunicipalityId = i64;
/// Row id of a district (Stadtteil).
pub type DistrictId = i64;
/// Row id of a school.
pub type SchoolId = i64;

/// A district as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DistrictRow {
    /// Row id.
    pub district_id: DistrictId,
    /// Short stable code, e.g. `DO-NORD`.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// Creates a municipality (and its region if named and missing); returns the
/// existing id when the name is already taken.
#[tracing::instrument(skip(db))]
pub async fn ensure_municipality(
    db: &Db,
    region: Option<&str>,
    name: &str,
) -> StorageResult<MunicipalityId> {
    let region_id: Option<i64> = match region {
        Some(region) => {
            sqlx::query("insert into region (name) values ($1) on conflict (name) do nothing")
                .bind(region)
                .execute(db)
                .await?;
            sqlx::query_scalar("select region_id from region where name = $1")
                .bind(region)
                .fetch_optional(db)
                .await?
        }
        None => None,
    };
    sqlx::query(
        "insert into municipality (region_id, name) values ($1, $2) on conflict (name) do nothing",
    )
    .bind(region_id)
    .bind(name)
    .execute(db)
    .await?;
    Ok(
        sqlx::query_scalar("select municipality_id from municipality where name = $1")
            .bind(name)
            .fetch_one(db)
            .await?,
    )
}

/// Creates a district or returns the existing one with the same code.
#[tracing::instrument(skip(db))]
pub async fn ensure_district(
    db: &Db,
    municipality: MunicipalityId,
    code: &str,
    name: &str,
) -> StorageResult<DistrictId> {
    sqlx::query(
        r#"insert into district (municipality_id, code, name) values ($1, $2, $3)
           on conflict (municipality_id, code) do nothing"#,
    )
    .bind(municipality)
    .bind(code)
    .bind(name)
    .execute(db)
    .await?;
    Ok(sqlx::query_scalar(
        "select district_id from district where municipality_id = $1 and code = $2",
    )
    .bind(municipality)
    .bind(code)
    .fetch_one(db)
    .await?)
}

/// Creates a school or returns the existing one with the same name in the
/// district.
#[tracing::instrument(skip(db))]
pub async fn ensure_school(
    db: &Db,
    district: DistrictId,
    name: &str,
    school_type: Option<&str>,
) -> StorageResult<SchoolId> {
    sqlx::query(
        r#"insert into school (district_id, name, school_type) values ($1, $2, $3)
           on conflict (district_id, name) do nothing"#,
    )
    .bind(district)
    .bind(name)
    .bind(school_type)
    .execute(db)
    .await?;
    Ok(
        sqlx::query_scalar("select school_id from school where district_id = $1 and name = $2")
            .bind(district)
            .bind(name)
            .fetch_one(db)
            .await?,
    )
}

/// All districts of a municipality, ordered by name.
pub async fn districts(db: &Db, municipality: MunicipalityId) -> StorageResult<Vec<DistrictRow>> {
    Ok(sqlx::query_as(
        "select district_id, code, name from district where municipality_id = $1 order by name",
    )
    .bind(municipality)
    .fetch_all(db)
    .await?)
}

/// The type of every school of a municipality that has one (the
/// post-strata of weighting), by school id.
pub async fn school_types(
    db: &Db,
    municipality: MunicipalityId,
) -> StorageResult<std::collections::BTreeMap<SchoolId, String>> {
    let rows: Vec<(SchoolId, String)> = sqlx::query_as(
        r#"select s.school_id, trim(s.school_type) from school s
           join district d on d.district_id = s.district_id
           where d.municipality_id = $1 and trim(coalesce(s.school_type, '')) <> ''"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// All schools of a municipality as `(school id, name)`.
pub async fn schools(
    db: &Db,
    municipality: MunicipalityId,
) -> StorageResult<Vec<(SchoolId, String)>> {
    Ok(sqlx::query_as(
        r#"select s.school_id, s.name from school s
           join district d on d.district_id = s.district_id
           where d.municipality_id = $1 order by s.name"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?)
}

/// A municipality as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MunicipalityRow {
    /// Row id.
    pub municipality_id: MunicipalityId,
    /// Name, unique.
    pub name: String,
    /// Name of its region, if any.
    pub region: Option<String>,
}

/// Finds a municipality by its exact name.
#[tracing::instrument(skip(db))]
pub async fn find_municipality(db: &Db, name: &str) -> StorageResult<Option<MunicipalityRow>> {
    Ok(sqlx::query_as(
        r#"select m.municipality_id, m.name, r.name as region from municipality m
           left join region r on r.region_id = m.region_id
           where m.name = $1"#,
    )
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// A school with the district it is located in.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SchoolRow {
    /// Row id.
    pub school_id: SchoolId,
    /// Its district.
    pub district_id: DistrictId,
    /// The district's code.
    pub district_code: String,
    /// Name, unique within the district.
    pub name: String,
    /// School type, e.g. Gesamtschule.
    pub school_type: Option<String>,
}

/// All schools of a municipality with their districts, ordered by name.
pub async fn school_rows(db: &Db, municipality: MunicipalityId) -> StorageResult<Vec<SchoolRow>> {
    Ok(sqlx::query_as(
        r#"select s.school_id, s.district_id, d.code as district_code, s.name, s.school_type
           from school s join district d on d.district_id = s.district_id
           where d.municipality_id = $1 order by s.name, d.code"#,
    )
    .bind(municipality)
    .fetch_all(db)
    .await?)
}

/// A municipality with the ids the access policy needs.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MunicipalityScopeRow {
    /// Row id.
    pub municipality_id: MunicipalityId,
    /// Name.
    pub name: String,
    /// Its region's id, if any.
    pub region_id: Option<i64>,
}

impl MunicipalityScopeRow {
    /// The access-policy scope of the whole municipality.
    pub fn scope(&self) -> crate::domain::access::Scope {
        crate::domain::access::Scope::municipality(self.municipality_id, self.region_id)
    }
}

/// Every municipality, ordered by name.
pub async fn all_municipalities(db: &Db) -> StorageResult<Vec<MunicipalityScopeRow>> {
    Ok(
        sqlx::query_as("select municipality_id, name, region_id from municipality order by name")
            .fetch_all(db)
            .await?,
    )
}

/// One municipality by id.
pub async fn municipality(
    db: &Db,
    municipality: MunicipalityId,
) -> StorageResult<Option<MunicipalityScopeRow>> {
    Ok(sqlx::query_as(
        "select municipality_id, name, region_id from municipality where municipality_id = $1",
    )
    .bind(municipality)
    .fetch_optional(db)
    .await?)
}

/// The id of the region with this exact name.
pub async fn find_region(db: &Db, name: &str) -> StorageResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("select region_id from region where name = $1")
            .bind(name)
            .fetch_optional(db)
            .await?,
    )
}

/// A school by id with its municipality, if it exists.
pub async fn school_municipality(
    db: &Db,
    school: SchoolId,
) -> StorageResult<Option<(String, MunicipalityId)>> {
    Ok(sqlx::query_as(
        r#"select s.name, d.municipality_id from school s
           join district d on d.district_id = s.district_id where s.school_id = $1"#,
    )
    .bind(school)
    .fetch_optional(db)
    .await?)
}

/// Finds a school of a municipality by its exact name.
pub async fn find_school(
    db: &Db,
    municipality: MunicipalityId,
    name: &str,
) -> StorageResult<Option<SchoolId>> {
    Ok(sqlx::query_scalar(
        r#"select s.school_id from school s join district d on d.district_id = s.district_id
           where d.municipality_id = $1 and s.name = $2 order by s.school_id limit 1"#,
    )
    .bind(municipality)
    .bind(name)
    .fetch_optional(db)
    .await?)
}
