"""Scale presets of the demo data set: teams, queues, channels and volumes.

``small`` is the embedded default (3 teams, 46 people, 6 queues, ~50,000 tickets over 90 days).
``large`` is for benchmarks (40 teams, 2,000 agents, 200 queues, ~5,000,000 tickets over 150
days, 1.2 million customers); to stay within minutes it simulates contacts and agent states for
the last 14 days only, replays the notification policy for tickets of the last 3 days, and
writes ticket timelines only for open tickets and those created in the last 3 days (the
tickets' own figures, such as first response and longest silence, are complete for all).
``tiny`` (1 team, 6 agents, 2 queues, 3 days) keeps invariant tests fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.domain import Channel


@dataclass(frozen=True)
class TeamSpec:
    """A team; ``kind`` picks its vocabulary (subjects, replies) and its story events."""

    name: str
    timezone: str
    kind: str


@dataclass(frozen=True)
class QueueSpec:
    """A queue and how busy it is relative to the agents skilled for it."""

    name: str
    channel: Channel
    team: int
    sl_target: float
    sl_threshold_seconds: int
    warn_longest_wait_seconds: int
    warn_waiting_count: int
    shrinkage: float
    load: float
    ticket_weight: float


@dataclass(frozen=True)
class ChannelModel:
    """Handle times (log-normal medians in seconds), patience and pick-up delay of a channel."""

    talk_median: float
    talk_sigma: float
    hold_share: float
    hold_median: float
    wrap_median: float
    patience_median: float  # 0 = never abandons (e-mail)
    short_abandon_share: float
    ring_min: float
    ring_max: float
    defer_median: float  # e-mail is picked up in batches, not the instant it lands
    weekend_volume: float
    evening_peak: float
    night_floor: float
    opens: float  # local hours between which customers mostly get in touch
    closes: float


CHANNELS: dict[Channel, ChannelModel] = {
    Channel.VOICE: ChannelModel(
        250, 0.55, 0.35, 60, 45, 180, 0.04, 2, 8, 0, 0.30, 0.15, 0.003, 8.0, 19.0
    ),
    Channel.CHAT: ChannelModel(
        400, 0.5, 0.0, 0, 30, 240, 0.05, 3, 15, 0, 0.50, 0.45, 0.005, 7.75, 20.0
    ),
    Channel.EMAIL: ChannelModel(
        320, 0.6, 0.0, 0, 20, 0, 0.0, 0, 0, 900, 0.40, 0.30, 0.04, 7.5, 21.0
    ),
    Channel.SMS: ChannelModel(
        220, 0.5, 0.0, 0, 25, 2400, 0.04, 5, 30, 0, 0.45, 0.45, 0.008, 7.75, 20.0
    ),
}


@dataclass(frozen=True)
class ScalePreset:
    """Everything that differs between the demo scales."""

    name: str
    teams: tuple[TeamSpec, ...]
    queues: tuple[QueueSpec, ...]
    agents_per_team: tuple[int, ...]
    supervisors: int
    teams_per_supervisor: int
    admins: int
    contact_days: int
    ticket_days: int
    people_days: int  # QA, pulse and coaching history
    tickets: int
    customers: int
    timeline_days: int | None  # None: every ticket gets its full timeline
    notify_days: int  # the notification policy was switched on this many days ago
    new_hire_share: float


def _q(
    name: str, channel: Channel, team: int, load: float, weight: float, **kw: float
) -> QueueSpec:
    defaults = {
        Channel.VOICE: (0.8, 20, 90, 5, 0.30),
        Channel.CHAT: (0.8, 60, 180, 4, 0.25),
        Channel.EMAIL: (0.9, 14_400, 3 * 3600, 40, 0.20),
        Channel.SMS: (0.8, 300, 900, 8, 0.25),
    }[channel]
    target, threshold, warn_wait, warn_count, shrink = defaults
    return QueueSpec(
        name,
        channel,
        team,
        float(kw.get("sl_target", target)),
        int(kw.get("threshold", threshold)),
        int(kw.get("warn_wait", warn_wait)),
        int(kw.get("warn_count", warn_count)),
        float(kw.get("shrinkage", shrink)),
        load,
        weight,
    )


_SMALL_TEAMS = (
    TeamSpec("Billing", "Europe/London", "billing"),
    TeamSpec("Technical", "Europe/Berlin", "tech"),
    TeamSpec("Onboarding", "America/New_York", "onboarding"),
)

# Technical voice runs hot on purpose: its SL dips, its agents' occupancy and eSat tell the
# supervisor view's story (pressure on people shows up in customers' answers).
_SMALL_QUEUES = (
    _q("Billing voice", Channel.VOICE, 0, 0.95, 0.10, warn_wait=60),
    _q("Tech support voice", Channel.VOICE, 1, 1.10, 0.15, warn_count=6),
    _q("Web chat", Channel.CHAT, 2, 1.00, 0.15),
    _q("Billing e-mail", Channel.EMAIL, 0, 0.85, 0.25),
    _q("Tech e-mail", Channel.EMAIL, 1, 0.95, 0.25),
    _q("SMS care", Channel.SMS, 2, 0.80, 0.10),
)

_AREAS = (
    ("Billing", "billing"),
    ("Payments", "billing"),
    ("Technical", "tech"),
    ("Devices", "tech"),
    ("Network", "tech"),
    ("Onboarding", "onboarding"),
    ("Accounts", "onboarding"),
    ("Retention", "onboarding"),
)
_CITIES = (
    ("London", "Europe/London"),
    ("Berlin", "Europe/Berlin"),
    ("Paris", "Europe/Paris"),
    ("New York", "America/New_York"),
    ("Sydney", "Australia/Sydney"),
)


def _large() -> ScalePreset:
    teams: list[TeamSpec] = []
    queues: list[QueueSpec] = []
    for area, kind in _AREAS:
        for city, tz in _CITIES:
            t = len(teams)
            teams.append(TeamSpec(f"{area} {city}", tz, kind))
            hot = 1.10 if kind == "tech" else 0.95
            queues += [
                _q(f"{area} voice {city}", Channel.VOICE, t, hot, 0.15),
                _q(f"{area} priority voice {city}", Channel.VOICE, t, 0.85, 0.05),
                _q(f"{area} chat {city}", Channel.CHAT, t, 1.0, 0.20),
                _q(f"{area} e-mail {city}", Channel.EMAIL, t, 0.9, 0.45),
                _q(f"{area} SMS {city}", Channel.SMS, t, 0.8, 0.15),
            ]
    return ScalePreset(
        "large",
        tuple(teams),
        tuple(queues),
        (50,) * len(teams),
        supervisors=10,
        teams_per_supervisor=4,
        admins=2,
        contact_days=14,
        ticket_days=150,
        people_days=90,
        tickets=5_000_000,
        customers=1_200_000,
        timeline_days=3,
        notify_days=3,
        new_hire_share=0.05,
    )


def preset(name: str) -> ScalePreset:
    """The preset called ``name`` ("tiny", "small" or "large").

    Raises:
        ValueError: for an unknown name.
    """
    if name == "small":
        return ScalePreset(
            "small",
            _SMALL_TEAMS,
            _SMALL_QUEUES,
            (14, 14, 12),
            supervisors=2,
            teams_per_supervisor=2,
            admins=1,
            contact_days=90,
            ticket_days=90,
            people_days=90,
            tickets=50_000,
            customers=30_000,
            timeline_days=None,
            notify_days=21,
            new_hire_share=0.075,
        )
    if name == "tiny":
        return ScalePreset(
            "tiny",
            _SMALL_TEAMS[:1],
            (_SMALL_QUEUES[0], _SMALL_QUEUES[3]),
            (6,),
            supervisors=1,
            teams_per_supervisor=1,
            admins=1,
            contact_days=3,
            ticket_days=10,
            people_days=21,
            tickets=600,
            customers=400,
            timeline_days=None,
            notify_days=5,
            new_hire_share=0.0,
        )
    if name == "large":
        return _large()
    raise ValueError(f"unknown demo scale {name!r}: choose tiny, small or large")


SCALES = ("tiny", "small", "large")
