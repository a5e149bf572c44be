"""Column mappings for the ticket import: this project's CSV layout, Zendesk's and Freshdesk's.

A mapping says, for each field Proximity stores, which CSV column holds it (a list of
candidate column names; the first present in the file wins), how the source spells statuses
and priorities, and how its ticket ids are kept apart from other systems' (``id_prefix``).
Column names are compared after ``normalise_header`` ("Requester email" -> "requester_email").

A mapping file is JSON, for a help desk with its own column names::

    {"name": "our-helpdesk", "base": "zendesk",
     "columns": {"customer_phone": "Mobile", "queue": "Team"},
     "statuses": {"waiting": "pending"}, "timezone": "Europe/London",
     "default_queue": "Billing"}

``base`` starts from a built-in mapping; ``timezone`` reads dates written without an offset
in that zone (without it such dates are rejected: whose 09:00 would it be?).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop.core.domain import Priority, TicketStatus
from desktop.sources.survey_csv import normalise_header


class MappingError(ValueError):
    """A mapping name or file that cannot be used; the message says why."""


@dataclass(frozen=True)
class FieldSpec:
    """A field the import fills: its name, a label for the dialog, whether it is required."""

    name: str
    label: str
    required: bool = False
    hint: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("external_id", "Ticket id", True, "the help desk's id; re-imports skip it"),
    FieldSpec("subject", "Subject", True),
    FieldSpec("created_at", "Created", True, "date and time with a time zone"),
    FieldSpec("customer_name", "Customer name", True, "or an e-mail or phone to name them by"),
    FieldSpec("customer_external_id", "Customer id"),
    FieldSpec("customer_email", "Customer e-mail"),
    FieldSpec("customer_phone", "Customer phone", hint="parsed to E.164"),
    FieldSpec("customer_timezone", "Customer time zone", hint="e.g. Europe/Paris"),
    FieldSpec("customer_language", "Customer language", hint="e.g. en, fr"),
    FieldSpec("customer_sms_opt_out", "SMS opt-out", hint="yes / no"),
    FieldSpec("status", "Status", hint="new if empty"),
    FieldSpec("priority", "Priority", hint="normal if empty"),
    FieldSpec("queue", "Queue", hint="a queue name in Proximity"),
    FieldSpec("assignee", "Assignee", hint="username, e-mail or full name"),
    FieldSpec("first_response_at", "First response"),
    FieldSpec("solved_at", "Solved"),
    FieldSpec("frt_target_minutes", "First-response target (min)"),
    FieldSpec("resolution_target_minutes", "Resolution target (min)"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
REQUIRED = tuple(f.name for f in FIELDS if f.required)

_STATUS = {s.value: s.value for s in TicketStatus} | {
    "on hold": "on_hold",
    "on-hold": "on_hold",
    "hold": "on_hold",
}
_PRIORITY = {p.value: p.value for p in Priority}


@dataclass(frozen=True)
class ColumnMapping:
    """How one source's CSV maps onto Proximity's fields.

    Attributes:
        name: shown in the dialog and accepted by ``--mapping``.
        columns: field name -> candidate column names, normalised, in order of preference.
        statuses / priorities: the source's values (lower-case) -> Proximity's values.
        id_prefix: put before ticket and customer ids so two systems' "1042" stay apart.
        timezone: the zone of dates written without an offset, or None to reject them.
        default_queue: the queue of rows with no queue column or an empty one.
    """

    name: str
    columns: MappingProxyType[str, tuple[str, ...]]
    statuses: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType(_STATUS))
    priorities: MappingProxyType[str, str] = field(
        default_factory=lambda: MappingProxyType(_PRIORITY)
    )
    id_prefix: str = ""
    timezone: str | None = None
    default_queue: str | None = None

    def resolve(self, header: list[str]) -> dict[str, str]:
        """Field -> the column of ``header`` that holds it (absent fields are left out)."""
        present = set(header)
        out: dict[str, str] = {}
        for name, candidates in self.columns.items():
            for column in candidates:
                if column in present:
                    out[name] = column
                    break
        return out

    def missing_required(self, header: list[str]) -> list[str]:
        """Labels of required fields no column of ``header`` provides."""
        found = self.resolve(header)
        missing = [f for f in REQUIRED if f not in found]
        # A customer may be named by e-mail or phone when the file has no name column.
        if "customer_name" in missing and ({"customer_email", "customer_phone"} & found.keys()):
            missing.remove("customer_name")
        labels = {f.name: f.label for f in FIELDS}
        return [labels[m] for m in missing]

    def with_columns(self, overrides: dict[str, str | None]) -> ColumnMapping:
        """A copy where each given field reads the given column (None: not imported)."""
        columns = dict(self.columns)
        for name, column in overrides.items():
            if name not in FIELD_NAMES:
                raise MappingError(f"unknown field {name!r}; fields are {', '.join(FIELD_NAMES)}")
            if column:
                columns[name] = (normalise_header(column),)
            else:
                columns.pop(name, None)
        return replace(self, columns=MappingProxyType(columns))

    def score(self, header: list[str]) -> int:
        """How many of this mapping's fields ``header`` provides (to guess the source)."""
        return len(self.resolve(header))


def _columns(**fields: tuple[str, ...]) -> MappingProxyType[str, tuple[str, ...]]:
    return MappingProxyType(fields)


PROXIMITY = ColumnMapping(
    name="proximity",
    columns=MappingProxyType(
        {name: (name,) for name in FIELD_NAMES}
        | {
            "external_id": ("external_id", "ticket_id", "id"),
            "customer_name": ("customer_name", "customer"),
            "customer_phone": ("customer_phone", "phone"),
            "customer_email": ("customer_email", "email"),
            "customer_sms_opt_out": ("customer_sms_opt_out", "sms_opt_out"),
        }
    ),
)

ZENDESK = ColumnMapping(
    name="zendesk",
    columns=_columns(
        external_id=("id",),
        subject=("subject",),
        created_at=("created_at",),
        customer_name=("requester",),
        customer_external_id=("requester_external_id", "requester_id"),
        customer_email=("requester_email",),
        customer_phone=("requester_phone", "requester_mobile", "phone"),
        customer_timezone=("requester_time_zone", "requester_timezone"),
        customer_language=("requester_language", "requester_locale"),
        status=("status",),
        priority=("priority",),
        queue=("group",),
        assignee=("assignee", "assignee_email"),
        first_response_at=("first_reply_at", "first_response_at"),
        solved_at=("solved_at",),
    ),
    statuses=MappingProxyType(_STATUS),
    id_prefix="zd-",
)

FRESHDESK = ColumnMapping(
    name="freshdesk",
    columns=_columns(
        external_id=("ticket_id",),
        subject=("subject",),
        created_at=("created_time",),
        customer_name=("full_name", "contact_name", "requester_name"),
        customer_external_id=("contact_id", "requester_id"),
        customer_email=("email", "requester_email"),
        customer_phone=("mobile_phone", "work_phone", "phone"),
        customer_timezone=("time_zone",),
        customer_language=("language",),
        status=("status",),
        priority=("priority",),
        queue=("group",),
        assignee=("agent",),
        first_response_at=("initial_response_time",),
        solved_at=("resolved_time", "closed_time"),
    ),
    # Freshdesk's names, and the numeric codes its API and some exports use.
    statuses=MappingProxyType(
        _STATUS
        | {
            "resolved": "solved",
            "waiting on customer": "pending",
            "waiting on third party": "on_hold",
            "2": "open",
            "3": "pending",
            "4": "solved",
            "5": "closed",
        }
    ),
    priorities=MappingProxyType(
        _PRIORITY | {"medium": "normal", "1": "low", "2": "normal", "3": "high", "4": "urgent"}
    ),
    id_prefix="fd-",
)

BUILTIN: dict[str, ColumnMapping] = {m.name: m for m in (PROXIMITY, ZENDESK, FRESHDESK)}


def guess_mapping(header: list[str]) -> ColumnMapping:
    """The built-in mapping that recognises the most columns of ``header``."""
    return max(BUILTIN.values(), key=lambda m: (m.score(header), m is PROXIMITY))


def load_mapping(spec: str) -> ColumnMapping:
    """A built-in mapping by name, or a JSON mapping file (see the module docstring).

    Raises:
        MappingError: unknown name, unreadable file, or invalid content (with the reason).
    """
    if spec.strip().lower() in BUILTIN:
        return BUILTIN[spec.strip().lower()]
    path = Path(spec).expanduser()
    if not path.is_file():
        raise MappingError(
            f"{spec}: not a mapping name ({', '.join(BUILTIN)}) and no such mapping file"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(f"{path.name}: not a readable JSON mapping ({exc})") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path.name}: a mapping file holds one JSON object")
    return mapping_from_dict(raw, default_name=path.stem)


def mapping_from_dict(raw: dict[str, Any], default_name: str = "custom") -> ColumnMapping:
    """Build a mapping from a mapping file's object (validated)."""
    known = {
        "name",
        "base",
        "columns",
        "statuses",
        "priorities",
        "id_prefix",
        "timezone",
        "default_queue",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MappingError(f"unknown mapping keys: {', '.join(unknown)}")
    base_name = str(raw.get("base", "proximity")).lower()
    if base_name not in BUILTIN:
        raise MappingError(f"base must be one of {', '.join(BUILTIN)}, not {base_name!r}")
    mapping = BUILTIN[base_name]
    columns = raw.get("columns", {})
    if not isinstance(columns, dict):
        raise MappingError("columns must map field names to CSV column names")
    mapping = mapping.with_columns({str(k): (str(v) if v else None) for k, v in columns.items()})
    statuses = dict(mapping.statuses)
    for source, target in dict(raw.get("statuses", {})).items():
        if target not in {s.value for s in TicketStatus}:
            raise MappingError(f"status {source!r} maps to unknown status {target!r}")
        statuses[str(source).strip().lower()] = target
    priorities = dict(mapping.priorities)
    for source, target in dict(raw.get("priorities", {})).items():
        if target not in {p.value for p in Priority}:
            raise MappingError(f"priority {source!r} maps to unknown priority {target!r}")
        priorities[str(source).strip().lower()] = target
    timezone = raw.get("timezone", mapping.timezone)
    if timezone:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise MappingError(f"unknown time zone {timezone!r} (use e.g. Europe/London)") from None
    return replace(
        mapping,
        name=str(raw.get("name") or default_name),
        statuses=MappingProxyType(statuses),
        priorities=MappingProxyType(priorities),
        id_prefix=str(raw.get("id_prefix", mapping.id_prefix)),
        timezone=str(timezone) if timezone else None,
        default_queue=raw.get("default_queue", mapping.default_queue),
    )
