-- The portal's one search box. Names and key prefixes page in "C" collation order, so that one
-- index both finds the prefix (LIKE 'x%' uses a btree only under "C" or pattern ops; C.UTF-8 is
-- not "C" before PostgreSQL 17) and gives the order: a page reads only the entries it shows. With
-- the pattern-ops indexes the planner walked the primary key instead, filtering (seconds at a
-- million residents). ID numbers are also found by their last digits (reverse(id) LIKE
-- 'reversed%'), and residents by phone number.
DROP INDEX IF EXISTS persons_name;
DROP INDEX IF EXISTS persons_id_prefix;
CREATE INDEX persons_name_key ON persons (name COLLATE "C", id_number);
CREATE INDEX persons_id_c ON persons (id_number COLLATE "C");
CREATE INDEX enterprises_credit_code_c ON enterprises (credit_code COLLATE "C");
CREATE INDEX persons_id_suffix ON persons ((reverse(id_number) COLLATE "C"));
CREATE INDEX persons_phone ON persons (phone);

-- The home page's "today's changes by department": records created and changed since a time.
CREATE INDEX persons_created_at ON persons (created_at);
CREATE INDEX enterprises_created_at ON enterprises (created_at);
CREATE INDEX record_history_changed_at ON record_history (changed_at);
