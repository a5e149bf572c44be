"""The fast phone lookup gives exactly what phonenumbers gives, number by number."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat, PhoneNumberType

from desktop.core import notification_policy_phone as phone_module
from desktop.core.notification_policy_phone import PhoneLookup, lookup_phone, slow_lookup_phone


def _fresh(phone: str) -> PhoneLookup:
    phone_module._memo.clear()
    return lookup_phone(phone)


def _examples() -> list[str]:
    """Every region's example number of every type, in E.164."""
    numbers: list[str] = []
    for regions in COUNTRY_CODE_TO_REGION_CODE.values():
        for region in regions:
            for kind in PhoneNumberType.values():
                example = phonenumbers.example_number_for_type(region, kind)
                if example is not None:
                    numbers.append(phonenumbers.format_number(example, PhoneNumberFormat.E164))
    return sorted(set(numbers))


def _random_numbers(count_per_code: int, seed: int = 5) -> list[str]:
    """Random digit strings after every country code, of lengths around the real ones."""
    rng = random.Random(seed)
    numbers = []
    for code in COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(count_per_code):
            length = rng.randint(4, 13)
            numbers.append(f"+{code}" + "".join(rng.choice("0123456789") for _ in range(length)))
    return numbers


def test_examples_of_every_region_and_type_match_phonenumbers() -> None:
    numbers = _examples()
    assert len(numbers) > 900
    for number in numbers:
        assert _fresh(number) == slow_lookup_phone(number), number


def test_random_numbers_of_every_country_code_match_phonenumbers() -> None:
    numbers = _random_numbers(60)
    valid = 0
    for number in numbers:
        expected = slow_lookup_phone(number)
        assert _fresh(number) == expected, number
        valid += expected.valid
    assert valid > 500  # the sample is not all invalid numbers


def test_example_numbers_with_random_endings_match_phonenumbers() -> None:
    """Valid-looking numbers whose last digits vary: where prefix rules and lengths bite."""
    rng = random.Random(7)
    for example in _examples():
        for cut in (2, 4):
            for _ in range(3):
                number = example[:-cut] + "".join(rng.choice("0123456789") for _ in range(cut))
                assert _fresh(number) == slow_lookup_phone(number), number


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "+",
        "+0",
        "+1",
        "+44",
        "+4407911123456",  # national prefix after the country code: the parser strips it
        "+44 7911 123456",  # spaces: the full parser
        "+447911123456",
        "+12015550123",
        "+1800555019",
        "+39021234567",  # Italian leading zero
        "+8005551234",  # 800: non-geographic entity
        "+999123456789",  # no such country code
        "+12345678901234567890",  # too long
        "07911123456",  # no country code and no default region
        "not a number",
    ],
)
def test_edge_cases_match_phonenumbers(phone: str) -> None:
    assert _fresh(phone) == (slow_lookup_phone(phone) if phone else PhoneLookup(False, ()))


def test_several_zones_for_one_number() -> None:
    found = _fresh("+447911123456")
    assert found.valid
    assert "Europe/London" in found.zone_names
    assert len(found.zone_names) > 1


def test_invalid_numbers_are_invalid() -> None:
    assert not _fresh("+4479").valid
    assert not _fresh("+15005550000").valid or slow_lookup_phone("+15005550000").valid
    assert _fresh(None) == PhoneLookup(False, ())  # type: ignore[arg-type]
