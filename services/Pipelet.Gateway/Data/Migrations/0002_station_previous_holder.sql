-- The instance that held the station's row until the current session took it over. Set from the
-- locked row inside the upsert, so the new holder learns whom to tell even when both instances wrote
-- the station at the same moment (a snapshot read before the upsert could miss the other's row).
ALTER TABLE station_connections ADD COLUMN previous_instance_id text;
