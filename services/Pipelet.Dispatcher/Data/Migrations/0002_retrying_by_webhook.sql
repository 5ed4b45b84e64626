-- A webhook's pending retries, found at once when it is disabled or deleted (RetryCancellation) without
-- reading every delivery it had within retention. Partial: a delivery is 'retrying' only between tries.
CREATE INDEX deliveries_retrying_by_webhook ON deliveries (webhook_id) WHERE status = 'retrying';
