-- Kept deliveries go out in the order they were kept, a chunk at a time from where the last chunk ended: seq numbers
-- them, and the webhook's index serves each chunk as one short range read (no sort, no pass over the table).
ALTER TABLE held_deliveries ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
DROP INDEX held_deliveries_by_webhook;
CREATE INDEX held_deliveries_by_webhook ON held_deliveries (webhook_id, seq);
