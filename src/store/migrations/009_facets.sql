-- Facets: a department's own structured facts about a person or an enterprise (social assistance,
-- insurance enrolment…), declared by its adapter (src/adapter-sdk/facets.ts). One row per entry:
-- the subject (ID number or credit code), the facet, and the entry key that tells a subject's
-- entries of one facet apart ('' when a subject has one at most). `adapter`, `source_id` and
-- `observed_at` are the observation the stored data came from; an older one never overwrites it.
-- Reads are per subject and scoped by the subject's record (src/store/records.ts, recordInScope),
-- so entries carry no division code of their own.
CREATE TABLE facet_entries (
  subject_kind text NOT NULL CHECK (subject_kind IN ('person', 'enterprise')),
  subject_key text NOT NULL,
  facet text NOT NULL,
  entry_key text NOT NULL,
  data jsonb NOT NULL,
  adapter text NOT NULL,
  source_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  -- The observation that created the entry. As for records (002), creation has no history row:
  -- an initial load writes one row per entry.
  created_from jsonb NOT NULL,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject_kind, subject_key, facet, entry_key)
);

-- Every later change to a facet entry: one row per observation that changed its data, `changes`
-- mapping each changed field to [old value, new value] (as record_history does).
CREATE TABLE facet_history (
  id bigserial PRIMARY KEY,
  subject_kind text NOT NULL,
  subject_key text NOT NULL,
  facet text NOT NULL,
  entry_key text NOT NULL,
  adapter text NOT NULL,
  source_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changes jsonb NOT NULL
);
CREATE INDEX facet_history_subject ON facet_history (subject_kind, subject_key, facet, id);
