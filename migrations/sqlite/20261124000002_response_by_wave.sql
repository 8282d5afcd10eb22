-- Reading a whole wave in insertion order (analysis, exports) walked the
-- (wave_id, district_id) index and then sorted by response_id in a temporary
-- B-tree: 1.3 s for 250,000 responses. An index on wave_id alone keeps rowid
-- order within a wave, so the same query needs no sort (about 0.12 s,
-- docs/performance.md).
create index response_by_wave on response (wave_id);
