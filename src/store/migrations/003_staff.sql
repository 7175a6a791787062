-- Town staff: built-in accounts (argon2id password) and accounts linked to an upstream identity
-- platform (issuer + subject). Roles keep system, security and audit administration apart.
CREATE TABLE staff (
  id bigserial PRIMARY KEY,
  username text NOT NULL UNIQUE,
  name text NOT NULL,
  town text NOT NULL CHECK (town ~ '^[0-9]{12}$'),
  roles text[] NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash text,
  password_changed_at timestamptz,
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  -- TOTP second factor: the secret, encrypted by the vault.
  totp_secret bytea,
  external_issuer text,
  external_subject text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);
CREATE UNIQUE INDEX staff_external ON staff (external_issuer, external_subject) WHERE external_subject IS NOT NULL;

-- Machine clients: the token itself is shown once; only its SHA-256 is kept (it is 256 random bits,
-- so a slow hash adds nothing).
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  roles text[] NOT NULL,
  town text NOT NULL CHECK (town ~ '^[0-9]{12}$'),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
