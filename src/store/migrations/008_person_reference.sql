-- The portal addresses a resident by an opaque reference instead of the ID number, so the number
-- never lands in a URL (browser history, proxy and access logs). Random, not derived from the
-- number: a reference seen in a log tells nothing about whom it names. Every resident gets one
-- when created (the default) and keeps it.
ALTER TABLE persons ADD COLUMN ref text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');
CREATE UNIQUE INDEX persons_ref ON persons (ref);
