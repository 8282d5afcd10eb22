-- Named, versioned cut-point sets of an instrument version (e.g. calibrated
-- on a reference wave), and which set a wave's published profile uses
-- (docs/statistics.md, "Cut-point calibration"). A set, once stored, never
-- changes: a new calibration under the same name is the next version, so a
-- result that names "kalibriert-2026 v2" can always be traced to its values.
create table cut_point_set (
    cut_point_set_id integer primary key,
    instrument_id integer not null references instrument (instrument_id),
    name text not null check (length(name) between 1 and 80),
    version integer not null check (version >= 1),
    -- provenance in words: reference wave, outcome, rule, date
    derived_from text not null,
    -- JSON object: scale id -> grade -> cut point
    cut_points text not null,
    created_on text not null,
    unique (instrument_id, name, version)
);

-- The set a wave's results use; no row = the instrument's own cut points.
create table wave_cut_point_set (
    wave_id integer primary key references wave (wave_id) on delete cascade,
    cut_point_set_id integer not null references cut_point_set (cut_point_set_id),
    -- staff, not pupils: who chose it, and on which day (UTC)
    chosen_by integer references app_user (user_id) on delete set null,
    chosen_on text not null
);
