-- Why and when Pipelet disabled a webhook itself ('failing': its deliveries kept failing); both null otherwise,
-- and cleared when the owner enables it again.
ALTER TABLE webhooks
    ADD COLUMN disabled_reason text        NULL,
    ADD COLUMN disabled_at     timestamptz NULL;

-- Operational events (WebhookDisabled) to publish for delivery to the webhooks that subscribe to them: written in
-- the same transaction as the change they tell of, removed once the broker confirmed them.
CREATE TABLE operational_event_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    uuid        NOT NULL,
    event       text        NOT NULL,
    payload     jsonb       NOT NULL,
    occurred_at timestamptz NOT NULL
);
