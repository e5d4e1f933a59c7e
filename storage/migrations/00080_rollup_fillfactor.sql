-- +goose Up
-- Room on every rollup page for the next version of its rows (issue 9).
--
-- An ingest updates, for each member, month and category it touches, one
-- row per rollup table (ON CONFLICT DO UPDATE). On full pages (the default
-- fillfactor, 100) every such update writes its new version to another
-- page and a new entry into the primary key; with room on the page it is a
-- HOT update, which touches no index. Measured on the benchmark's data set
-- (2,000 members x 5 years), adding a 1,605-line batch to the monthly and
-- yearly rollups took 54 ms with full pages and 15 ms at fillfactor 70
-- after a CLUSTER on the primary key (which also puts each member's rows
-- together, so a cold member's insights read a few pages, not one page per
-- row). The setting applies to pages written from now on; `CLUSTER
-- <table> USING <table>_pkey` rewrites an existing table with it
-- (docs/scaling.md, section 5).
ALTER TABLE category_month_rollups SET (fillfactor = 70);
ALTER TABLE category_year_rollups SET (fillfactor = 70);
ALTER TABLE line_month_rollups SET (fillfactor = 70);
ALTER TABLE receipt_month_rollups SET (fillfactor = 70);

-- +goose Down
ALTER TABLE category_month_rollups RESET (fillfactor);
ALTER TABLE category_year_rollups RESET (fillfactor);
ALTER TABLE line_month_rollups RESET (fillfactor);
ALTER TABLE receipt_month_rollups RESET (fillfactor);
