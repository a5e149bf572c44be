"""Log redaction: phone numbers masked, secrets removed, everything else left readable."""

from __future__ import annotations

import pytest

from desktop.log_redaction import redact, register_secret

PHONE = "+447911123456"
TOKEN = "0123456789abcdef0123456789abcdef"
SID = "AC" + "fedcba9876543210" * 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"SMS to {PHONE} queued", "SMS to +4479******56 queued"),
        ("To=%2B15551234567&Body=hi", "To=%2B1555*****67&Body=hi"),
        ("call +1 (555) 123-4567 now", "call +1555*****67 now"),
        ("whatsapp:+15551234567", "whatsapp:+1555*****67"),
        ("phone=0207 946 0958 invalid", "phone=0207*****58 invalid"),
        ("Authorization: Basic QUM6c2VjcmV0", "Authorization: Basic ****"),
        ("{'Authorization': 'Bearer abc.def.ghi'}", "{'Authorization': 'Bearer ****'}"),
        ("auth_token=s3cr3t&x=1", "auth_token=****&x=1"),
        ("postgresql://proximity:hunter2@db/prox", "postgresql://proximity:****@db/prox"),
        (f"token {TOKEN} used", "token **** used"),
    ],
)
def test_redact_masks_phones_and_secrets(raw: str, expected: str) -> None:
    assert redact(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "2026-11-23 20:01:15,153 upgrade -> 0001",
        "ticket 1234567 changed, version 12",
        f"account {SID} sent SM{'a' * 32}",  # SIDs are what support needs
        "offset +00:00, ratio +1.25",
        "SMS to +4479******56 queued",  # already masked: stays as it is
    ],
)
def test_redact_keeps_what_is_not_personal(kept: str) -> None:
    assert redact(kept) == kept


def test_a_registered_secret_is_masked_anywhere() -> None:
    register_secret("correct-horse-battery")
    assert redact("key=correct-horse-battery;") == "key=****;"
    register_secret("short")  # too short to mask safely: ignored
    assert redact("a short note") == "a short note"
