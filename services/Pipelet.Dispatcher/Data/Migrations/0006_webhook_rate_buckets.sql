-- Each rate-limited webhook's token bucket, shared by every dispatcher instance: tokens refill at rate_limit per
-- second up to a twentieth of a second's worth; an instance takes a few at a time (granted: the last take's share).
CREATE TABLE webhook_rate_buckets (
    webhook_id  bigint           PRIMARY KEY,
    tokens      double precision NOT NULL,
    refilled_at timestamptz      NOT NULL,
    granted     integer          NOT NULL
);
