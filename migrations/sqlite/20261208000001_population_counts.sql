-- The municipality's pupils per school type × grade for a wave: the
-- post-strata of weighted results (docs/statistics.md §13). Counts of
-- pupils in the population (school statistics), never answers. An import
-- replaces the wave's counts as a whole.
create table wave_population_count (
    wave_id integer not null references wave (wave_id) on delete cascade,
    school_type text not null check (length(school_type) between 1 and 80),
    grade integer not null check (grade between 1 and 13),
    pupils integer not null check (pupils >= 1),
    primary key (wave_id, school_type, grade)
);

-- Who imported the counts, and on which day (UTC): staff, not pupils.
create table wave_population_import (
    wave_id integer primary key references wave (wave_id) on delete cascade,
    source text not null,
    imported_by integer references app_user (user_id) on delete set null,
    imported_on text not null
);
