"""Checking one CSV row of a ticket import: every rule, with a reason a person can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.actions.tickets import DEFAULT_TARGETS
from db.models import Employee, Queue
from desktop.core.domain import Priority, TicketStatus
from desktop.sources.csv_mappings import ColumnMapping
from desktop.sources.survey_csv import neutralise

MAX_SUBJECT = 300
MAX_NAME = 200
MAX_ID = 100
MAX_TARGET_MINUTES = 366 * 24 * 60
_FUTURE_SLACK = timedelta(minutes=5)  # clocks of the exporting system drift a little
_EARLIEST = datetime(1990, 1, 1).astimezone()
_OFFSET_SUFFIX = re.compile(r"^(?P<body>.+?)\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.I)
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_YES = {"yes", "y", "true", "1", "x", "opted out", "opt-out", "optout"}
_NO = {"", "no", "n", "false", "0"}
_SOLVED = {TicketStatus.SOLVED.value, TicketStatus.CLOSED.value}


@dataclass(frozen=True)
class Lookups:
    """Names the import resolves: queues and employees, lower-cased."""

    queues: dict[str, int]
    employees: dict[str, int]
    queue_names: tuple[str, ...] = ()


def load_lookups(session: Session) -> Lookups:
    """Active queues by name, and active employees by username, e-mail and full name."""
    rows = session.execute(select(Queue.id, Queue.name).where(Queue.active).order_by(Queue.name))
    named = [(qid, name) for qid, name in rows]
    queues = {name.casefold(): qid for qid, name in named}
    employees: dict[str, int] = {}
    rows = session.execute(
        select(Employee.id, Employee.username, Employee.email, Employee.full_name).where(
            Employee.active
        )
    )
    for eid, username, email, full_name in rows:
        for key in (full_name, email, username):  # the username wins a clash
            if key:
                employees[key.strip().casefold()] = eid
    return Lookups(queues, employees, tuple(name for _, name in named))


@dataclass(slots=True)
class ParsedCustomer:
    key: str
    external_id: str | None
    name: str
    phone: str | None
    email: str | None
    timezone: str | None
    language: str
    sms_opt_out: bool


@dataclass(slots=True)
class ParsedTicket:
    line: int
    external_id: str
    subject: str
    created_at: datetime
    status: str
    priority: str
    queue_id: int
    assignee_id: int | None
    first_response_at: datetime | None
    solved_at: datetime | None
    frt_target_minutes: int
    resolution_target_minutes: int
    customer_key: str


@dataclass
class RowChecker:
    """Checks rows one by one and collects the customers they name (first row wins)."""

    mapping: ColumnMapping
    lookups: Lookups
    region: str
    default_queue: str | None
    now: datetime
    customers: dict[str, ParsedCustomer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.mapping.timezone) if self.mapping.timezone else None
        self._queue_names = ", ".join(self.lookups.queue_names)[:200]

    def check(self, line: int, v: dict[str, str]) -> tuple[ParsedTicket, list[str]]:
        """The parsed ticket and the changes made on the way in.

        Raises:
            ValueError: the row is rejected; the message names the column and the problem.
        """
        notes: list[str] = []
        prefix = self.mapping.id_prefix
        raw_id = v.get("external_id", "").strip()
        if not raw_id:
            raise ValueError("the ticket id is empty")
        external_id = prefix + raw_id
        if len(external_id) > MAX_ID:
            raise ValueError(f"the ticket id is longer than {MAX_ID} characters")
        subject = self._text(v.get("subject", ""), "subject", MAX_SUBJECT, notes)
        if not subject:
            raise ValueError("the subject is empty")
        created = self._when(v.get("created_at", ""), "created")
        if created is None:
            raise ValueError("the creation date is empty")
        if created > self.now + _FUTURE_SLACK:
            raise ValueError(f"created {created:%Y-%m-%d %H:%M %Z} is in the future")
        status = self._choice(v.get("status", ""), self.mapping.statuses, "status", "new")
        priority = self._choice(
            v.get("priority", ""), self.mapping.priorities, "priority", "normal"
        )
        first = self._when(v.get("first_response_at", ""), "first response")
        solved = self._when(v.get("solved_at", ""), "solved")
        for name, at in (("first response", first), ("solved", solved)):
            if at is not None and at < created:
                raise ValueError(f"{name} ({at:%Y-%m-%d %H:%M}) is before created")
        if status in _SOLVED and solved is None:
            raise ValueError(f"a {status} ticket needs its solved date")
        if status not in _SOLVED:
            solved = None  # re-opened in the source: its resolution clock runs again
        frt_default, res_default = DEFAULT_TARGETS[Priority(priority)]
        return (
            ParsedTicket(
                line=line,
                external_id=external_id,
                subject=subject,
                created_at=created,
                status=status,
                priority=priority,
                queue_id=self._queue(v.get("queue", "")),
                assignee_id=self._assignee(v.get("assignee", ""), notes),
                first_response_at=first,
                solved_at=solved,
                frt_target_minutes=self._minutes(v.get("frt_target_minutes", ""), frt_default),
                resolution_target_minutes=self._minutes(
                    v.get("resolution_target_minutes", ""), res_default
                ),
                customer_key=self._customer(v, notes),
            ),
            notes,
        )

    # Fields ---------------------------------------------------------------------------------
    def _text(self, raw: str, name: str, limit: int, notes: list[str]) -> str:
        text = " ".join(raw.split())
        text, changed = neutralise(text)
        if changed:
            notes.append(f"{name} began like a spreadsheet formula; stored as plain text")
        if len(text) > limit:
            notes.append(f"{name} cut to {limit} characters")
            text = text[:limit]
        return text

    def _when(self, raw: str, name: str) -> datetime | None:
        text = raw.strip()
        if not text:
            return None
        try:
            return parse_when(text, self._zone)
        except ValueError as exc:
            raise ValueError(f"{name} {exc}") from None

    def _choice(self, raw: str, table: dict[str, str] | object, name: str, default: str) -> str:
        key = raw.strip().lower()
        if not key:
            return default
        value = table.get(key)  # type: ignore[attr-defined]
        if value is None:
            known = ", ".join(sorted({k for k in table if not k.isdigit()}))  # type: ignore[attr-defined]
            raise ValueError(f"unknown {name} '{raw.strip()[:40]}' (known: {known})")
        return value

    def _queue(self, raw: str) -> int:
        name = raw.strip() or (self.default_queue or "")
        if not name:
            raise ValueError("no queue (add a queue column or choose a queue for empty ones)")
        qid = self.lookups.queues.get(name.casefold())
        if qid is None:
            raise ValueError(f"unknown queue '{name[:60]}' (queues: {self._queue_names})")
        return qid

    def _assignee(self, raw: str, notes: list[str]) -> int | None:
        key = raw.strip().casefold()
        if not key:
            return None
        eid = self.lookups.employees.get(key)
        if eid is None:
            notes.append(f"assignee '{raw.strip()[:60]}' is not an employee here; left unassigned")
        return eid

    def _minutes(self, raw: str, default: int) -> int:
        text = raw.strip()
        if not text:
            return default
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(f"target '{text[:20]}' is not a number of minutes") from None
        if not 0 < value <= MAX_TARGET_MINUTES or not value.is_integer():
            raise ValueError(f"target '{text[:20]}' must be a whole number of minutes above 0")
        return int(value)

    def _customer(self, v: dict[str, str], notes: list[str]) -> str:
        email = v.get("customer_email", "").strip().lower() or None
        if email and ("@" not in email or len(email) > MAX_NAME):
            raise ValueError(f"e-mail '{email[:60]}' is not an e-mail address")
        phone = _phone(v.get("customer_phone", "").strip(), self.region)
        name = self._text(v.get("customer_name", ""), "customer name", MAX_NAME, notes)
        name = name or email or phone or ""
        if not name:
            raise ValueError("no customer: the row has no customer name, e-mail or phone")
        raw_cid = v.get("customer_external_id", "").strip()
        cid = f"{self.mapping.id_prefix}{raw_cid}" if raw_cid else None
        if cid and len(cid) > MAX_ID:
            raise ValueError(f"the customer id is longer than {MAX_ID} characters")
        key = (
            f"id:{cid}"
            if cid
            else f"email:{email}"
            if email
            else f"phone:{phone}"
            if phone
            else f"name:{name.casefold()}"
        )
        if key not in self.customers:
            self.customers[key] = ParsedCustomer(
                key=key,
                external_id=cid,
                name=name,
                phone=phone,
                email=email,
                timezone=self._zone_name(v.get("customer_timezone", ""), notes),
                language=_language(v.get("customer_language", "")),
                sms_opt_out=_yes_no(v.get("customer_sms_opt_out", "")),
            )
        return key

    def _zone_name(self, raw: str, notes: list[str]) -> str | None:
        name = raw.strip()
        if not name:
            return None
        if _valid_zone(name):
            return name
        notes.append(f"time zone '{name[:40]}' is unknown; left empty")
        return None


def parse_when(text: str, zone: ZoneInfo | None) -> datetime:
    """A date-time with its zone: ISO 8601 ("2026-11-02T09:30:00+01:00", "...Z"), with a space
    before the offset ("2026-11-02 09:30:00 +0100") or "UTC"; without one it is read in
    ``zone``, and refused when there is no zone (whose 09:30 would it be?).

    Raises:
        ValueError: what is wrong and the expected form.
    """
    value = text.strip()
    try:  # the common case first: ISO 8601 with an offset, as every export writes it
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        if parsed < _EARLIEST:
            raise ValueError(f"'{text[:40]}' is before 1990")
        return parsed
    value = _SLASH_DATE.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", value)
    match = _OFFSET_SUFFIX.match(value)
    if match:
        zone_text = match["zone"].upper()
        offset = "+00:00" if zone_text in ("Z", "UTC", "GMT") else zone_text
        value = f"{match['body']}{offset}"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"'{text[:40]}' is not a date and time like 2026-11-02T09:30:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        if zone is None:
            raise ValueError(
                f"'{text[:40]}' has no time zone; add an offset like +01:00 or Z, or give the "
                "mapping a time zone"
            )
        parsed = parsed.replace(tzinfo=zone)
    if parsed < _EARLIEST:
        raise ValueError(f"'{text[:40]}' is before 1990")
    return parsed


@lru_cache(maxsize=200_000)
def _phone(raw: str, region: str) -> str | None:
    """E.164 form of a phone number, None for an empty cell.

    Raises:
        ValueError: not a valid number (with the region it was read in).
    """
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"phone '{raw[:30]}' is not a valid number (numbers without +country are read "
            f"as {region})"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _language(raw: str) -> str:
    code = raw.strip().replace("_", "-").lower()
    return code[:8] if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,4})?", code) else "en"


def _yes_no(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"SMS opt-out '{raw[:20]}' must be yes or no")
