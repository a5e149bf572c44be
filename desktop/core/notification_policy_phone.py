"""What the notification policy needs to know about a customer's number: valid? which zones?

``phonenumbers`` answers both, but costs about 40 µs per number (parse, then the number type
twice: once for validity, once for the time zones), and a scheduling pass sees every open
ticket's customer: 100,000 distinct numbers at the large scale, which no small cache holds.
``lookup_phone`` answers both questions with one pass over the same metadata:

- a number in strict E.164 form (``+`` and digits, no leading zero, no national prefix after
  the country code) takes a fast path that applies phonenumbers' own rules (country code,
  region among those sharing it, number type from the region's patterns, time zones by the
  longest known prefix) with the patterns compiled once per region;
- anything else (spaces, a national prefix, an unknown country code, the non-geographic
  "001" codes) goes through ``phonenumbers`` itself.

tests/core/test_notification_policy_phone.py checks the fast path against ``phonenumbers``
on example and random numbers of every country code, so a new metadata release that changes
the rules shows up as a test failure, not as a silent difference.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    REGION_CODE_FOR_NON_GEO_ENTITY,
    PhoneMetadata,
    PhoneNumberType,
)
from phonenumbers import timezone as phone_timezone
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

UNKNOWN_ZONE = "Etc/Unknown"
_E164 = re.compile(r"\+([1-9][0-9]{5,15})")
_MAX_COUNTRY_CODE_DIGITS = 3
_MIN_NSN, _MAX_NSN = 2, 17
# Bounded memo: a pass over 100,000 customers fits, and a long-running dispatcher cannot grow
# it without limit (it starts again empty, which only costs one fast lookup per number).
_MEMO_MAX = 250_000


@dataclass(frozen=True, slots=True)
class PhoneLookup:
    """A number's validity and the time-zone names phonenumbers gives it.

    Attributes:
        valid: ``phonenumbers.is_valid_number`` of the parsed number; False when it does not
            parse.
        zone_names: ``phonenumbers.timezone.time_zones_for_number`` (``("Etc/Unknown",)`` for
            a number it cannot place); empty when the number does not parse.
    """

    valid: bool
    zone_names: tuple[str, ...]


_INVALID = PhoneLookup(False, ())
_UNPLACED = (UNKNOWN_ZONE,)

# (attribute of PhoneMetadata, type it stands for), in _number_type_helper's order.
_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)

# A number description compiled: (possible lengths, or None for "any"; the pattern, or None
# when the description matches nothing).
_Desc = tuple[frozenset[int] | None, re.Pattern[str] | None]
# What to try for numbers of one length, in phonenumbers' order: the general pattern (None:
# nothing of this length is valid), (pattern, type) of the special types, fixed line, mobile.
_Plan = tuple[
    re.Pattern[str] | None,
    tuple[tuple[re.Pattern[str], PhoneNumberType], ...],
    re.Pattern[str] | None,
    re.Pattern[str] | None,
]


def _compile_desc(desc: object) -> _Desc | None:
    if desc is None:
        return None
    lengths = getattr(desc, "possible_length", None) or ()
    pattern = getattr(desc, "national_number_pattern", None)
    return (frozenset(lengths) if lengths else None, re.compile(pattern) if pattern else None)


def _for_length(desc: _Desc | None, length: int) -> re.Pattern[str] | None:
    """The description's pattern when a number of ``length`` digits can match it."""
    if desc is None:
        return None
    lengths, pattern = desc
    if lengths is not None and length not in lengths:
        return None
    return pattern


@dataclass
class _Region:
    """One region's metadata, compiled once (and planned per number length on first use)."""

    general: _Desc | None
    special: tuple[tuple[_Desc | None, PhoneNumberType], ...]
    fixed_line: _Desc | None
    mobile: _Desc | None
    same_mobile_and_fixed: bool
    leading_digits: re.Pattern[str] | None
    national_prefix_for_parsing: re.Pattern[str] | None
    plans: dict[int, _Plan]

    def _plan(self, length: int) -> _Plan:
        plan = self.plans.get(length)
        if plan is None:
            special = tuple(
                (pattern, kind)
                for desc, kind in self.special
                if (pattern := _for_length(desc, length)) is not None
            )
            mobile = None if self.same_mobile_and_fixed else _for_length(self.mobile, length)
            plan = self.plans[length] = (
                _for_length(self.general, length),
                special,
                _for_length(self.fixed_line, length),
                mobile,
            )
        return plan

    def number_type(self, nsn: str) -> PhoneNumberType:
        """phonenumbers' ``_number_type_helper`` for this region."""
        general, special, fixed_line, mobile = self._plan(len(nsn))
        if general is None or general.fullmatch(nsn) is None:
            return PhoneNumberType.UNKNOWN
        for pattern, kind in special:
            if pattern.fullmatch(nsn) is not None:
                return kind
        if fixed_line is not None and fixed_line.fullmatch(nsn) is not None:
            if self.same_mobile_and_fixed or (mobile is not None and mobile.fullmatch(nsn)):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if mobile is not None and mobile.fullmatch(nsn) is not None:
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


@functools.cache
def _region(code: str) -> _Region | None:
    meta = PhoneMetadata.metadata_for_region(code.upper(), None)
    if meta is None:
        return None
    leading = getattr(meta, "leading_digits", None)
    prefix = getattr(meta, "national_prefix_for_parsing", None)
    return _Region(
        general=_compile_desc(meta.general_desc),
        special=tuple((_compile_desc(getattr(meta, name)), kind) for name, kind in _SPECIAL_TYPES),
        fixed_line=_compile_desc(meta.fixed_line),
        mobile=_compile_desc(meta.mobile),
        same_mobile_and_fixed=bool(meta.same_mobile_and_fixed_line_pattern),
        leading_digits=re.compile(leading) if leading is not None else None,
        national_prefix_for_parsing=re.compile(prefix) if prefix else None,
        plans={},
    )


def _number_type(nsn: str, regions: tuple[str, ...]) -> PhoneNumberType:
    """phonenumbers' ``number_type``: the type in the first region of the country code that
    claims the number (by its leading digits when it has them, else by full validation)."""
    if len(regions) == 1:
        region = _region(regions[0])
        return PhoneNumberType.UNKNOWN if region is None else region.number_type(nsn)
    for code in regions:
        region = _region(code)
        if region is None:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(nsn):
                return region.number_type(nsn)
        else:
            kind = region.number_type(nsn)
            if kind is not PhoneNumberType.UNKNOWN:
                return kind
    return PhoneNumberType.UNKNOWN


@functools.lru_cache(maxsize=4096)
def _zones_by_prefix(digits: str) -> tuple[str, ...]:
    """phonenumbers' longest-prefix time-zone lookup (``digits``: country code and number,
    cut to the longest prefix it knows, so few distinct keys)."""
    for length in range(len(digits), 0, -1):
        found = TIMEZONE_DATA.get(digits[:length])
        if found is not None:
            return tuple(found)
    return _UNPLACED


@functools.cache
def _country_zones(code: int) -> tuple[str, ...]:
    """phonenumbers' country-level zones (non-geographic number types), same prefix rule."""
    digits = str(code)
    for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        found = TIMEZONE_DATA.get(digits[: 1 + length])
        if found is not None:
            return tuple(found)
    return _UNPLACED


def _fast(digits: str) -> PhoneLookup | None:
    """The E.164 fast path (``digits``: everything after the "+"); None when the number
    needs the full parser."""
    for size in range(1, _MAX_COUNTRY_CODE_DIGITS + 1):
        code = int(digits[:size])
        regions = COUNTRY_CODE_TO_REGION_CODE.get(code)
        if regions is not None:
            break
    else:
        return None
    if REGION_CODE_FOR_NON_GEO_ENTITY in regions:
        return None
    nsn = digits[size:]
    if not _MIN_NSN <= len(nsn) <= _MAX_NSN or nsn[0] == "0":
        return None  # too short or long, or an Italian-style leading zero: the parser decides
    main = _region(regions[0])
    if main is None:
        return None
    # The parser strips a national prefix (or a carrier code) when the region's pattern
    # matches the start; only numbers it leaves alone take the fast path.
    if main.national_prefix_for_parsing is not None and main.national_prefix_for_parsing.match(nsn):
        return None
    kind = _number_type(nsn, regions)
    if kind is PhoneNumberType.UNKNOWN:
        return PhoneLookup(False, _UNPLACED)
    if phonenumbers.is_number_type_geographical(kind, code):
        zones = _zones_by_prefix(digits[:TIMEZONE_LONGEST_PREFIX])
    else:
        zones = _country_zones(code)
    return PhoneLookup(True, zones)


def _slow(phone: str) -> PhoneLookup:
    """phonenumbers itself."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return _INVALID
    zones = tuple(phone_timezone.time_zones_for_number(number))
    return PhoneLookup(phonenumbers.is_valid_number(number), zones)


_memo: dict[str, PhoneLookup] = {}


def lookup_phone(phone: str | None) -> PhoneLookup:
    """Validity and time zones of a number, as phonenumbers gives them (memoised).

    Args:
        phone: the customer's number, E.164 (``+447911123456``) or anything phonenumbers
            parses without a default region; None or empty is invalid.
    """
    if not phone:
        return _INVALID
    found = _memo.get(phone)
    if found is not None:
        return found
    match = _E164.fullmatch(phone)
    found = _fast(match[1]) if match is not None else None
    if found is None:
        found = _slow(phone)
    if len(_memo) >= _MEMO_MAX:
        _memo.clear()
    _memo[phone] = found
    return found


def slow_lookup_phone(phone: str) -> PhoneLookup:
    """``lookup_phone`` without the fast path or the memo (the reference the tests use)."""
    return _slow(phone)
