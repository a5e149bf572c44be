"""Quiet hours: zone resolution, DST-exact windows, several zones per number."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.core.quiet_hours import (
    DEFAULT_WINDOW,
    SendWindow,
    is_allowed,
    next_allowed,
    resolve_zones,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
US_NUMBER = "+12125550123"  # Manhattan landline range: one zone
AU_MOBILE = "+61412345678"  # Australian mobile: every Australian zone plus two islands
TOLL_FREE = "+18005550199"  # NANP toll-free: 42 zones from Guam to American Samoa


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def brute_force_next(at: datetime, zones: tuple[ZoneInfo, ...], window: SendWindow) -> datetime:
    """Minute-by-minute reference: the definition, with no cleverness."""
    t = at
    for _ in range(3 * 24 * 60):
        if all(window.contains(t.astimezone(z).time()) for z in zones):
            return t
        t += timedelta(minutes=1)
    raise AssertionError("no allowed minute within three days")


# ------------------------------------------------------------------------ SendWindow


def test_window_bounds_start_inclusive_end_exclusive() -> None:
    assert SendWindow(time(8), time(21)) == DEFAULT_WINDOW
    assert not DEFAULT_WINDOW.contains(time(7, 59, 59))
    assert DEFAULT_WINDOW.contains(time(8, 0))
    assert DEFAULT_WINDOW.contains(time(20, 59, 59))
    assert not DEFAULT_WINDOW.contains(time(21, 0))


def test_window_wrapping_midnight_and_always_open() -> None:
    night = SendWindow(time(22), time(6))
    assert night.contains(time(23)) and night.contains(time(5, 59))
    assert not night.contains(time(6)) and not night.contains(time(21, 59))
    always = SendWindow(time(0), time(0))
    assert always.always_open and always.contains(time(3))
    assert is_allowed(utc(2024, 1, 1, 3), (NY,), always)


def test_window_rejects_aware_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        SendWindow(time(8, tzinfo=UTC), time(21))


# ------------------------------------------------------------------------ resolve_zones


def test_customer_zone_wins_over_phone_and_queue() -> None:
    assert resolve_zones("Europe/Paris", US_NUMBER, "Asia/Tokyo") == (ZoneInfo("Europe/Paris"),)


def test_us_number_maps_to_one_zone() -> None:
    assert resolve_zones(None, US_NUMBER, "Asia/Tokyo") == (NY,)


def test_invalid_zone_names_fall_through_to_the_next_source() -> None:
    for bad in ("Mars/Olympus", "America", "../etc/passwd", "", "  "):
        assert resolve_zones(bad, US_NUMBER, None) == (NY,)
    assert resolve_zones(None, None, "Not/AZone", "Europe/Berlin") == (ZoneInfo("Europe/Berlin"),)
    assert resolve_zones(None, None, None, "Also/Bad") == (ZoneInfo("UTC"),)


def test_unplaceable_or_garbage_number_falls_back_to_queue() -> None:
    # +44 1632 960xxx is Ofcom's drama range: phonenumbers answers "Etc/Unknown".
    assert resolve_zones(None, "+441632960000", "Europe/Dublin") == (ZoneInfo("Europe/Dublin"),)
    assert resolve_zones(None, "not a number", "Europe/Dublin") == (ZoneInfo("Europe/Dublin"),)
    assert resolve_zones(None, None, None) == (ZoneInfo("UTC"),)


def test_mobile_number_maps_to_several_zones() -> None:
    keys = {zone.key for zone in resolve_zones(None, AU_MOBILE, None)}
    assert {"Australia/Sydney", "Australia/Perth", "Indian/Cocos", "Australia/Lord_Howe"} <= keys
    assert len(resolve_zones(None, TOLL_FREE, None)) > 30


def test_resolution_is_cached() -> None:
    assert resolve_zones(None, AU_MOBILE, None) is resolve_zones(None, AU_MOBILE, None)


# ------------------------------------------------------------------------ one zone, DST


def test_allowed_instant_is_returned_unchanged() -> None:
    at = utc(2024, 6, 12, 14, 7, 33)  # 10:07:33 EDT
    assert is_allowed(at, (NY,))
    assert next_allowed(at, (NY,)) == at


def test_window_edges_in_new_york_summer() -> None:
    assert not is_allowed(utc(2024, 6, 12, 11, 59), (NY,))  # 07:59 EDT
    assert is_allowed(utc(2024, 6, 12, 12, 0), (NY,))  # 08:00 EDT
    assert is_allowed(utc(2024, 6, 13, 0, 59), (NY,))  # 20:59 EDT
    assert not is_allowed(utc(2024, 6, 13, 1, 0), (NY,))  # 21:00 EDT
    assert next_allowed(utc(2024, 6, 13, 1, 0), (NY,)) == utc(2024, 6, 13, 12, 0)


def test_new_york_spring_forward() -> None:
    # 9 March 21:00 EST is 02:00 UTC; clocks skip 02:00-03:00 on 10 March; 08:00 EDT = 12:00 UTC.
    assert next_allowed(utc(2024, 3, 9, 2, 0), (NY,)) == utc(2024, 3, 9, 13, 0)  # 08:00 EST
    assert next_allowed(utc(2024, 3, 10, 2, 0), (NY,)) == utc(2024, 3, 10, 12, 0)
    assert is_allowed(utc(2024, 3, 11, 0, 59), (NY,))  # 20:59 EDT
    assert not is_allowed(utc(2024, 3, 11, 1, 0), (NY,))  # 21:00 EDT


def test_new_york_fall_back() -> None:
    # 3 November: 02:00 EDT becomes 01:00 EST; 08:00 EST = 13:00 UTC.
    assert next_allowed(utc(2024, 11, 2, 2, 0), (NY,)) == utc(2024, 11, 2, 12, 0)  # 08:00 EDT
    assert next_allowed(utc(2024, 11, 3, 2, 0), (NY,)) == utc(2024, 11, 3, 13, 0)
    assert not is_allowed(utc(2024, 11, 3, 12, 59), (NY,))


def test_london_transitions() -> None:
    assert next_allowed(utc(2024, 3, 30, 22, 0), (LONDON,)) == utc(2024, 3, 31, 7, 0)  # 08:00 BST
    assert next_allowed(utc(2024, 10, 26, 22, 0), (LONDON,)) == utc(2024, 10, 27, 8, 0)  # GMT


def test_window_start_inside_the_spring_forward_gap_opens_at_the_transition() -> None:
    window = SendWindow(time(2, 30), time(21))  # 02:30 does not exist on 10 March in New York
    assert not is_allowed(utc(2024, 3, 10, 6, 59), (NY,), window)  # 01:59 EST
    assert next_allowed(utc(2024, 3, 10, 6, 0), (NY,), window) == utc(2024, 3, 10, 7, 0)  # 03:00


def test_repeated_hour_is_judged_by_the_wall_clock_each_time() -> None:
    window = SendWindow(time(1, 30), time(21))
    assert next_allowed(utc(2024, 11, 3, 5, 0), (NY,), window) == utc(2024, 11, 3, 5, 30)
    assert is_allowed(utc(2024, 11, 3, 5, 45), (NY,), window)  # 01:45 EDT, first pass
    assert not is_allowed(utc(2024, 11, 3, 6, 10), (NY,), window)  # 01:10 EST, second pass
    assert next_allowed(utc(2024, 11, 3, 6, 10), (NY,), window) == utc(2024, 11, 3, 6, 30)


def test_fall_back_can_reopen_a_window_that_had_closed() -> None:
    window = SendWindow(time(8), time(1, 30))  # wraps midnight, closes at 01:30
    at = utc(2024, 11, 3, 5, 40)  # 01:40 EDT: closed; at 06:00 UTC the clock reads 01:00 EST
    assert next_allowed(at, (NY,), window) == utc(2024, 11, 3, 6, 0)


@pytest.mark.parametrize("zone", [NY, LONDON])
@pytest.mark.parametrize(
    "window",
    [DEFAULT_WINDOW, SendWindow(time(2, 30), time(21)), SendWindow(time(1, 30), time(1, 15))],
)
@pytest.mark.parametrize("around", [utc(2024, 3, 10), utc(2024, 3, 31), utc(2024, 11, 3)])
def test_matches_minute_by_minute_reference_around_transitions(
    zone: ZoneInfo, window: SendWindow, around: datetime
) -> None:
    for hours in range(-24, 48, 5):
        at = around + timedelta(hours=hours, minutes=17)
        assert next_allowed(at, (zone,), window) == brute_force_next(at, (zone,), window), at


# ------------------------------------------------------------------------ several zones


def test_australian_mobile_window_is_the_intersection_of_all_its_zones() -> None:
    zones = resolve_zones(None, AU_MOBILE, None)
    sydney_only = resolve_zones(None, "+61291234567", None)
    at = utc(2024, 1, 15, 0, 0)  # 11:00 in Sydney, but 06:30 on the Cocos Islands
    assert is_allowed(at, sydney_only)
    assert not is_allowed(at, zones)
    # January: Cocos (UTC+6:30) opens last at 01:30 UTC, Sydney (UTC+11) closes first at 10:00.
    assert next_allowed(at, zones) == utc(2024, 1, 15, 1, 30)
    assert is_allowed(utc(2024, 1, 15, 9, 59), zones)
    assert next_allowed(utc(2024, 1, 15, 10, 0), zones) == utc(2024, 1, 16, 1, 30)
    # July (no DST in the south): Lord Howe (UTC+10:30) closes first, at 10:30 UTC.
    assert is_allowed(utc(2024, 7, 15, 10, 29), zones)
    assert not is_allowed(utc(2024, 7, 15, 10, 30), zones)


def test_toll_free_number_window_holds_in_every_zone() -> None:
    zones = resolve_zones(None, TOLL_FREE, None)
    # Guam (UTC+10) opens at 22:00 UTC; St John's (UTC-3:30) closes at 00:30 UTC.
    found = next_allowed(utc(2024, 1, 15, 12, 0), zones)
    assert found == utc(2024, 1, 15, 22, 0)
    assert all(DEFAULT_WINDOW.contains(found.astimezone(z).time()) for z in zones)
    assert is_allowed(utc(2024, 1, 16, 0, 29), zones)
    assert not is_allowed(utc(2024, 1, 16, 0, 30), zones)


def test_is_allowed_means_allowed_in_every_zone_all_year() -> None:
    zones = resolve_zones(None, AU_MOBILE, None)
    t = utc(2024, 1, 1, 0, 0)
    while t < utc(2025, 1, 1):
        expected = all(DEFAULT_WINDOW.contains(t.astimezone(z).time()) for z in zones)
        assert is_allowed(t, zones) == expected, t
        t += timedelta(hours=1, minutes=13)


def test_several_zones_match_the_reference_across_dst() -> None:
    zones = (NY, LONDON)  # overlap 13:00-01:00 UTC, shifting as each zone changes clocks
    for day in (utc(2024, 3, 10), utc(2024, 3, 31), utc(2024, 10, 27), utc(2024, 11, 3)):
        for hours in range(0, 24, 3):
            at = day + timedelta(hours=hours, minutes=41)
            expected = brute_force_next(at, zones, DEFAULT_WINDOW)
            assert next_allowed(at, zones) == expected, at


def test_zones_too_far_apart_fall_back_to_the_first_zone() -> None:
    # 8 hours apart each: every UTC minute is quiet somewhere, so there is no common window.
    zones = (LONDON, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/Los_Angeles"))
    found = next_allowed(utc(2024, 1, 15, 0, 0), zones)
    assert found == utc(2024, 1, 15, 8, 0)  # London's window
    assert not all(DEFAULT_WINDOW.contains(found.astimezone(z).time()) for z in zones)
    # is_allowed agrees with the fallback, so a dispatcher never waits forever.
    assert is_allowed(found, zones)
    assert not is_allowed(found - timedelta(minutes=1), zones)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_allowed(datetime(2024, 1, 1, 12), (NY,))
    with pytest.raises(ValueError, match="aware"):
        is_allowed(datetime(2024, 1, 1, 12), (NY,))
    with pytest.raises(ValueError, match="zone"):
        next_allowed(utc(2024, 1, 1, 3), ())


def test_result_is_utc_whatever_the_input_zone() -> None:
    found = next_allowed(datetime(2024, 6, 12, 22, 0, tzinfo=NY), (NY,))
    assert found.utcoffset() == timedelta(0)
    assert found == utc(2024, 6, 13, 12, 0)
