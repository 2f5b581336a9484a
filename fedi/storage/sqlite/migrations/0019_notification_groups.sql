-- Grouped notifications (/api/v2/notifications) count and sample each group (an account,
-- a type, a status, a span of ids) in one query; this index reads each group directly
-- instead of every notification of the account in the span.
CREATE INDEX notifications_group ON notifications (account_id, type, status_id, id);
