-- Ids become PostgreSQL's native `uuid` (16 bytes, as the BYTEA held them,
-- compared and sorted the same way): the same value in the database, the
-- API and the logs, and no byte strings of other lengths. Every id keeps
-- its value; each table is rewritten once.
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
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid;
ALTER TABLE users
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid;
ALTER TABLE sessions
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN user_id TYPE uuid USING encode(user_id, 'hex')::uuid;
ALTER TABLE refresh_tokens
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN session_id TYPE uuid USING encode(session_id, 'hex')::uuid;
ALTER TABLE api_keys
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid,
    ALTER COLUMN created_by TYPE uuid USING encode(created_by, 'hex')::uuid;
ALTER TABLE audit_log
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN actor_id TYPE uuid USING encode(actor_id, 'hex')::uuid,
    ALTER COLUMN entity_id TYPE uuid USING encode(entity_id, 'hex')::uuid,
    ALTER COLUMN chain_id TYPE uuid USING encode(chain_id, 'hex')::uuid;
ALTER TABLE audit_heads
    ALTER COLUMN chain_id TYPE uuid USING encode(chain_id, 'hex')::uuid;
ALTER TABLE audit_checkpoint_heads
    ALTER COLUMN chain_id TYPE uuid USING encode(chain_id, 'hex')::uuid;
ALTER TABLE services
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN owner_unit_id TYPE uuid USING encode(owner_unit_id, 'hex')::uuid,
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid,
    ALTER COLUMN sla_policy_id TYPE uuid USING encode(sla_policy_id, 'hex')::uuid;
ALTER TABLE tickets
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN service_id TYPE uuid USING encode(service_id, 'hex')::uuid,
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid,
    ALTER COLUMN reporter_id TYPE uuid USING encode(reporter_id, 'hex')::uuid,
    ALTER COLUMN assignee_id TYPE uuid USING encode(assignee_id, 'hex')::uuid,
    ALTER COLUMN problem_id TYPE uuid USING encode(problem_id, 'hex')::uuid,
    ALTER COLUMN created_by TYPE uuid USING encode(created_by, 'hex')::uuid;
ALTER TABLE sla_clocks
    ALTER COLUMN ticket_id TYPE uuid USING encode(ticket_id, 'hex')::uuid,
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid,
    ALTER COLUMN policy_id TYPE uuid USING encode(policy_id, 'hex')::uuid;
ALTER TABLE ticket_events
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN ticket_id TYPE uuid USING encode(ticket_id, 'hex')::uuid,
    ALTER COLUMN actor_id TYPE uuid USING encode(actor_id, 'hex')::uuid;
ALTER TABLE ticket_counts
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid;
ALTER TABLE ticket_count_deltas
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid;
ALTER TABLE sla_report_cells
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid,
    ALTER COLUMN service_id TYPE uuid USING encode(service_id, 'hex')::uuid;
ALTER TABLE sla_report_deltas
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid,
    ALTER COLUMN service_id TYPE uuid USING encode(service_id, 'hex')::uuid;
ALTER TABLE ticket_comments
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN ticket_id TYPE uuid USING encode(ticket_id, 'hex')::uuid,
    ALTER COLUMN author_id TYPE uuid USING encode(author_id, 'hex')::uuid;
ALTER TABLE attachments
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN ticket_id TYPE uuid USING encode(ticket_id, 'hex')::uuid,
    ALTER COLUMN comment_id TYPE uuid USING encode(comment_id, 'hex')::uuid,
    ALTER COLUMN uploaded_by TYPE uuid USING encode(uploaded_by, 'hex')::uuid;
ALTER TABLE idempotency_keys
    ALTER COLUMN actor_id TYPE uuid USING encode(actor_id, 'hex')::uuid;
ALTER TABLE calendars
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid;
ALTER TABLE calendar_holidays
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid;
ALTER TABLE calendar_specials
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid;
ALTER TABLE calendar_versions
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid;
ALTER TABLE sla_policies
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid;
ALTER TABLE sla_policy_versions
    ALTER COLUMN policy_id TYPE uuid USING encode(policy_id, 'hex')::uuid;
ALTER TABLE notice_events
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN subject_id TYPE uuid USING encode(subject_id, 'hex')::uuid,
    ALTER COLUMN actor_id TYPE uuid USING encode(actor_id, 'hex')::uuid;
ALTER TABLE notices
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN event_id TYPE uuid USING encode(event_id, 'hex')::uuid,
    ALTER COLUMN ticket_id TYPE uuid USING encode(ticket_id, 'hex')::uuid,
    ALTER COLUMN subscription_id TYPE uuid USING encode(subscription_id, 'hex')::uuid;
ALTER TABLE notice_attempts
    ALTER COLUMN notice_id TYPE uuid USING encode(notice_id, 'hex')::uuid;
ALTER TABLE webhook_subscriptions
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid,
    ALTER COLUMN owner_user_id TYPE uuid USING encode(owner_user_id, 'hex')::uuid,
    ALTER COLUMN owner_api_key_id TYPE uuid USING encode(owner_api_key_id, 'hex')::uuid;
ALTER TABLE change_templates
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN service_id TYPE uuid USING encode(service_id, 'hex')::uuid;
ALTER TABLE changes
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN owner_unit_id TYPE uuid USING encode(owner_unit_id, 'hex')::uuid,
    ALTER COLUMN requester_id TYPE uuid USING encode(requester_id, 'hex')::uuid,
    ALTER COLUMN template_id TYPE uuid USING encode(template_id, 'hex')::uuid;
ALTER TABLE change_services
    ALTER COLUMN change_id TYPE uuid USING encode(change_id, 'hex')::uuid,
    ALTER COLUMN service_id TYPE uuid USING encode(service_id, 'hex')::uuid;
ALTER TABLE change_tickets
    ALTER COLUMN change_id TYPE uuid USING encode(change_id, 'hex')::uuid,
    ALTER COLUMN ticket_id TYPE uuid USING encode(ticket_id, 'hex')::uuid;
ALTER TABLE change_approvals
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN change_id TYPE uuid USING encode(change_id, 'hex')::uuid,
    ALTER COLUMN approver_id TYPE uuid USING encode(approver_id, 'hex')::uuid,
    ALTER COLUMN unit_id TYPE uuid USING encode(unit_id, 'hex')::uuid;
ALTER TABLE change_follow_ups
    ALTER COLUMN change_id TYPE uuid USING encode(change_id, 'hex')::uuid,
    ALTER COLUMN owner_id TYPE uuid USING encode(owner_id, 'hex')::uuid;
ALTER TABLE change_events
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN change_id TYPE uuid USING encode(change_id, 'hex')::uuid,
    ALTER COLUMN actor_id TYPE uuid USING encode(actor_id, 'hex')::uuid;
ALTER TABLE freeze_windows
    ALTER COLUMN id TYPE uuid USING encode(id, 'hex')::uuid,
    ALTER COLUMN calendar_id TYPE uuid USING encode(calendar_id, 'hex')::uuid;

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
