-- Each webhook's run of failed tries, summed over every dispatcher instance (each flushes what it saw about once a
-- second): when none of its tries succeeded since failing_since and failures_in_row tries failed, it may be disabled
-- (Delivery__DisableAfter, Delivery__DisableAfterFailures). One row per webhook that was ever tried.
CREATE TABLE webhook_failures (
    webhook_id      bigint      PRIMARY KEY,
    last_success_at timestamptz,
    failing_since   timestamptz,
    failures_in_row integer     NOT NULL,
    last_error      text,
    updated_at      timestamptz NOT NULL
);
