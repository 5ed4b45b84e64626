-- A paused webhook (its recent tries all failed): its deliveries wait in held_deliveries, not in the broker, while one
-- probe try at a time (probe_until: the instance making it holds it until then) tells when it is back.
CREATE TABLE webhook_pauses (
    webhook_id    bigint      PRIMARY KEY,
    paused_since  timestamptz NOT NULL,
    next_probe_at timestamptz NOT NULL,
    probe_until   timestamptz,
    last_error    text
);

-- Deliveries kept without a try while their webhook is paused (the WebhookDelivery message as JSON), released to the
-- deliveries queue when it resumes, or dead-lettered at expires_at: when the retry ladder would have ended.
CREATE TABLE held_deliveries (
    delivery_id uuid        PRIMARY KEY,
    webhook_id  bigint      NOT NULL,
    delivery    jsonb       NOT NULL,
    held_at     timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX held_deliveries_by_webhook ON held_deliveries (webhook_id, delivery_id);
CREATE INDEX held_deliveries_by_expiry ON held_deliveries (expires_at);

ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('succeeded', 'retrying', 'paused', 'failed', 'cancelled'));
