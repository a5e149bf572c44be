"""How much work arrives when: intraday curves, day factors and story events.

Arrivals per 15-minute interval are Poisson around a double-peak weekday curve (lighter,
single-peaked weekends), scaled by weekday, day-to-day noise and two story events: a
technical outage nine days ago and the billing run on the first of the month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.sources.demo_clock import DAY, LocalClock, rng_for
from desktop.sources.demo_presets import CHANNELS, ChannelModel, ScalePreset
from desktop.sources.demo_schedule import team_clocks

INTERVAL = 900
INTERVALS_PER_DAY = 96
WEEKDAY_FACTOR = {1: 1.12, 2: 1.0, 3: 0.98, 4: 0.97, 5: 0.9}
OUTAGE_DAYS_AGO = 9


def intraday_curve(ch: ChannelModel, weekend: bool) -> np.ndarray:
    """Share of a day's arrivals in each of the 96 local 15-minute intervals."""
    h = (np.arange(INTERVALS_PER_DAY) + 0.5) / 4.0
    if weekend:
        shape = np.exp(-0.5 * ((h - 12.5) / 2.8) ** 2)
    else:
        shape = (
            np.exp(-0.5 * ((h - 10.5) / 1.9) ** 2)
            + 0.85 * np.exp(-0.5 * ((h - 14.75) / 2.1) ** 2)
            + ch.evening_peak * np.exp(-0.5 * ((h - 19.0) / 1.4) ** 2)
        )
    # Customers get in touch when the lines are open; a trickle arrives outside.
    opening = 1 / (1 + np.exp(-(h - ch.opens) * 3)) / (1 + np.exp((h - ch.closes) * 3))
    shape = shape * opening + ch.night_floor
    return shape / shape.sum()


@dataclass(frozen=True)
class Demand:
    """Day factors of every queue on its team's local calendar.

    Attributes:
        clocks: local clock of each queue (its team's zone).
        day_factor: ``[queue, day]`` multiplier of the queue's base daily volume.
        pressure: ``[queue, day]`` how stretched the team is (slows ticket replies).
        outage_day: local day index of the technical outage.
    """

    clocks: list[LocalClock]
    day_factor: np.ndarray
    pressure: np.ndarray
    outage_day: int

    def interval_rates(self, p: ScalePreset, q: int, daily: float) -> np.ndarray:
        """Expected arrivals ``[day, interval]`` for queue ``q`` at ``daily`` per weekday."""
        spec = p.queues[q]
        ch = CHANNELS[spec.channel]
        clock = self.clocks[q]
        wd = clock.iso_weekday(np.arange(clock.days))
        weekday_curve = intraday_curve(ch, weekend=False)
        weekend_curve = intraday_curve(ch, weekend=True)
        curves = np.where((wd >= 6)[:, None], weekend_curve[None, :], weekday_curve[None, :])
        rates = daily * self.day_factor[q][:, None] * curves
        if p.teams[spec.team].kind == "tech" and 0 <= self.outage_day < clock.days:
            # 10:00-13:00 local on the outage day: the phones and inboxes light up.
            rates[self.outage_day, 40:52] *= 2.6
        return rates


def build_demand(p: ScalePreset, seed: int, now_s: int, days: int) -> Demand:
    """Day factors for every queue over the last ``days`` days (and the coming week)."""
    rng = rng_for(seed, "demand")
    tclocks = team_clocks(p, now_s - days * DAY, days + 8)
    clocks = [tclocks[q.team] for q in p.queues]
    n_days = clocks[0].days
    factor = np.empty((len(p.queues), n_days))
    noise = rng.gamma(80.0, 1 / 80.0, size=(len(p.queues), n_days))
    pressure = noise * np.array([q.load for q in p.queues])[:, None] ** 3
    today = int(clocks[0].day_index(np.array([now_s]))[0])
    outage = today - OUTAGE_DAYS_AGO
    for q, spec in enumerate(p.queues):
        ch = CHANNELS[spec.channel]
        clock = clocks[q]
        wd = clock.iso_weekday(np.arange(n_days))
        base = np.array([WEEKDAY_FACTOR.get(int(w), 0.0) for w in wd])
        base = np.where(wd == 6, ch.weekend_volume, base)
        base = np.where(wd == 7, ch.weekend_volume * 0.7, base)
        if p.teams[spec.team].kind == "billing":
            dom = np.array([(clock.first.toordinal() + d) for d in range(n_days)])
            first_of_month = np.array(
                [clock.first.fromordinal(int(o)).day in (1, 2) for o in dom], dtype=bool
            )
            base = np.where(first_of_month, base * 1.35, base)
            pressure[q] = np.where(first_of_month, pressure[q] * 1.25, pressure[q])
        if p.teams[spec.team].kind == "tech" and outage >= 0:
            # The outage leaves a backlog that takes the team three days to clear.
            pressure[q, outage : outage + 3] *= (1.9, 1.5, 1.2)[: n_days - outage]
        factor[q] = base * noise[q]
    return Demand(clocks, factor, pressure, outage)


def poisson_times(
    rng: np.random.Generator, rates: np.ndarray, clock: LocalClock, lo: int, hi: int
) -> np.ndarray:
    """Sorted Poisson arrival times (epoch seconds) in ``[lo, hi)``.

    ``rates`` holds the expected arrivals per ``[local day, 15-minute interval]``.
    """
    counts = rng.poisson(rates)
    day, slot = np.nonzero(counts)
    n = counts[day, slot]
    starts = clock.midnights[day] + slot * INTERVAL
    t = np.repeat(starts, n) + rng.integers(0, INTERVAL, int(n.sum()))
    t = t[(t >= lo) & (t < hi)]
    t.sort()
    return t
