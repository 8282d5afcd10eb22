//! Stored results of closed waves (`wave_result`): one row per wave,
//! replaced as a whole by every rebuild.

use crate::storage::waves::WaveId;
use crate::storage::{Db, StorageResult};

/// What identifies the responses a result was built from: their number and
/// the sum of their row ids. An import adds rows, a deletion removes some;
/// either changes the fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseFingerprint {
    /// Responses of the wave.
    pub responses: i64,
    /// Sum of their `response_id`s.
    pub response_id_sum: i64,
}

/// The fingerprint of a wave's responses now.
pub async fn fingerprint(db: &Db, wave: WaveId) -> StorageResult<ResponseFingerprint> {
    let (responses, response_id_sum): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(response_id), 0) from response where wave_id = $1",
    )
    .bind(wave)
    .fetch_one(db)
    .await?;
    Ok(ResponseFingerprint {
        responses,
        response_id_sum,
    })
}

/// What is known about a stored result without reading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultHeader {
    /// The key it was computed with (`ResultKey::as_text`).
    pub result_key: String,
    /// Changes with every rebuild.
    pub stamp: i64,
    /// The responses it was built from.
    pub fingerprint: ResponseFingerprint,
    /// Day of the build.
    pub built_on: String,
}

type HeaderRow = (String, i64, i64, i64, String);

fn header((result_key, stamp, responses, response_id_sum, built_on): HeaderRow) -> ResultHeader {
    ResultHeader {
        result_key,
        stamp,
        fingerprint: ResponseFingerprint {
            responses,
            response_id_sum,
        },
        built_on,
    }
}

/// The header of a wave's stored result, if there is one. One indexed row:
/// cheap enough to ask on every request.
pub async fn header_of(db: &Db, wave: WaveId) -> StorageResult<Option<ResultHeader>> {
    let row: Option<HeaderRow> = sqlx::query_as(
        r#"select result_key, stamp, responses, response_id_sum, built_on
           from wave_result where wave_id = $1"#,
    )
    .bind(wave)
    .fetch_optional(db)
    .await?;
    Ok(row.map(header))
}

/// The stored result with its header.
pub async fn load(db: &Db, wave: WaveId) -> StorageResult<Option<(ResultHeader, Vec<u8>)>> {
    let row: Option<(String, i64, i64, i64, String, Vec<u8>)> = sqlx::query_as(
        r#"select result_key, stamp, responses, response_id_sum, built_on, payload
           from wave_result where wave_id = $1"#,
    )
    .bind(wave)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(key, stamp, responses, sum, built_on, payload)| {
        (header((key, stamp, responses, sum, built_on)), payload)
    }))
}

/// Stores a wave's result, replacing the previous one in one statement (a
/// failure leaves the previous result in place). Returns the new stamp.
pub async fn store(
    db: &Db,
    wave: WaveId,
    result_key: &str,
    fingerprint: ResponseFingerprint,
    payload: &[u8],
) -> StorageResult<i64> {
    let stamp: i64 = rand::random();
    sqlx::query(
        r#"insert into wave_result
             (wave_id, result_key, stamp, responses, response_id_sum, built_on, payload)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (wave_id) do update set
             result_key = excluded.result_key, stamp = excluded.stamp,
             responses = excluded.responses, response_id_sum = excluded.response_id_sum,
             built_on = excluded.built_on, payload = excluded.payload"#,
    )
    .bind(wave)
    .bind(result_key)
    .bind(stamp)
    .bind(fingerprint.responses)
    .bind(fingerprint.response_id_sum)
    .bind(crate::storage::today())
    .bind(payload)
    .execute(db)
    .await?;
    Ok(stamp)
}

/// Deletes a wave's stored result (it is then "being prepared" until the
/// next rebuild).
pub async fn delete(db: &Db, wave: WaveId) -> StorageResult<()> {
    sqlx::query("delete from wave_result where wave_id = $1")
        .bind(wave)
        .execute(db)
        .await?;
    Ok(())
}
