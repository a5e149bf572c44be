"""Customers: names, E.164 mobile numbers, time zones and languages that agree by country."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from desktop.sources.demo_clock import DAY, NULL, groups, rng_for
from desktop.sources.demo_presets import ScalePreset
from desktop.sources.demo_vocab import COUNTRIES, COUNTRY_MIX, US_AREA_BY_ZONE


@dataclass(frozen=True)
class Customers:
    """Customer columns (index = id - 1) plus what the generator needs to know about them.

    Attributes:
        country: index into ``COUNTRIES``.
        first_name: for rendering messages ("Hi Amelia").
        zone: time-zone name of each customer.
        smsable_until: customers who can get SMS until this time (``NULL`` = never; opted-out
            customers until their opt-out).
        bad_number: numbers that fail at the carrier (landlines, dead numbers).
    """

    name: np.ndarray
    first_name: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    zone: np.ndarray
    language: np.ndarray
    preferred: np.ndarray
    opt_out_at: np.ndarray
    country: np.ndarray
    smsable_until: np.ndarray
    bad_number: np.ndarray

    def __len__(self) -> int:
        return len(self.name)


def _ascii_lower(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.lower().replace("'", "")


def country_shares(p: ScalePreset) -> np.ndarray:
    """Share of customers from each country, from the queues' ticket weights and zones."""
    codes = [c.code for c in COUNTRIES]
    share = np.zeros(len(COUNTRIES))
    for q in p.queues:
        for code, w in COUNTRY_MIX[p.teams[q.team].timezone].items():
            share[codes.index(code)] += w * q.ticket_weight
    return share / share.sum()


def build_customers(p: ScalePreset, seed: int, now_s: int) -> Customers:
    """``p.customers`` customers (a million in a few seconds).

    Names, zones and languages come from small vocabularies, so those columns hold shared
    ``str`` objects picked by index; only phone numbers and e-mail addresses are built per
    customer, with plain f-strings (faster than numpy's string conversion at this size).
    """
    rng = rng_for(seed, "customers")
    n = p.customers
    country = np.sort(rng.choice(len(COUNTRIES), size=n, p=country_shares(p)))
    firsts = [f for c in COUNTRIES for f in c.first_names]
    lasts = [f for c in COUNTRIES for f in c.last_names]
    zones = [z for c in COUNTRIES for z in c.zones]
    first_off = np.cumsum([0] + [len(c.first_names) for c in COUNTRIES])
    last_off = np.cumsum([0] + [len(c.last_names) for c in COUNTRIES])
    zone_off = np.cumsum([0] + [len(c.zones) for c in COUNTRIES])
    first_count = np.diff(first_off)[country]
    last_count = np.diff(last_off)[country]
    first = first_off[country] + (rng.random(n) * first_count).astype(np.int64)
    last = last_off[country] + (rng.random(n) * last_count).astype(np.int64)
    zone = zone_off[country] + (rng.random(n) * np.diff(zone_off)[country]).astype(np.int64)
    names = np.array([f"{f} {x}" for f in firsts for x in lasts], dtype=object)
    name = names[first * len(lasts) + last]
    lang_codes = np.array([c.language for c in COUNTRIES], dtype=object)
    language = lang_codes[country]
    language[(language != "en") & (rng.random(n) < 0.1)] = "en"
    # Mobile numbers: a prefix of the country's plan, then random digits to full length.
    prefixes = [
        (ci, pre, c.digits - (len(pre) - len(c.prefixes[0])))
        for ci, c in enumerate(COUNTRIES)
        for pre in c.prefixes
    ]
    pre_of_country = [
        [i for i, x in enumerate(prefixes) if x[0] == ci] for ci in range(len(COUNTRIES))
    ]
    pick = rng.random(n)
    prefix = np.empty(n, dtype=np.int64)
    for ci in range(len(COUNTRIES)):
        options = np.array(pre_of_country[ci])
        sel = country == ci
        prefix[sel] = options[(pick[sel] * len(options)).astype(np.int64)]
    us = [i for i, x in enumerate(prefixes) if COUNTRIES[x[0]].code == "US"]
    us_zone = {US_AREA_BY_ZONE[z]: zones.index(z) for z in US_AREA_BY_ZONE}
    for i in us:  # US area code by the customer's zone
        zone[prefix == i] = us_zone[prefixes[i][1]]
    exch = rng.integers(200, 1000, size=n)
    exch = np.where((exch == 555) | (exch % 100 == 11), exch + 1, exch)  # neither 555 nor N11
    digits = rng.integers(0, 10**8, size=n)
    is_us = np.isin(prefix, us)
    digits = np.where(is_us, exch * 10_000 + digits % 10_000, digits)
    pre_text = [x[1] for x in prefixes]
    width = [x[2] for x in prefixes]
    has_phone = rng.random(n) > 0.03
    phone = np.array(
        [
            f"{pre_text[k]}{d % 10 ** width[k]:0{width[k]}d}" if ok else None
            for k, d, ok in zip(prefix.tolist(), digits.tolist(), has_phone.tolist(), strict=True)
        ],
        dtype=object,
    )
    local = [_ascii_lower(f) for f in firsts], [_ascii_lower(x) for x in lasts]
    domains = [c.domain for c in COUNTRIES]
    suffix = rng.integers(1, 100, size=n)
    has_email = rng.random(n) > 0.05
    email = np.array(
        [
            f"{local[0][f]}.{local[1][x]}{s}@{domains[c]}" if ok else None
            for f, x, s, c, ok in zip(
                first.tolist(),
                last.tolist(),
                suffix.tolist(),
                country.tolist(),
                has_email.tolist(),
                strict=True,
            )
        ],
        dtype=object,
    )
    preferred = np.array(["sms", "email", "voice"], dtype=object)[
        rng.choice(3, size=n, p=[0.78, 0.18, 0.04])
    ]
    opted = has_phone & (rng.random(n) < 0.03)
    opt_at = np.where(
        opted,
        now_s - rng.integers(1, p.ticket_days, size=n) * DAY - rng.integers(0, DAY, size=n),
        NULL,
    )
    smsable = has_phone & (preferred == "sms")
    smsable_until = np.where(smsable, np.where(opted, opt_at, np.iinfo(np.int64).max), NULL)
    return Customers(
        name=name,
        first_name=np.array(firsts, dtype=object)[first],
        phone=phone,
        email=email,
        zone=np.array(zones, dtype=object)[zone],
        language=language,
        preferred=preferred,
        opt_out_at=opt_at,
        country=country,
        smsable_until=smsable_until,
        bad_number=has_phone & (rng.random(n) < 0.012),
    )


def pick_customers(
    rng: np.random.Generator, p: ScalePreset, cust: Customers, ticket_queue: np.ndarray
) -> np.ndarray:
    """A customer index for each ticket: country by the queue's zone, regulars more often."""
    codes = [c.code for c in COUNTRIES]
    n_c = len(cust)
    # Some customers write in again and again: a heavy-tailed weight per customer.
    weight = rng.pareto(2.5, size=n_c) + 0.3
    starts = np.searchsorted(cust.country, np.arange(len(COUNTRIES)))
    ends = np.searchsorted(cust.country, np.arange(len(COUNTRIES)), side="right")
    out = np.empty(len(ticket_queue), dtype=np.int64)
    zones = [p.teams[q.team].timezone for q in p.queues]
    q_country = np.empty(len(ticket_queue), dtype=np.int64)
    for q, sel in enumerate(groups(ticket_queue, len(p.queues))):
        if len(sel) == 0:
            continue
        mix = COUNTRY_MIX[zones[q]]
        shares = np.zeros(len(COUNTRIES))
        for code, w in mix.items():
            shares[codes.index(code)] = w
        shares = np.where(ends > starts, shares, 0.0)
        q_country[sel] = rng.choice(len(COUNTRIES), size=len(sel), p=shares / shares.sum())
    for ci, sel in enumerate(groups(q_country, len(COUNTRIES))):
        if len(sel) == 0:
            continue
        w = weight[starts[ci] : ends[ci]]
        cdf = np.cumsum(w)
        pos = np.searchsorted(cdf, rng.random(len(sel)) * cdf[-1], side="right")
        out[sel] = starts[ci] + np.minimum(pos, len(w) - 1)
    return out
