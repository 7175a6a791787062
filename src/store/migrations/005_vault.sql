-- Credential vault (src/vault): department service credentials and the department accounts of
-- staff members, sealed under data keys that are themselves sealed under the master key.

-- Data keys. Every box names the key it was sealed under. One key is active for new secrets;
-- rotation retires it by dropping its sealed material, so nothing sealed under it opens again.
CREATE TABLE vault_keys (
  id serial PRIMARY KEY,
  wrapped_key bytea,
  -- Fingerprint of the master key that seals wrapped_key: a wrong master key is named, not guessed.
  master_key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  CHECK ((retired_at IS NULL) = (wrapped_key IS NOT NULL))
);
CREATE UNIQUE INDEX vault_keys_active ON vault_keys ((true)) WHERE retired_at IS NULL;

-- Per adapter instance: the department's service credentials (a JSON object), sealed.
CREATE TABLE department_credentials (
  adapter text PRIMARY KEY,
  credentials bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per staff member (staff.id) and adapter instance: the department account they act as.
CREATE TABLE staff_accounts (
  staff_id bigint NOT NULL,
  adapter text NOT NULL,
  username text NOT NULL,
  -- Sealed; NULL when no password is kept for the account.
  password bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (staff_id, adapter)
);
CREATE INDEX staff_accounts_adapter ON staff_accounts (adapter);
