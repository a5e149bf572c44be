"""The text of a status message: which template, which values, rendered safely.

Templates are the built-in ones (``desktop.core.sms_text.DEFAULT_TEMPLATES``) overridden per
event and language by rows of ``notification_templates``. The dispatcher renders a message
when it claims the row (so the text is the one current at send time) and stores it, so a
crash before the provider's answer can be reconciled by matching that exact body; the
notifications view renders pending rows the same way for its preview.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Customer, Employee, NotificationTemplate, Queue, Ticket
from db.queries.notification_ids import among, customers_of
from desktop.core.sms_text import DEFAULT_TEMPLATES, render_template

#: Kinds stored in the outbox besides the policy's own (``NotificationKind``).
MANUAL_UPDATE = "manual_update"
#: Status names as customers read them, per language (the ``{status}`` placeholder).
STATUS_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "new": "received",
        "open": "in progress",
        "pending": "waiting for your reply",
        "on_hold": "on hold",
        "solved": "solved",
        "closed": "closed",
    },
    "fr": {
        "new": "reçue",
        "open": "en cours",
        "pending": "en attente de votre réponse",
        "on_hold": "en attente",
        "solved": "résolue",
        "closed": "fermée",
    },
    "es": {
        "new": "recibida",
        "open": "en curso",
        "pending": "esperando su respuesta",
        "on_hold": "en espera",
        "solved": "resuelta",
        "closed": "cerrada",
    },
    "de": {
        "new": "eingegangen",
        "open": "in Bearbeitung",
        "pending": "wartet auf Ihre Antwort",
        "on_hold": "ruht",
        "solved": "gelöst",
        "closed": "geschlossen",
    },
}
LANGUAGES = ("en", "fr", "es", "de")


def primary_language(language: str | None) -> str:
    """ "fr-CA" -> "fr"; empty -> "en"."""
    return (language or "en").replace("_", "-").split("-")[0].lower() or "en"


def template_key(kind: str, status: str | None) -> str:
    """The template a row of ``kind`` uses (a manual update reads like a still-working one)."""
    if kind == "status_change":
        return f"status_{status}"
    if kind == MANUAL_UPDATE:
        return "still_working"
    return kind


@dataclass(frozen=True)
class TemplateBook:
    """Built-in templates overridden by the stored ones; lookups fall back to English."""

    overrides: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def text(self, key: str, language: str | None) -> str | None:
        """The template for ``key`` in ``language`` (else English), or None when none exists."""
        lang = primary_language(language)
        for candidate in (lang, "en"):
            stored = self.overrides.get((key, candidate))
            if stored:
                return stored
            built_in = DEFAULT_TEMPLATES.get(key, {}).get(candidate)
            if built_in:
                return built_in
        return None

    def keys(self) -> list[str]:
        """Every template key known, built-in first."""
        extra = sorted({key for key, _ in self.overrides} - set(DEFAULT_TEMPLATES))
        return [*DEFAULT_TEMPLATES, *extra]


def load_templates(session: Session) -> TemplateBook:
    """Every stored template override."""
    rows = session.execute(
        select(NotificationTemplate.event, NotificationTemplate.language, NotificationTemplate.body)
    ).all()
    return TemplateBook({(event, primary_language(lang)): body for event, lang, body in rows})


@dataclass(frozen=True)
class MessageContext:
    """The values a template may use for one ticket."""

    ticket_id: int
    status: str
    language: str
    customer_name: str
    agent_name: str | None
    queue_name: str | None


def load_message_contexts(session: Session, ticket_ids: Iterable[int]) -> dict[int, MessageContext]:
    """Placeholder values for the given tickets (one query per 500 ids)."""
    ids = sorted(set(ticket_ids))
    out: dict[int, MessageContext] = {}
    dialect = session.connection().dialect.name
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = (
            select(
                Ticket.id,
                Ticket.status,
                Customer.language,
                Customer.name,
                Employee.full_name,
                Queue.name,
            )
            .join(Customer, Customer.id == Ticket.customer_id)
            .outerjoin(Employee, Employee.id == Ticket.assignee_id)
            .outerjoin(Queue, Queue.id == Ticket.queue_id)
            .where(among(Ticket.id, chunk, dialect), customers_of(chunk, dialect))
        )
        for tid, status, language, customer, agent, queue in session.execute(stmt):
            out[tid] = MessageContext(tid, str(status), language or "en", customer, agent, queue)
    return out


def _first_name(full_name: str | None) -> str:
    parts = (full_name or "").split()
    return parts[0] if parts else ""


def message_values(ctx: MessageContext, company: str, status: str | None = None) -> dict[str, str]:
    """Placeholder name -> value for a ticket, in the customer's language."""
    lang = primary_language(ctx.language)
    words = STATUS_WORDS.get(lang, STATUS_WORDS["en"])
    shown_status = status or ctx.status
    return {
        "ticket_id": str(ctx.ticket_id),
        "customer_first_name": _first_name(ctx.customer_name),
        "status": words.get(shown_status, shown_status.replace("_", " ")),
        "agent_first_name": _first_name(ctx.agent_name),
        "queue": ctx.queue_name or "",
        "company": company,
    }


class MissingTemplate(LookupError):
    """No template exists for a key in any language (a policy announcing an unusual status)."""


def render_message(
    book: TemplateBook, ctx: MessageContext, kind: str, company: str, status: str | None = None
) -> str:
    """The final text of a message of ``kind`` for the ticket described by ``ctx``.

    Raises:
        MissingTemplate: no template for the kind (checked when a policy is saved, so this
            only happens with data edited outside Proximity).
        desktop.core.sms_text.TemplateError: a stored template no longer parses.
    """
    shown_status = status or ctx.status
    key = template_key(kind, shown_status)
    text = book.text(key, ctx.language)
    if text is None:
        raise MissingTemplate(f"no template {key!r} in {primary_language(ctx.language)} or en")
    return render_template(text, message_values(ctx, company, shown_status))
