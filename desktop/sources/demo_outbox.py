"""The notification outbox as rows: columns, provider errors and quiet-hours arithmetic.

``demo_notify`` replays the policy and fills an ``Outbox``; the store writes its columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from desktop.sources.demo_clock import DAY, HOUR, ZoneGrid
from desktop.sources.demo_tickets import ON_HOLD, PENDING, SOLVED
from desktop.sources.demo_vocab import COUNTRIES

QUIET_END, QUIET_START = 8 * HOUR, 21 * HOUR  # messages allowed from 08:00 until 21:00 local
DISPATCHER = "proximity-notifier@ops-server"
STATUS_WORDS = {
    "en": {PENDING: "waiting for your reply", ON_HOLD: "on hold", SOLVED: "solved"},
    "fr": {PENDING: "en attente de votre réponse", ON_HOLD: "en pause", SOLVED: "résolue"},
    "de": {PENDING: "wartet auf Ihre Antwort", ON_HOLD: "pausiert", SOLVED: "gelöst"},
}
PERMANENT = (
    ("30006", "Landline or unreachable carrier"),
    ("21614", "'To' number is not a valid mobile number"),
)
TRANSIENT = (
    ("30003", "Unreachable destination handset"),
    ("30007", "Message filtered"),
    ("30008", "Unknown error"),
)

_NUMERIC = frozenset({"id", "ticket_id", "customer_id", "attempts"})
COLUMNS = (
    "id",
    "ticket_id",
    "customer_id",
    "kind",
    "channel",
    "dedupe_key",
    "to_address",
    "body",
    "due_at",
    "original_due_at",
    "state",
    "attempts",
    "next_attempt_at",
    "claimed_at",
    "claimed_by",
    "provider_sid",
    "provider_status",
    "error_code",
    "error_message",
    "reason",
    "created_at",
    "sent_at",
    "delivered_at",
    "updated_at",
)


@dataclass
class Outbox:
    """Notification rows (as column lists) and the timeline events of the sent ones."""

    next_id: int
    rows: list[tuple[object, ...]] = field(default_factory=list)
    ev_ticket: list[int] = field(default_factory=list)
    ev_at: list[int] = field(default_factory=list)
    ev_notification: list[int] = field(default_factory=list)
    ev_body: list[str] = field(default_factory=list)
    ev_state: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self) -> dict[str, object]:
        """The rows as columns: numbers and times as int64 arrays, text as lists."""
        cols = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in COLUMNS]
        out: dict[str, object] = {}
        for name, values in zip(COLUMNS, cols, strict=True):
            numeric = name in _NUMERIC or name.endswith("_at")
            out[name] = np.array(values, dtype=np.int64) if numeric else list(values)
        return out


def customer_grid(first_day: date, days: int) -> ZoneGrid:
    """Every customer zone, for quiet hours in the customer's local time."""
    zones = list(dict.fromkeys(z for c in COUNTRIES for z in c.zones))
    return ZoneGrid.build(zones, first_day, days)


class Quiet:
    """Quiet-hours arithmetic on plain lists (called per message, so no numpy here)."""

    def __init__(self, grid: ZoneGrid) -> None:
        self.mids = [row.tolist() for row in grid.midnights]
        self.zones = grid.zones

    def allowed(self, t: int, z: int) -> int:
        mids = self.mids[z]
        d = min(max((t - mids[0]) // DAY, 0), len(mids) - 2)
        while d > 0 and t < mids[d]:
            d -= 1
        while d < len(mids) - 2 and t >= mids[d + 1]:
            d += 1
        sec = t - mids[d]
        if sec < QUIET_END:
            return mids[d] + QUIET_END
        if sec >= QUIET_START:
            return mids[d + 1] + QUIET_END
        return t

    def day(self, t: int, z: int) -> int:
        return (t - self.mids[z][0]) // DAY
