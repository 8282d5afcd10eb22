-- District context indicators: figures of other offices (registration
-- office, public order office, youth office, police) per district and
-- period, shown beside the survey factors. Aggregates about districts, never
-- about persons.
create table indicator (
    indicator_id integer primary key,
    -- stable key used in CSV files, e.g. youth_offences
    indicator_key text not null unique,
    label_de text not null,
    label_en text not null,
    -- as shown, e.g. "je 1.000 Einwohner"
    unit text not null,
    -- which direction is unfavourable
    direction text not null check (direction in ('higher_is_worse', 'higher_is_better')),
    -- office and data set the figures come from, shown with every value
    source text not null,
    -- licence or terms of use of the source
    licence text not null
);

create table indicator_value (
    indicator_id integer not null references indicator (indicator_id) on delete cascade,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    -- null = the whole city
    district_id integer references district (district_id) on delete cascade,
    -- a year (2024) or a quarter (2024-Q3); text sorts chronologically
    period text not null,
    value real not null check (value >= 0)
);
create unique index indicator_value_key
    on indicator_value (indicator_id, municipality_id, coalesce(district_id, 0), period);
