-- Ordered delivery per station: one lane per (webhook, station) whose deliveries go out one at a time in seq order (the
-- order the ordered queue's single active consumer appended them, which is the order the gateway answered the events).
-- A lane row exists while the lane holds deliveries: due_at is when its head may be tried, claimed_until the lease of
-- the instance trying it.
CREATE TABLE ordered_lanes (
    webhook_id    bigint      NOT NULL,
    station_id    text        NOT NULL,
    due_at        timestamptz NOT NULL,
    claimed_until timestamptz,
    PRIMARY KEY (webhook_id, station_id)
);
CREATE INDEX ordered_lanes_by_due ON ordered_lanes (due_at);

-- The deliveries waiting in a lane (the WebhookDelivery message as JSON, with the attempt its next try makes). Text, not
-- jsonb: a station's payload may hold "\u0000", which jsonb refuses, and a refused append would stop the ordered queue.
CREATE TABLE ordered_deliveries (
    seq         bigserial   PRIMARY KEY,
    delivery_id uuid        NOT NULL UNIQUE,
    webhook_id  bigint      NOT NULL,
    station_id  text        NOT NULL,
    delivery    text        NOT NULL
);
CREATE INDEX ordered_deliveries_by_lane ON ordered_deliveries (webhook_id, station_id, seq);
