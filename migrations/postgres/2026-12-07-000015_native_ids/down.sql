-- Ids back to the 16 bytes of BYTEA they were stored as.
-- Foreign keys compare both sides' types: they are dropped while the
-- columns change and added again as they were.
CREATE TEMPORARY TABLE native_ids_foreign_keys ON COMMIT DROP AS
    SELECT conrelid::regclass AS tbl, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint
    WHERE contype = 'f' AND connamespace = current_schema()::regnamespace;
DO $$
DECLARE fk record;
BEGIN
    FOR fk IN SELECT * FROM native_ids_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
    END LOOP;
END
$$;

-- A trigger's WHEN clause pins the types of the columns it names.
DROP TRIGGER ticket_counts_on_move ON tickets;
DROP TRIGGER sla_report_on_ticket_move ON tickets;
DROP TRIGGER sla_report_on_clock_change ON sla_clocks;

ALTER TABLE units
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id);
ALTER TABLE users
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id);
ALTER TABLE sessions
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN user_id TYPE bytea USING uuid_send(user_id);
ALTER TABLE refresh_tokens
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN session_id TYPE bytea USING uuid_send(session_id);
ALTER TABLE api_keys
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id),
    ALTER COLUMN created_by TYPE bytea USING uuid_send(created_by);
ALTER TABLE audit_log
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN actor_id TYPE bytea USING uuid_send(actor_id),
    ALTER COLUMN entity_id TYPE bytea USING uuid_send(entity_id),
    ALTER COLUMN chain_id TYPE bytea USING uuid_send(chain_id);
ALTER TABLE audit_heads
    ALTER COLUMN chain_id TYPE bytea USING uuid_send(chain_id);
ALTER TABLE audit_checkpoint_heads
    ALTER COLUMN chain_id TYPE bytea USING uuid_send(chain_id);
ALTER TABLE services
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN owner_unit_id TYPE bytea USING uuid_send(owner_unit_id),
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id),
    ALTER COLUMN sla_policy_id TYPE bytea USING uuid_send(sla_policy_id);
ALTER TABLE tickets
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN service_id TYPE bytea USING uuid_send(service_id),
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id),
    ALTER COLUMN reporter_id TYPE bytea USING uuid_send(reporter_id),
    ALTER COLUMN assignee_id TYPE bytea USING uuid_send(assignee_id),
    ALTER COLUMN problem_id TYPE bytea USING uuid_send(problem_id),
    ALTER COLUMN created_by TYPE bytea USING uuid_send(created_by);
ALTER TABLE sla_clocks
    ALTER COLUMN ticket_id TYPE bytea USING uuid_send(ticket_id),
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id),
    ALTER COLUMN policy_id TYPE bytea USING uuid_send(policy_id);
ALTER TABLE ticket_events
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN ticket_id TYPE bytea USING uuid_send(ticket_id),
    ALTER COLUMN actor_id TYPE bytea USING uuid_send(actor_id);
ALTER TABLE ticket_counts
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id);
ALTER TABLE ticket_count_deltas
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id);
ALTER TABLE sla_report_cells
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id),
    ALTER COLUMN service_id TYPE bytea USING uuid_send(service_id);
ALTER TABLE sla_report_deltas
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id),
    ALTER COLUMN service_id TYPE bytea USING uuid_send(service_id);
ALTER TABLE ticket_comments
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN ticket_id TYPE bytea USING uuid_send(ticket_id),
    ALTER COLUMN author_id TYPE bytea USING uuid_send(author_id);
ALTER TABLE attachments
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN ticket_id TYPE bytea USING uuid_send(ticket_id),
    ALTER COLUMN comment_id TYPE bytea USING uuid_send(comment_id),
    ALTER COLUMN uploaded_by TYPE bytea USING uuid_send(uploaded_by);
ALTER TABLE idempotency_keys
    ALTER COLUMN actor_id TYPE bytea USING uuid_send(actor_id);
ALTER TABLE calendars
    ALTER COLUMN id TYPE bytea USING uuid_send(id);
ALTER TABLE calendar_holidays
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id);
ALTER TABLE calendar_specials
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id);
ALTER TABLE calendar_versions
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id);
ALTER TABLE sla_policies
    ALTER COLUMN id TYPE bytea USING uuid_send(id);
ALTER TABLE sla_policy_versions
    ALTER COLUMN policy_id TYPE bytea USING uuid_send(policy_id);
ALTER TABLE notice_events
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN subject_id TYPE bytea USING uuid_send(subject_id),
    ALTER COLUMN actor_id TYPE bytea USING uuid_send(actor_id);
ALTER TABLE notices
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN event_id TYPE bytea USING uuid_send(event_id),
    ALTER COLUMN ticket_id TYPE bytea USING uuid_send(ticket_id),
    ALTER COLUMN subscription_id TYPE bytea USING uuid_send(subscription_id);
ALTER TABLE notice_attempts
    ALTER COLUMN notice_id TYPE bytea USING uuid_send(notice_id);
ALTER TABLE webhook_subscriptions
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id),
    ALTER COLUMN owner_user_id TYPE bytea USING uuid_send(owner_user_id),
    ALTER COLUMN owner_api_key_id TYPE bytea USING uuid_send(owner_api_key_id);
ALTER TABLE change_templates
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN service_id TYPE bytea USING uuid_send(service_id);
ALTER TABLE changes
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN owner_unit_id TYPE bytea USING uuid_send(owner_unit_id),
    ALTER COLUMN requester_id TYPE bytea USING uuid_send(requester_id),
    ALTER COLUMN template_id TYPE bytea USING uuid_send(template_id);
ALTER TABLE change_services
    ALTER COLUMN change_id TYPE bytea USING uuid_send(change_id),
    ALTER COLUMN service_id TYPE bytea USING uuid_send(service_id);
ALTER TABLE change_tickets
    ALTER COLUMN change_id TYPE bytea USING uuid_send(change_id),
    ALTER COLUMN ticket_id TYPE bytea USING uuid_send(ticket_id);
ALTER TABLE change_approvals
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN change_id TYPE bytea USING uuid_send(change_id),
    ALTER COLUMN approver_id TYPE bytea USING uuid_send(approver_id),
    ALTER COLUMN unit_id TYPE bytea USING uuid_send(unit_id);
ALTER TABLE change_follow_ups
    ALTER COLUMN change_id TYPE bytea USING uuid_send(change_id),
    ALTER COLUMN owner_id TYPE bytea USING uuid_send(owner_id);
ALTER TABLE change_events
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN change_id TYPE bytea USING uuid_send(change_id),
    ALTER COLUMN actor_id TYPE bytea USING uuid_send(actor_id);
ALTER TABLE freeze_windows
    ALTER COLUMN id TYPE bytea USING uuid_send(id),
    ALTER COLUMN calendar_id TYPE bytea USING uuid_send(calendar_id);

DO $$
DECLARE fk record;
BEGIN
    FOR fk IN SELECT * FROM native_ids_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.conname, fk.def);
    END LOOP;
END
$$;

CREATE TRIGGER ticket_counts_on_move AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.tier IS DISTINCT FROM NEW.tier
          OR OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
          OR OLD.tier2_involved IS DISTINCT FROM NEW.tier2_involved
          OR (OLD.assignee_id IS NULL) IS DISTINCT FROM (NEW.assignee_id IS NULL))
    EXECUTE FUNCTION ticket_counts_track();
CREATE TRIGGER sla_report_on_ticket_move AFTER UPDATE ON tickets FOR EACH ROW
    WHEN ((OLD.unit_id, OLD.service_id, OLD.tier, OLD.priority, OLD.tier2_involved,
           OLD.escalation_count > 0, OLD.reopen_count > 0, OLD.created_at)
          IS DISTINCT FROM (NEW.unit_id, NEW.service_id, NEW.tier, NEW.priority, NEW.tier2_involved,
           NEW.escalation_count > 0, NEW.reopen_count > 0, NEW.created_at))
    EXECUTE FUNCTION sla_report_track_ticket();
CREATE TRIGGER sla_report_on_clock_change AFTER UPDATE ON sla_clocks FOR EACH ROW
    WHEN ((OLD.ticket_id, OLD.kind, OLD.stopped_at IS NULL, OLD.breached_at IS NULL, OLD.elapsed_seconds)
          IS DISTINCT FROM (NEW.ticket_id, NEW.kind, NEW.stopped_at IS NULL, NEW.breached_at IS NULL, NEW.elapsed_seconds))
    EXECUTE FUNCTION sla_report_track_clock();
