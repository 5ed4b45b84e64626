-- Standard Webhooks signing: every webhook has a signing secret (encrypted like secret_value). Rows older
-- than this migration get theirs at the service's next start (the key must be sealed in C#, not in SQL).
-- After a rotation the previous secret keeps signing for Delivery__SigningSecretOverlap from rotated_at.
ALTER TABLE webhooks
    ADD COLUMN signing_secret           bytea       NULL,
    ADD COLUMN previous_signing_secret  bytea       NULL,
    ADD COLUMN signing_secret_rotated_at timestamptz NULL;
