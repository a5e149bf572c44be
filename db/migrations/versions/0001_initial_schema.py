"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_meta")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone_e164", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("preferred_channel", sa.String(length=16), nullable=False),
        sa.Column("sms_opt_out", sa.Boolean(), nullable=False),
        sa.Column("sms_opt_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customers_external_id")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_phone_e164"), ["phone_e164"], unique=False)

    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_templates")),
        sa.UniqueConstraint("event", "language", name="uq_templates_event_language"),
    )
    op.create_table(
        "qa_rubrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("pass_mark", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_rubrics")),
        sa.UniqueConstraint("name", name=op.f("uq_qa_rubrics_name")),
    )
    op.create_table(
        "service_leases",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_leases")),
    )
    op.create_table(
        "source_status",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_source_status")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("shift_start", sa.Time(), nullable=True),
        sa.Column("shift_end", sa.Time(), nullable=True),
        sa.Column("shift_days", sa.String(length=7), nullable=False),
        sa.Column("takes_contacts", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("external_sid", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_employees_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("external_sid", name=op.f("uq_employees_external_sid")),
        sa.UniqueConstraint("username", name=op.f("uq_employees_username")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employees_team_id"), ["team_id"], unique=False)

    op.create_table(
        "qa_rubric_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["qa_rubrics.id"], name=op.f("fk_qa_rubric_items_rubric_id_qa_rubrics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_rubric_items")),
    )
    with op.batch_alter_table("qa_rubric_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qa_rubric_items_rubric_id"), ["rubric_id"], unique=False
        )

    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("sl_target", sa.Float(), nullable=False),
        sa.Column("sl_threshold_seconds", sa.Integer(), nullable=False),
        sa.Column("sl_variant", sa.String(length=32), nullable=False),
        sa.Column("short_abandon_seconds", sa.Integer(), nullable=False),
        sa.Column("daily_reset", sa.Time(), nullable=False),
        sa.Column("warn_longest_wait_seconds", sa.Integer(), nullable=True),
        sa.Column("warn_waiting_count", sa.Integer(), nullable=True),
        sa.Column("shrinkage", sa.Float(), nullable=False),
        sa.Column("max_occupancy", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("external_sid", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_queues_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("external_sid", name=op.f("uq_queues_external_sid")),
        sa.UniqueConstraint("name", name=op.f("uq_queues_name")),
    )
    op.create_table(
        "agent_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_agent_states_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_states")),
    )
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_states_current",
            ["employee_id", "state", "started_at", "ended_at"],
            unique=False,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(
            "ix_agent_states_employee_started",
            ["employee_id", "started_at", "ended_at", "state"],
            unique=False,
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("workstation", sa.String(length=120), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["employees.id"], name=op.f("fk_audit_log_actor_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "coaching_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("follow_up_date", sa.Date(), nullable=True),
        sa.Column("linked_flags", sa.JSON(), nullable=True),
        sa.Column("linked_ticket_ids", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follow_up_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["employees.id"], name=op.f("fk_coaching_sessions_coach_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_coaching_sessions_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_sessions")),
    )
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coaching_employee_at", ["employee_id", "scheduled_at"], unique=False
        )

    op.create_table(
        "notification_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_notification_policies_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["employees.id"],
            name=op.f("fk_notification_policies_updated_by_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_policies")),
        sa.UniqueConstraint("queue_id", name=op.f("uq_notification_policies_queue_id")),
    )
    op.create_table(
        "pulse_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("esat", sa.Integer(), nullable=True),
        sa.Column("enps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_pulse_surveys_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_surveys")),
        sa.UniqueConstraint("external_id", name=op.f("uq_pulse_surveys_external_id")),
    )
    with op.batch_alter_table("pulse_surveys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pulse_surveys_employee_answered", ["employee_id", "answered_at"], unique=False
        )

    op.create_table(
        "queue_members",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_queue_members_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_queue_members_queue_id_queues")
        ),
        sa.PrimaryKeyConstraint("queue_id", "employee_id", name=op.f("pk_queue_members")),
    )
    op.create_table(
        "queue_source_stats",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("longest_wait_seconds", sa.Float(), nullable=True),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("answered_within", sa.Integer(), nullable=False),
        sa.Column("answer_wait_total_seconds", sa.Float(), nullable=False),
        sa.Column("agents_staffed", sa.Integer(), nullable=False),
        sa.Column("agents_available", sa.Integer(), nullable=False),
        sa.Column("agents_busy", sa.Integer(), nullable=False),
        sa.Column("agents_away", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_queue_source_stats_queue_id_queues")
        ),
        sa.PrimaryKeyConstraint("queue_id", "window", name=op.f("pk_queue_source_stats")),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_saved_filters_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("employee_id", "view", "name", name="uq_saved_filters"),
    )
    op.create_table(
        "team_managers",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_team_managers_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_managers_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("team_id", "employee_id", name=op.f("pk_team_managers")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("priority", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_heard_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_customer_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("longest_silence_seconds", sa.Float(), nullable=True),
        sa.Column("frt_target_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_target_minutes", sa.Integer(), nullable=True),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["employees.id"], name=op.f("fk_tickets_assignee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_tickets_queue_id_queues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("external_id", name=op.f("uq_tickets_external_id")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_assignee_solved", ["assignee_id", "solved_at"], unique=False
        )
        batch_op.create_index("ix_tickets_created", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_tickets_open_assignee",
            ["assignee_id", "priority"],
            unique=False,
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.create_index(
            "ix_tickets_open_assignee_load",
            ["assignee_id", "priority", "created_at", "status"],
            unique=False,
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.create_index(
            "ix_tickets_open_clocks",
            [
                "status",
                "created_at",
                "first_response_at",
                "last_heard_at",
                "frt_target_minutes",
                "resolution_target_minutes",
                "priority",
                "queue_id",
                "assignee_id",
                "version",
                "customer_id",
                "external_id",
                "subject",
            ],
            unique=False,
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.create_index(
            "ix_tickets_open_queue",
            ["queue_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.create_index("ix_tickets_solved", ["solved_at"], unique=False)
        batch_op.create_index("ix_tickets_status", ["status"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("hold_seconds", sa.Float(), nullable=False),
        sa.Column("wrap_seconds", sa.Float(), nullable=False),
        sa.Column("external_sid", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["employees.id"], name=op.f("fk_contacts_agent_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contacts_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_contacts_queue_id_queues")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_contacts_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("external_sid", name=op.f("uq_contacts_external_sid")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_agent_answered",
            ["agent_id", "answered_at", "ended_at", "talk_seconds", "hold_seconds", "wrap_seconds"],
            unique=False,
        )
        batch_op.create_index(
            "ix_contacts_queue_figures",
            [
                "queue_id",
                "enqueued_at",
                "answered_at",
                "abandoned_at",
                "ended_at",
                "wait_seconds",
                "talk_seconds",
                "hold_seconds",
                "wrap_seconds",
            ],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_contacts_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            "ix_contacts_waiting",
            ["queue_id", "enqueued_at"],
            unique=False,
            sqlite_where=sa.text("answered_at IS NULL AND abandoned_at IS NULL"),
            postgresql_where=sa.text("answered_at IS NULL AND abandoned_at IS NULL"),
        )

    op.create_table(
        "customer_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("resolved_first_time", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["employees.id"], name=op.f("fk_customer_surveys_agent_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_surveys_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_customer_surveys_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_surveys")),
    )
    with op.batch_alter_table("customer_surveys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_surveys_agent_answered", ["agent_id", "answered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_surveys_answered_at"), ["answered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_surveys_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("to_address", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("provider_sid", sa.String(length=64), nullable=True),
        sa.Column("provider_status", sa.String(length=24), nullable=True),
        sa.Column("error_code", sa.String(length=16), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_notifications_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_notifications_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_provider_sid", ["provider_sid"], unique=False)
        batch_op.create_index("ix_notifications_state_due", ["state", "due_at"], unique=False)
        batch_op.create_index("ix_notifications_ticket", ["ticket_id", "created_at"], unique=False)

    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score_pct", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_qa_reviews_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["employees.id"], name=op.f("fk_qa_reviews_reviewer_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["qa_rubrics.id"], name=op.f("fk_qa_reviews_rubric_id_qa_rubrics")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_qa_reviews_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_reviews")),
        sa.UniqueConstraint("external_id", name=op.f("uq_qa_reviews_external_id")),
    )
    with op.batch_alter_table("qa_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_qa_reviews_employee_reviewed", ["employee_id", "reviewed_at"], unique=False
        )

    op.create_table(
        "qa_review_items",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["qa_rubric_items.id"],
            name=op.f("fk_qa_review_items_item_id_qa_rubric_items"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["qa_reviews.id"], name=op.f("fk_qa_review_items_review_id_qa_reviews")
        ),
        sa.PrimaryKeyConstraint("review_id", "item_id", name=op.f("pk_qa_review_items")),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("old_value", sa.String(length=100), nullable=True),
        sa.Column("new_value", sa.String(length=100), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["employees.id"], name=op.f("fk_ticket_events_actor_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_ticket_events_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_events_ticket_at", ["ticket_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_events_ticket_at")

    op.drop_table("ticket_events")
    op.drop_table("qa_review_items")
    with op.batch_alter_table("qa_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_qa_reviews_employee_reviewed")

    op.drop_table("qa_reviews")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_ticket")
        batch_op.drop_index("ix_notifications_state_due")
        batch_op.drop_index("ix_notifications_provider_sid")

    op.drop_table("notifications")
    with op.batch_alter_table("customer_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_surveys_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_customer_surveys_answered_at"))
        batch_op.drop_index("ix_customer_surveys_agent_answered")

    op.drop_table("customer_surveys")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_contacts_waiting",
            sqlite_where=sa.text("answered_at IS NULL AND abandoned_at IS NULL"),
            postgresql_where=sa.text("answered_at IS NULL AND abandoned_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_contacts_ticket_id"))
        batch_op.drop_index("ix_contacts_queue_figures")
        batch_op.drop_index("ix_contacts_agent_answered")

    op.drop_table("contacts")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status")
        batch_op.drop_index("ix_tickets_solved")
        batch_op.drop_index(
            "ix_tickets_open_queue",
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.drop_index(
            "ix_tickets_open_clocks",
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.drop_index(
            "ix_tickets_open_assignee_load",
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.drop_index(
            "ix_tickets_open_assignee",
            sqlite_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
            postgresql_where=sa.text("status IN ('new', 'open', 'pending', 'on_hold')"),
        )
        batch_op.drop_index(batch_op.f("ix_tickets_customer_id"))
        batch_op.drop_index("ix_tickets_created")
        batch_op.drop_index("ix_tickets_assignee_solved")

    op.drop_table("tickets")
    op.drop_table("team_managers")
    op.drop_table("saved_filters")
    op.drop_table("queue_source_stats")
    op.drop_table("queue_members")
    with op.batch_alter_table("pulse_surveys", schema=None) as batch_op:
        batch_op.drop_index("ix_pulse_surveys_employee_answered")

    op.drop_table("pulse_surveys")
    op.drop_table("notification_policies")
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_coaching_employee_at")

    op.drop_table("coaching_sessions")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_log")
    with op.batch_alter_table("agent_states", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_states_employee_started")
        batch_op.drop_index(
            "ix_agent_states_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.drop_table("agent_states")
    op.drop_table("queues")
    with op.batch_alter_table("qa_rubric_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_rubric_items_rubric_id"))

    op.drop_table("qa_rubric_items")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employees_team_id"))

    op.drop_table("employees")
    op.drop_table("teams")
    op.drop_table("source_status")
    op.drop_table("service_leases")
    op.drop_table("qa_rubrics")
    op.drop_table("notification_templates")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_phone_e164"))

    op.drop_table("customers")
    op.drop_table("app_meta")
