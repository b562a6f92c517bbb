-- Named secrets (issue #11): admins store credentials once and definitions
-- name them as {{ .secrets.NAME }}. Only the sealed value is kept (package
-- secrets, bound to the name, under SLIPWAY_ENCRYPTION_KEY); the worker
-- opens it inside the activity that calls the backend, nowhere else.
CREATE TABLE secrets (
    -- A jq identifier, as {{ .secrets.NAME }} reads it.
    name          text PRIMARY KEY CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,99}$'),
    sealed        text NOT NULL,
    -- Who set the current value, and when (never the value itself).
    updated_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE secrets;
