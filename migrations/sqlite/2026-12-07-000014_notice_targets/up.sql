-- A webhook target that failed holds its other waiting deliveries until
-- the failed one's retry: they are found by subscription among the
-- waiting notices only, however many it has been sent before.
CREATE INDEX notices_waiting_by_subscription ON notices (subscription_id)
    WHERE subscription_id IS NOT NULL AND status IN ('pending', 'failed');

-- Until when a subscription's receiver is backed off after a failed
-- delivery: deliveries fanned out meanwhile wait as long, so a receiver
-- that keeps timing out is tried once per back-off, not once per event.
ALTER TABLE webhook_subscriptions ADD COLUMN deliveries_held_until TIMESTAMP;
