-- The program catalog (e.g. entries of the Grüne Liste Prävention or
-- Blueprints, or the demo catalog). Multi-valued fields are ';'-separated
-- lists of ids, as in the catalog CSV.
create table program (
    program_id integer primary key,
    program_key text not null unique,
    name text not null,
    provider text not null,
    description text not null,
    factors text not null,
    grade_min integer not null check (grade_min between 1 and 13),
    grade_max integer not null check (grade_max between grade_min and 13),
    settings text not null,
    evidence_level text not null,
    cost_notes text not null default '',
    link text not null default '',
    demo integer not null default 0 check (demo in (0, 1))
);

-- The board's action plan: programs run per municipality (and district).
-- Rows are never deleted; an ended program gets its end date.
create table action_plan_entry (
    entry_id integer primary key,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    program_id integer not null references program (program_id),
    -- null = the whole municipality
    district_id integer references district (district_id) on delete cascade,
    starts_on text not null,
    ends_on text,
    target_group text not null default '',
    planned_reach integer check (planned_reach >= 0),
    added_on text not null,
    added_by integer references app_user (user_id) on delete set null
);
create index action_plan_municipality on action_plan_entry (municipality_id);

-- Implementation records: reach achieved and fidelity, appended over time.
create table implementation_record (
    record_id integer primary key,
    entry_id integer not null references action_plan_entry (entry_id) on delete cascade,
    recorded_on text not null,
    actual_reach integer check (actual_reach >= 0),
    fidelity_notes text not null default '',
    recorded_by integer references app_user (user_id) on delete set null
);

-- Measurable goals of the action plan: a factor's percent (at risk or
-- highly protected) in a grade (or all) and district (or all) should reach
-- the target by the named wave. Tracked against every wave automatically.
create table action_goal (
    goal_id integer primary key,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    factor text not null,
    district_id integer references district (district_id) on delete cascade,
    grade integer check (grade between 1 and 13),
    target_percent real not null check (target_percent between 0 and 100),
    by_wave text not null,
    added_on text not null
);

-- CTC resource assessment: prevention offers that already exist locally.
create table prevention_offer (
    offer_id integer primary key,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    name text not null,
    provider text not null,
    settings text not null,
    grade_min integer not null check (grade_min between 1 and 13),
    grade_max integer not null check (grade_max between grade_min and 13),
    reach integer not null default 0 check (reach >= 0),
    factors text not null,
    -- null = not evaluated
    evidence_level text
);
