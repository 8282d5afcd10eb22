-- Results are published only for closed waves (docs/privacy.md). A
-- coordinator may close a wave before its last day; this is that day (ISO
-- date), NULL while the wave runs to `closes_on`.
alter table wave add column closed_on text;

-- The analysis of a closed wave, computed once when the wave closes or its
-- data change, and read by every results page and CSV (docs/performance.md).
-- One row per wave; a rebuild replaces the row in one statement, so a failed
-- rebuild leaves the previous result in place.
create table wave_result (
    wave_id integer primary key references wave (wave_id) on delete cascade,
    -- what the result was computed with: analysis engine version, instrument,
    -- cut-point set, validity rules and minimum group size; a result whose key
    -- differs from what the code computes today is rebuilt
    result_key text not null,
    -- random number that changes with every rebuild, so that servers can tell
    -- whether their in-memory copy is current by reading this column alone
    stamp integer not null,
    -- the wave's responses when the result was built (count and the sum of
    -- their ids): a later import or deletion changes them
    responses integer not null,
    response_id_sum integer not null,
    -- day of the build (ISO date; no time of day)
    built_on text not null,
    -- the result itself (postcard encoding of `domain::published::PublishedWave`)
    payload blob not null
);
