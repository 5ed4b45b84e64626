-- When a 429 or 503 answer's Retry-After asked the next try to wait until; null when it did not ask.
ALTER TABLE delivery_attempts ADD COLUMN retry_after timestamptz;
