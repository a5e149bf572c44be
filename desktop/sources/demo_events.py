"""Ticket timelines (ticket_events), built column-wise from the planned lifecycles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.core.domain import TicketEventKind
from desktop.sources.demo_clock import FAR, NULL, rng_for
from desktop.sources.demo_outbox import Outbox
from desktop.sources.demo_people import Org
from desktop.sources.demo_tickets import NEW, RMAX, STATUSES, Lifecycle, TicketPlan, status_points
from desktop.sources.demo_vocab import CUSTOMER_MESSAGES, INTERNAL_NOTES, PUBLIC_REPLIES, SUBJECTS

KINDS = tuple(TicketEventKind)
K_CREATED, K_CUSTOMER, K_REPLY, K_NOTE, K_STATUS, K_OWNER, _K_PRIORITY, K_NOTIFY = range(8)
SUBJECT_TEXT = np.array([s for kind in ("billing", "tech", "onboarding") for s in SUBJECTS[kind]])
# Body codes: 0 none, then canned texts; negative codes are subjects (created events).
# Object lookups hand the driver shared ``str`` objects instead of building new ones per row.
_TEXTS = [None, *CUSTOMER_MESSAGES, *PUBLIC_REPLIES, *INTERNAL_NOTES]
BODY_LOOKUP = np.array(_TEXTS + SUBJECT_TEXT.tolist(), dtype=object)
STATUS_LOOKUP = np.array([s.value for s in STATUSES], dtype=object)
_CUST0 = 1
_REPLY0 = _CUST0 + len(CUSTOMER_MESSAGES)
_NOTE0 = _REPLY0 + len(PUBLIC_REPLIES)


@dataclass(frozen=True)
class Events:
    """Event columns, sorted by ticket then time; ``ticket`` is the 0-based ticket index."""

    ticket: np.ndarray
    kind: np.ndarray
    actor: np.ndarray  # employee id or NULL
    at: np.ndarray
    body: np.ndarray  # object array of str or None
    old: np.ndarray
    new: np.ndarray
    notification: np.ndarray  # notification id or NULL

    def __len__(self) -> int:
        return len(self.ticket)


def build_events(
    lc: Lifecycle,
    plan: TicketPlan,
    org: Org,
    box: Outbox,
    in_scope: np.ndarray,
    seed: int,
    now_s: int,
) -> Events:
    """Timeline rows of the tickets of ``lc`` selected by ``in_scope`` (chunk-local mask).

    ``box`` holds the chunk's notifications; the sent ones appear in the timeline.
    """
    rng = rng_for(seed, f"events-{lc.lo}")
    n = lc.hi - lc.lo
    g = np.arange(lc.lo, lc.hi)
    ag = plan.agent[lc.lo : lc.hi]
    ag2 = plan.agent2[lc.lo : lc.hi]
    emp = np.append(org.agent_ids, NULL)  # agent number -1 maps to NULL

    def owner_at(t: np.ndarray) -> np.ndarray:
        moved = (lc.reassign_at[:, None] != NULL) & (lc.reassign_at[:, None] <= t)
        return np.where(moved, ag2[:, None], ag[:, None])

    parts: list[tuple[np.ndarray, ...]] = []

    def add(
        mask: np.ndarray,
        ticket: np.ndarray,
        kind: int,
        actor: np.ndarray,
        at: np.ndarray,
        body: np.ndarray,
        old: np.ndarray,
        new: np.ndarray,
    ) -> None:
        m = mask & in_scope[ticket - lc.lo] & (at <= now_s)
        parts.append(
            (
                ticket[m],
                np.full(int(m.sum()), kind, np.int8),
                actor[m],
                at[m],
                body[m],
                old[m],
                new[m],
            )
        )

    none_i = np.full(n, -1)
    zero = np.zeros(n, dtype=np.int64)
    created = plan.created[lc.lo : lc.hi]
    add(
        np.ones(n, bool),
        g,
        K_CREATED,
        none_i,
        created,
        -1 - plan.subject[lc.lo : lc.hi],
        none_i,
        none_i,
    )
    add(lc.assigned <= now_s, g, K_OWNER, none_i, lc.assigned, zero, none_i, ag)
    add(lc.reassign_at != NULL, g, K_OWNER, ag, lc.reassign_at, zero, ag, ag2)
    back_owner = owner_at(lc.unassigned_at[:, None])[:, 0]
    add(
        lc.unassigned_at != NULL, g, K_OWNER, back_owner, lc.unassigned_at, zero, back_owner, none_i
    )
    add(
        lc.note_at != NULL,
        g,
        K_NOTE,
        owner_at(lc.note_at[:, None])[:, 0],
        lc.note_at,
        _NOTE0 + rng.integers(len(INTERNAL_NOTES), size=n),
        none_i,
        none_i,
    )
    rows = np.repeat(g, RMAX + 1)
    rep = lc.reply.ravel()
    add(
        rep != NULL,
        rows,
        K_REPLY,
        owner_at(lc.reply).ravel(),
        rep,
        _REPLY0 + rng.integers(len(PUBLIC_REPLIES), size=len(rows)),
        np.full(len(rows), -1),
        np.full(len(rows), -1),
    )
    cm = lc.cust.ravel()
    add(
        cm != NULL,
        rows,
        K_CUSTOMER,
        np.full(len(rows), -1),
        cm,
        _CUST0 + rng.integers(len(CUSTOMER_MESSAGES), size=len(rows)),
        np.full(len(rows), -1),
        np.full(len(rows), -1),
    )
    times, codes = status_points(lc)
    happened = (times != FAR) & (times <= now_s)
    t_flat, c_flat = times[happened], codes[happened]
    r_flat = np.nonzero(happened)[0]
    # Drop "changes" to the status a ticket already had (an open ticket getting a message).
    prev = np.concatenate([[NEW], c_flat[:-1]])
    prev = np.where(np.concatenate([[True], r_flat[1:] != r_flat[:-1]]), NEW, prev)
    real = c_flat != prev
    st_owner = owner_at(times)[happened]
    add(real, g[r_flat], K_STATUS, st_owner, t_flat, np.zeros(len(r_flat), np.int64), prev, c_flat)
    return _assemble(parts, box, lc, in_scope, emp)


def _assemble(
    parts: list[tuple[np.ndarray, ...]],
    box: Outbox,
    lc: Lifecycle,
    in_scope: np.ndarray,
    emp: np.ndarray,
) -> Events:
    ticket = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts])
    actor = np.concatenate([p[2] for p in parts])
    at = np.concatenate([p[3] for p in parts])
    body_code = np.concatenate([p[4] for p in parts])
    old = np.concatenate([p[5] for p in parts])
    new = np.concatenate([p[6] for p in parts])
    notification = np.full(len(ticket), NULL, dtype=np.int64)
    body = BODY_LOOKUP[np.where(body_code < 0, len(_TEXTS) - 1 - body_code, body_code)]
    owner_kind = kind == K_OWNER
    status_kind = kind == K_STATUS
    emp_text = np.array([str(e) for e in emp[:-1].tolist()] + [None], dtype=object)
    old_v = np.full(len(ticket), None, dtype=object)
    new_v = np.full(len(ticket), None, dtype=object)
    old_v[status_kind] = STATUS_LOOKUP[old[status_kind]]
    new_v[status_kind] = STATUS_LOOKUP[new[status_kind]]
    old_v[owner_kind] = emp_text[old[owner_kind]]
    new_v[owner_kind] = emp_text[new[owner_kind]]
    if len(box.ev_ticket):
        nt = np.array(box.ev_ticket, dtype=np.int64)
        keep = in_scope[nt - lc.lo]
        k = int(keep.sum())
        ticket = np.concatenate([ticket, nt[keep]])
        kind = np.concatenate([kind, np.full(k, K_NOTIFY, np.int8)])
        actor = np.concatenate([actor, np.full(k, -1)])
        at = np.concatenate([at, np.array(box.ev_at, dtype=np.int64)[keep]])
        body = np.concatenate([body, np.array(box.ev_body, dtype=object)[keep]])
        old_v = np.concatenate([old_v, np.full(k, None, dtype=object)])
        new_v = np.concatenate([new_v, np.array(box.ev_state, dtype=object)[keep]])
        notification = np.concatenate(
            [notification, np.array(box.ev_notification, dtype=np.int64)[keep]]
        )
    order = np.lexsort((kind, at, ticket))
    actor_id = emp[actor[order]]
    return Events(
        ticket[order],
        kind[order],
        actor_id,
        at[order],
        body[order],
        old_v[order],
        new_v[order],
        notification[order],
    )


def kind_names(kind: np.ndarray) -> np.ndarray:
    """Event kind strings of kind codes."""
    return np.array([k.value for k in KINDS])[kind]
