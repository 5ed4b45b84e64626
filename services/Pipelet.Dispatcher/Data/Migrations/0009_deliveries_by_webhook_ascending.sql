-- A webhook's deliveries, newest first, read backwards: the same reads, and a new delivery's entry lands at the right
-- end of its webhook's range instead of the left, where PostgreSQL descends the whole tree for every row and splits
-- pages in half (the delivery log's inserts are most of PostgreSQL's work).
CREATE INDEX deliveries_by_webhook_ascending ON deliveries (webhook_id, delivery_id);
DROP INDEX deliveries_by_webhook;
ALTER INDEX deliveries_by_webhook_ascending RENAME TO deliveries_by_webhook;
