-- The portal's one search box. Names page in (name, id_number) order under the "C" collation, so
-- a rare name reads only the entries it shows (an index on name alone made the planner walk the
-- primary key); the index serves LIKE 'prefix%' too, so it replaces persons_name. ID numbers are
-- also found by their last digits (reverse(id) LIKE 'reversed%'), and residents by phone number.
DROP INDEX IF EXISTS persons_name;
CREATE INDEX persons_name_key ON persons (name COLLATE "C", id_number);
CREATE INDEX persons_id_suffix ON persons (reverse(id_number) text_pattern_ops);
CREATE INDEX persons_phone ON persons (phone);

-- The home page's "today's changes by department": records created and changed since a time.
CREATE INDEX persons_created_at ON persons (created_at);
CREATE INDEX enterprises_created_at ON enterprises (created_at);
CREATE INDEX record_history_changed_at ON record_history (changed_at);
