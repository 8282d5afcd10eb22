-- Imported reference values ("Vergleichswerte", e.g. a state's CTC survey)
-- that profiles can be compared with instead of the city total. They are
-- published aggregate percentages, not data about pupils of this city.
create table norm_set (
    norm_set_id integer primary key,
    -- short key used in URLs and on the command line, e.g. nrw-2024
    norm_key text not null unique,
    -- shown next to the reference marker, e.g. "Landesbefragung NRW 2024"
    label text not null,
    -- where the values come from (publication, table), shown on the page
    source text not null default '',
    -- the instrument (key, any version) whose scale and outcome ids the
    -- values refer to; only waves of this instrument offer the norm set
    instrument_key text not null,
    -- YYYY-MM-DD
    imported_on text not null
);

create table norm_value (
    norm_set_id integer not null references norm_set (norm_set_id) on delete cascade,
    factor_id text not null,
    -- null = all grades
    grade integer check (grade between 1 and 13),
    percent real not null check (percent between 0 and 100)
);
create unique index norm_value_key on norm_value (norm_set_id, factor_id, coalesce(grade, 0));
