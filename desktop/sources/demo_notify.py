"""The notification outbox as the policy would have filled it since it was switched on.

For each ticket created since then whose customer takes SMS, the default policy is replayed:
an acknowledgement a minute after creation (unless an agent replied first), a message on
pending, on hold and solved, and a "still working on it" update after every stretch of silence
(4 h urgent, 12 h high, 24 h normal, 48 h low). Messages due in the customer's quiet hours
(21:00-08:00 local) are deferred; one made obsolete while deferred is cancelled. Messages reach
the customer (delivered) or fail with a Twilio error code; the next due ones wait in the
outbox as scheduled or deferred. Successful messages count as "heard" for the ticket's clocks.
"""

from __future__ import annotations

import numpy as np

from desktop.core.notification_policy import NotificationKind
from desktop.sources.demo_clock import FAR, HOUR, NULL, ZoneGrid, rng_for
from desktop.sources.demo_customers import Customers
from desktop.sources.demo_outbox import (
    DISPATCHER,
    PERMANENT,
    STATUS_WORDS,
    TRANSIENT,
    Outbox,
    Quiet,
)
from desktop.sources.demo_tickets import (
    ON_HOLD,
    PENDING,
    SOLVED,
    Lifecycle,
    TicketPlan,
    status_points,
)
from desktop.sources.demo_vocab import NOTIFICATION_TEXT

# The engine's own kinds (the outbox stores these values; the dispatcher and the views know
# no others). A kind written as a literal here once drifted ("silence_update").
ACKNOWLEDGEMENT = NotificationKind.ACKNOWLEDGEMENT.value
STATUS_CHANGE = NotificationKind.STATUS_CHANGE.value
STILL_WORKING = NotificationKind.STILL_WORKING.value
DEMO_KINDS = frozenset({ACKNOWLEDGEMENT, STATUS_CHANGE, STILL_WORKING})

ACK_DELAY = 60
STATUS_DELAY = 30
UPDATE_EVERY = (48 * HOUR, 24 * HOUR, 12 * HOUR, 4 * HOUR)  # by priority code, low first
MAX_PER_DAY = 3
DRAWS = 24  # random numbers drawn per ticket (reused cyclically by long-lived tickets)


def replay(
    lc: Lifecycle,
    plan: TicketPlan,
    cust: Customers,
    grid: ZoneGrid,
    box: Outbox,
    since: int,
    now_s: int,
    seed: int,
) -> None:
    """Replay the policy for tickets of ``lc`` created at or after ``since``.

    Appends rows to ``box`` and updates the tickets' first response, last heard, longest
    silence and updated-at in ``lc`` to include the messages that reached the customer.
    """
    created = plan.created[lc.lo : lc.hi]
    customer = plan.customer[lc.lo : lc.hi]
    picks = np.flatnonzero((created >= since) & (cust.smsable_until[customer] != NULL))
    if len(picks) == 0:
        return  # customers without a phone, or preferring e-mail or voice, get nothing
    rng = rng_for(seed, f"notify-{lc.lo}")
    quiet = Quiet(grid)
    zone_index = {z: i for i, z in enumerate(grid.zones)}
    s_times, s_codes = status_points(lc)
    c = customer[picks]
    # Everything the per-ticket loop reads, gathered once into plain lists.
    cols = zip(
        picks.tolist(),
        created[picks].tolist(),
        c.tolist(),
        cust.phone[c].tolist(),
        cust.language[c].tolist(),
        cust.first_name[c].tolist(),
        cust.bad_number[c].tolist(),
        [zone_index[z] for z in cust.zone[c].tolist()],
        cust.smsable_until[c].tolist(),
        plan.priority[lc.lo + picks].tolist(),
        lc.reply[picks].tolist(),
        lc.solve[picks].tolist(),
        s_times[picks].tolist(),
        s_codes[picks].tolist(),
        rng.random((len(picks), DRAWS)).tolist(),
        rng.integers(0, 2**62, size=(len(picks), DRAWS)).tolist(),
        strict=True,
    )
    for (
        i,
        t0,
        ci,
        phone,
        lang,
        name,
        bad,
        z,
        until,
        prio,
        replies,
        solve,
        st,
        sc,
        rand,
        sids,
    ) in cols:
        t = _Ticket(lc, i, box, now_s, quiet)
        t.cust_id, t.phone, t.lang, t.name, t.bad, t.z = ci + 1, phone, lang, name, bad, z
        t.until, t.priority, t.s_times, t.s_codes = until, prio, st, sc
        t.rand, t.sids = rand, sids
        t.run(t0, [r for r in replies if r != NULL and r <= now_s], solve)


class _Ticket:
    """One ticket's replay; holds its running state to keep ``replay`` readable."""

    cust_id: int
    phone: str
    lang: str
    name: str
    bad: bool
    z: int
    until: int
    priority: int
    s_times: list[int]
    s_codes: list[int]
    rand: list[float]
    sids: list[int]

    def __init__(self, lc: Lifecycle, i: int, box: Outbox, now_s: int, quiet: Quiet) -> None:
        self.lc, self.i, self.g, self.box = lc, i, lc.lo + i, box
        self.now, self.quiet = now_s, quiet
        self.sent_per_day: dict[int, int] = {}
        self.heard: list[int] = []
        self.keys: set[str] = set()
        self.seq = 0

    def run(self, created: int, replies: list[int], solve: int) -> None:
        """Replay the policy for this ticket (created at ``created``; agent replies so far)."""
        now = self.now
        end = solve if solve <= now else FAR
        first_reply = replies[0] if replies else FAR
        if created >= self.until:
            self._row(
                ACKNOWLEDGEMENT,
                created,
                created + ACK_DELAY,
                "skipped",
                reason="customer opted out of SMS",
            )
            return
        self._message(ACKNOWLEDGEMENT, created, created + ACK_DELAY, min(first_reply, end))
        for k, (t, code) in enumerate(zip(self.s_times, self.s_codes, strict=True)):
            if code in (PENDING, ON_HOLD, SOLVED) and t <= now:
                nxt = min([x for x in self.s_times[k + 1 :] if x > t] + [FAR])
                self._message(STATUS_CHANGE, t, t + STATUS_DELAY, nxt if nxt <= now else FAR, code)
        self._updates(created, replies, end)
        self._apply(created, replies, end)

    def _updates(self, created: int, replies: list[int], end: int) -> None:
        every = UPDATE_EVERY[self.priority]
        heard = sorted(replies + self.heard)
        clock = created
        for _ in range(60):
            later = [h for h in heard if h > clock]
            nh = later[0] if later else FAR
            due = clock + every
            if nh <= due:
                clock = nh
                continue
            if due >= end or clock > self.now:
                return
            allowed = self.quiet.allowed(due, self.z)
            obsolete = min(nh, end)
            if due > self.now or allowed > self.now:
                if obsolete > self.now:
                    self._row(
                        STILL_WORKING,
                        clock,
                        due,
                        "scheduled" if allowed == due else "deferred",
                        due_at=allowed,
                    )
                elif obsolete > due:
                    self._row(
                        STILL_WORKING,
                        clock,
                        due,
                        "cancelled",
                        due_at=allowed,
                        updated=obsolete,
                        reason="obsolete: the customer heard from us",
                    )
                return
            if obsolete < allowed:
                self._row(
                    STILL_WORKING,
                    clock,
                    due,
                    "cancelled",
                    due_at=allowed,
                    updated=obsolete,
                    reason="obsolete: the customer heard from us",
                )
                clock = obsolete
                if obsolete == end:
                    return
                continue
            sent = self._send(STILL_WORKING, clock, due, allowed)
            if sent:
                heard = sorted([*heard, allowed])
            clock = allowed

    def _message(self, kind: str, trigger: int, due: int, obsolete: int, code: int = 0) -> None:
        allowed = self.quiet.allowed(due, self.z)
        if obsolete <= due:
            return  # the agent (or the next status) got there first: nothing to send
        if obsolete <= min(allowed, self.now):
            self._row(
                kind,
                trigger,
                due,
                "cancelled",
                due_at=allowed,
                updated=obsolete,
                reason="obsolete before the quiet hours ended",
                code=code,
            )
            return
        if allowed > self.now:
            self._row(
                kind,
                trigger,
                due,
                "scheduled" if allowed == due else "deferred",
                due_at=allowed,
                code=code,
            )
            return
        self._send(kind, trigger, due, allowed, code)

    def _send(self, kind: str, trigger: int, due: int, at: int, code: int = 0) -> bool:
        if at >= self.until:
            self._row(
                kind,
                trigger,
                due,
                "skipped",
                due_at=at,
                reason="customer opted out of SMS",
                code=code,
            )
            return False
        day = self.quiet.day(at, self.z)
        if self.sent_per_day.get(day, 0) >= MAX_PER_DAY:
            self._row(
                kind, trigger, due, "skipped", due_at=at, reason="daily limit reached", code=code
            )
            return False
        self.sent_per_day[day] = self.sent_per_day.get(day, 0) + 1
        r = self._r()
        sent_at = at + 1 + int(3 * r)
        if sent_at > self.now:
            # Claimed a moment ago and still with the provider: the outbox's in-flight state.
            self._row(kind, trigger, due, "sending", due_at=at, code=code)
            return False
        if self.bad:
            err = PERMANENT[int(r * 10) % 2]
            self._row(kind, trigger, due, "failed", due_at=at, sent=sent_at, err=err, code=code)
            return False
        if r < 0.03:
            err = TRANSIENT[int(r * 100) % 3]
            self._row(
                kind,
                trigger,
                due,
                "failed",
                due_at=at,
                sent=sent_at,
                err=err,
                attempts=3 if err[0] == "30003" else 1,
                code=code,
            )
            return False
        delivered = sent_at + 2 + int(18 * self._r())
        state = "sent" if delivered > self.now else "delivered"
        self._row(
            kind,
            trigger,
            due,
            state,
            due_at=at,
            sent=sent_at,
            delivered=delivered if state == "delivered" else NULL,
            code=code,
        )
        self.heard.append(sent_at)
        return True

    def _r(self) -> float:
        self.seq += 1
        return self.rand[self.seq % DRAWS]

    def _row(
        self,
        kind: str,
        trigger: int,
        due: int,
        state: str,
        *,
        due_at: int | None = None,
        updated: int | None = None,
        reason: str | None = None,
        sent: int = NULL,
        delivered: int = NULL,
        err: tuple[str, str] | None = None,
        attempts: int = 1,
        code: int = 0,
    ) -> None:
        ticket_id = self.g + 1
        key = f"t{ticket_id}:{kind}:{code}:{due}"
        if key in self.keys:
            return  # one row per event occurrence, as the outbox's unique key demands
        self.keys.add(key)
        box = self.box
        nid = box.next_id
        box.next_id += 1
        texts = NOTIFICATION_TEXT.get(self.lang, NOTIFICATION_TEXT["en"])
        words = STATUS_WORDS.get(self.lang, STATUS_WORDS["en"])
        body = texts[kind].format(name=self.name, ticket=ticket_id, status=words.get(code, ""))
        done = sent != NULL
        final = delivered if delivered != NULL else sent
        sid = f"SM{self.sids[nid % DRAWS]:016x}{nid:016x}" if done else None
        due_at = due if due_at is None else due_at
        claimed = done or state == "sending"
        if state == "failed":
            provider = "undelivered" if err and err[0] == "30003" else "failed"
        else:
            provider = state if done else None
        box.rows.append(
            (
                nid,
                ticket_id,
                self.cust_id,
                kind,
                "sms",
                key,
                self.phone,
                body,
                due_at,
                due,
                state,
                attempts if claimed else 0,
                NULL,
                due_at if claimed else NULL,
                DISPATCHER if claimed else None,
                sid,
                provider,
                err[0] if err else None,
                err[1] if err else None,
                reason,
                trigger,
                sent,
                delivered,
                updated
                if updated is not None
                else (final if done else due_at if claimed else trigger),
            )
        )
        if done:
            box.ev_ticket.append(self.g)
            box.ev_at.append(sent)
            box.ev_notification.append(nid)
            box.ev_body.append(body)
            box.ev_state.append(state)

    def _apply(self, created: int, replies: list[int], end: int) -> None:
        """Fold the messages that reached the customer into the ticket's clocks."""
        if not self.heard:
            return
        lc, i = self.lc, self.i
        heard = sorted(replies + [h for h in self.heard if h <= self.now])
        lc.first_response[i] = heard[0]
        lc.last_heard[i] = max(heard)
        stop = end if end <= self.now else self.now
        prev, longest = created, 0
        for h in heard:
            if h > stop:
                break
            longest = max(longest, h - prev)
            prev = h
        lc.longest_silence[i] = float(max(longest, stop - prev))
        lc.updated[i] = max(int(lc.updated[i]), max(h for h in self.heard if h <= self.now))
