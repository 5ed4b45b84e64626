-- 'station': each station's events reach the webhook in the order the gateway answered them; 'none': no order.
ALTER TABLE webhooks ADD COLUMN ordering text NOT NULL DEFAULT 'none' CHECK (ordering IN ('none', 'station'));
