-- Early-warning thresholds of a municipality, with their history: a change
-- adds a row, nothing is updated or deleted, so every list shown can be
-- traced to the thresholds that produced it. The newest row is in force;
-- a municipality without rows uses the defaults (docs/early-warning.md).
create table warning_thresholds (
    thresholds_id integer primary key,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    survey_change_points real not null check (survey_change_points between 1 and 50),
    survey_sustained_waves integer not null check (survey_sustained_waves between 3 and 10),
    indicator_change_percent real not null check (indicator_change_percent between 1 and 200),
    indicator_sustained_periods integer not null check (indicator_sustained_periods between 3 and 20),
    reason text not null,
    -- staff, not pupils: who changed the thresholds, and on which day (UTC)
    changed_by integer references app_user (user_id) on delete set null,
    changed_on text not null
);
create index warning_thresholds_of_municipality on warning_thresholds (municipality_id, thresholds_id);
