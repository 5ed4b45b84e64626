-- The delivery log. One row per delivery (its current state), one per attempt, one per dead letter.
CREATE TABLE deliveries (
    delivery_id      uuid        PRIMARY KEY,
    webhook_id       bigint      NOT NULL,
    event_id         uuid        NOT NULL,
    event            text        NOT NULL,
    station_id       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    status           text        NOT NULL CHECK (status IN ('succeeded', 'retrying', 'failed', 'cancelled')),
    attempts         integer     NOT NULL,
    last_status_code integer,
    last_error       text,
    next_attempt_at  timestamptz,
    updated_at       timestamptz NOT NULL,
    -- a fresh ladder started by hand from a dead letter names the delivery it replays
    replay_of        uuid
);
-- Newest first per webhook; delivery ids sort by event time.
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, delivery_id DESC);
CREATE INDEX deliveries_by_age ON deliveries USING brin (updated_at);

CREATE TABLE delivery_attempts (
    delivery_id   uuid             NOT NULL,
    attempt       integer          NOT NULL,
    webhook_id    bigint           NOT NULL,
    event_id      uuid             NOT NULL,
    attempted_at  timestamptz      NOT NULL,
    duration_ms   double precision NOT NULL,
    status_code   integer,
    error_kind    text,
    error         text,
    response_body text,
    PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX delivery_attempts_by_age ON delivery_attempts USING brin (attempted_at);

CREATE TABLE failed_deliveries (
    delivery_id        uuid        PRIMARY KEY,
    webhook_id         bigint      NOT NULL,
    event_id           uuid        NOT NULL,
    event              jsonb       NOT NULL,  -- the bus event, as delivered
    webhook            jsonb       NOT NULL,  -- the webhook at the time (no secret value)
    attempts           jsonb       NOT NULL,  -- every attempt, oldest first
    failed_at          timestamptz NOT NULL,
    retried_at         timestamptz,
    retry_delivery_id  uuid
);
CREATE INDEX failed_deliveries_by_webhook ON failed_deliveries (webhook_id, failed_at DESC);
