-- Webhooks: the secret value is stored only encrypted (AES-GCM, key from Webhooks__EncryptionKey).
CREATE TABLE webhooks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL,
    url           text        NOT NULL,
    enabled       boolean     NOT NULL DEFAULT true,
    events        text[]      NOT NULL,
    stations      text[]      NULL,
    secret_header text        NULL,
    secret_value  bytea       NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhooks_secret_pair CHECK ((secret_header IS NULL) = (secret_value IS NULL))
);

-- API keys: only the SHA-256 of the full key is kept; the prefix is what lists show.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    hash         bytea       NOT NULL UNIQUE,
    scopes       text[]      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL
);

-- Transactional outbox: a row per committed webhook change, written in the same transaction and
-- removed once the current state of that webhook has been published on the bus.
CREATE TABLE webhook_outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
