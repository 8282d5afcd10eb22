-- Sign-in sessions of adult users (coordinators, trainers, staff). Only a
-- SHA-256 of the session token is stored, so a copy of the database cannot
-- be used to take over a session.
create table user_session (
    token_hash blob primary key,
    user_id integer not null references app_user (user_id) on delete cascade,
    -- the synchronizer token every form of this session must post back
    csrf_token text not null,
    -- unix seconds
    expires_at integer not null
);
create index user_session_user on user_session (user_id);

-- Failed sign-ins, for throttling. Keyed by the normalised e-mail address
-- typed (which may not belong to any account); no IP address is stored.
create table login_failure (
    email text not null,
    -- unix seconds
    failed_at integer not null
);
create index login_failure_email on login_failure (email, failed_at);

-- The CTC board's chosen priority factors. Every decision is a new row, the
-- latest per (municipality, district) is the current choice; the history is
-- never overwritten.
create table priority_decision (
    decision_id integer primary key,
    municipality_id integer not null references municipality (municipality_id) on delete cascade,
    -- null = the whole municipality
    district_id integer references district (district_id) on delete cascade,
    -- the wave whose profile the decision was based on, if any
    wave_id integer references wave (wave_id) on delete set null,
    -- comma-separated scale ids of the instrument, in the board's order
    factors text not null,
    rationale text not null,
    -- YYYY-MM-DD of the board meeting
    decided_on text not null,
    decided_by integer references app_user (user_id) on delete set null
);
create index priority_decision_scope on priority_decision (municipality_id, district_id, decision_id);
