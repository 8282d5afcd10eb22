-- Geography: region > municipality > district (Stadtteil) > school.

create table region (
    region_id integer primary key,
    name text not null unique
);

create table municipality (
    municipality_id integer primary key,
    region_id integer references region (region_id),
    name text not null unique
);

create table district (
    district_id integer primary key,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    -- short stable code used in CSV files and URLs, e.g. "DO-NORD"
    code text not null,
    name text not null,
    unique (municipality_id, code),
    unique (municipality_id, name)
);

create table school (
    school_id integer primary key,
    -- the district the school is located in
    district_id integer not null references district (district_id),
    name text not null,
    -- e.g. Gymnasium, Gesamtschule, Realschule, Hauptschule, Förderschule
    school_type text,
    unique (district_id, name)
);

-- Instruments are versioned data: the validated TOML source is kept verbatim
-- so that every wave can be re-analysed with exactly the instrument it used.
create table instrument (
    instrument_id integer primary key,
    instrument_key text not null,
    version text not null,
    title text not null,
    demonstration integer not null check (demonstration in (0, 1)),
    -- number of items; fixes the length of every answers blob of this instrument
    item_count integer not null check (item_count > 0),
    -- re-importing an identical file is a no-op; a different file under an
    -- existing (key, version) is refused
    source_toml text not null,
    imported_on text not null,
    unique (instrument_key, version)
);

create table wave (
    wave_id integer primary key,
    municipality_id integer not null references municipality (municipality_id),
    name text not null,
    instrument_id integer not null references instrument (instrument_id),
    opens_on text not null,
    closes_on text not null check (closes_on >= opens_on),
    -- comma-separated surveyed grades, e.g. "6,8,10"
    grades text not null,
    -- which district a response counts for: the pupil's home district where
    -- given, else the school's ('home_else_school'), or always the school's
    district_rule text not null check (district_rule in ('home_else_school', 'school')),
    unique (municipality_id, name)
);

-- A class as surveyed in one wave (classes change every school year).
create table school_class (
    class_id integer primary key,
    wave_id integer not null references wave (wave_id) on delete cascade,
    school_id integer not null references school (school_id),
    name text not null,
    grade integer not null check (grade between 1 and 13),
    -- pupils enrolled, for the participation rate
    enrolled integer not null default 0 check (enrolled >= 0),
    unique (wave_id, school_id, name)
);

-- One-time access codes. Only a hash of the code is stored; nothing links a
-- code to a person, and nothing links a finished code to its answers.
create table access_code (
    code_id integer primary key,
    class_id integer not null references school_class (class_id) on delete cascade,
    code_hash blob not null unique,
    state text not null default 'issued' check (state in ('issued', 'started', 'finished'))
);
create index access_code_class on access_code (class_id, state);

-- Answers of a questionnaire in progress, keyed by its code so that a pupil
-- can resume. Deleted in the same transaction that writes the finished
-- response, which cuts the code-to-answers link for good.
create table response_draft (
    code_id integer primary key references access_code (code_id) on delete cascade,
    answers blob not null,
    -- index of the next page to show
    next_page integer not null default 0,
    sex text check (sex in ('female', 'male', 'diverse')),
    home_district_id integer references district (district_id),
    language text not null default 'de',
    -- unix seconds; only used for the too-fast validity rule and never
    -- copied into the finished response
    started_at integer not null
);

-- Finished questionnaires, anonymous. One row per pupil; the answers are one
-- byte per instrument item (0 = missing, k = k-th option of the item's
-- response set; see docs/instrument-format.md) so that a whole wave reads
-- back as a single sequential scan.
create table response (
    response_id integer primary key,
    wave_id integer not null references wave (wave_id),
    instrument_id integer not null references instrument (instrument_id),
    -- the district the response counts for, resolved by the wave's district rule
    district_id integer not null references district (district_id),
    school_id integer references school (school_id),
    class_id integer references school_class (class_id),
    home_district_id integer references district (district_id),
    grade integer not null check (grade between 1 and 13),
    -- null = no answer
    sex text check (sex in ('female', 'male', 'diverse')),
    answers blob not null,
    -- comma-separated ids of the validity rules that flagged this response;
    -- empty = valid
    validity_flags text not null default '',
    -- 'online' (questionnaire) or 'import' (CSV, e.g. paper questionnaires)
    source text not null check (source in ('online', 'import'))
);
create index response_wave on response (wave_id, district_id);

-- People who use the platform (adults): coordinators, trainers, staff.
create table app_user (
    user_id integer primary key,
    email text not null unique,
    display_name text not null,
    -- argon2id PHC string
    password_hash text not null,
    role text not null check (role in ('admin', 'regional', 'coordinator', 'school_contact', 'trainer')),
    region_id integer references region (region_id),
    municipality_id integer references municipality (municipality_id),
    school_id integer references school (school_id),
    active integer not null default 1 check (active in (0, 1))
);

-- Municipalities a trainer supports (trainers may support several).
create table user_municipality (
    user_id integer not null references app_user (user_id) on delete cascade,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    primary key (user_id, municipality_id)
);
