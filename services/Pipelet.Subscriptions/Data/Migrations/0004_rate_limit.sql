-- The most deliveries per second a webhook takes, over every dispatcher instance; null: no limit.
ALTER TABLE webhooks ADD COLUMN rate_limit integer NULL CHECK (rate_limit BETWEEN 1 AND 10000);
