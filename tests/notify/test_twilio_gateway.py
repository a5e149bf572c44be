"""TwilioGateway against the loopback Twilio: sends, refusals, faults, reconciliation, polling."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.response import Response

from desktop.core.privacy import mask_phone
from desktop.notify.twilio_errors import (
    DEFAULT_ERROR_TABLE,
    ErrorClass,
    GatewayError,
    classify,
    retry_delay,
)
from desktop.notify.twilio_gateway import TwilioGateway, TwilioSettings
from desktop.notify.twilio_http import RewritingHttpClient, rewrite_url
from tests.fakes.fixtures import TEST_FROM_NUMBER
from tests.fakes.twilio_server import FakeTwilio

TO = "+447911123456"


@pytest.fixture
def gateway(fake_twilio_settings: TwilioSettings) -> TwilioGateway:
    return TwilioGateway(fake_twilio_settings)


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# ------------------------------------------------------------------------------ settings
def test_settings_mask_the_token_and_validate(fake_twilio_settings: TwilioSettings) -> None:
    text = repr(fake_twilio_settings)
    assert fake_twilio_settings.auth_token not in text and "auth_token='****'" in text
    with pytest.raises(ValueError, match="From number or a Messaging Service"):
        TwilioSettings("AC" + "a" * 32, "token")
    with pytest.raises(ValueError, match="account SID"):
        TwilioSettings("ACnope", "token", from_number=TO)
    with pytest.raises(ValueError, match="http"):
        TwilioSettings("AC" + "a" * 32, "token", from_number=TO, api_base="127.0.0.1:4010")
    settings = TwilioSettings("AC" + "a" * 32, "t", from_number=TO, api_base="http://h:1/p/")
    assert settings.api_base == "http://h:1/p" and settings.timeout_seconds == 10


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B1",
            "http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?To=%2B1",
        ),
        (
            "https://taskrouter.twilio.com/v1/Workspaces/WS1/Workers?Page=1",
            "http://127.0.0.1:4010/v1/Workspaces/WS1/Workers?Page=1",
        ),
        ("https://api.dublin.ie1.twilio.com/x", "http://127.0.0.1:4010/x"),
        ("http://127.0.0.1:5000/v1/x", "http://127.0.0.1:5000/v1/x"),  # not Twilio's: as is
        ("https://eviltwilio.com/x", "https://eviltwilio.com/x"),
    ],
)
def test_rewrite_url(url: str, expected: str) -> None:
    assert rewrite_url(url, "http://127.0.0.1:4010") == expected
    assert rewrite_url(url, None) == url


def test_rewrite_keeps_a_proxy_prefix() -> None:
    assert (
        rewrite_url("https://api.twilio.com/2010-04-01/A.json", "https://proxy/twilio")
        == "https://proxy/twilio/2010-04-01/A.json"
    )


def test_http_client_always_has_a_timeout() -> None:
    assert RewritingHttpClient(None).timeout == 10.0
    assert RewritingHttpClient("http://127.0.0.1:1", 0.5).timeout == 0.5


# ------------------------------------------------------------------------------ sending
def test_send_ok(gateway: TwilioGateway, fake_twilio: FakeTwilio) -> None:
    result = gateway.send_sms(TO, "Ticket 42: we are on it", status_callback="https://cb.example/s")
    assert result.ok and result.status == "queued" and result.http_status == 201
    assert result.error_class is None and not result.uncertain
    [sent] = fake_twilio.sent_messages()
    assert sent["sid"] == result.sid and sent["from"] == TEST_FROM_NUMBER
    assert fake_twilio.requests()[0].form["StatusCallback"] == "https://cb.example/s"


def test_send_with_a_messaging_service(fake_twilio: FakeTwilio) -> None:
    settings = TwilioSettings(
        fake_twilio.account_sid,
        fake_twilio.auth_token,
        messaging_service_sid="MG" + "1" * 32,
        api_base=fake_twilio.base_url,
        timeout_seconds=0.5,
    )
    result = TwilioGateway(settings).send_sms(TO, "hi")
    assert result.ok and result.status == "accepted"
    form = fake_twilio.requests()[0].form
    assert form["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in form


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        (21610, ErrorClass.OPTED_OUT),
        (21614, ErrorClass.PERMANENT),
        (21408, ErrorClass.PERMANENT),
        (63038, ErrorClass.DAILY_LIMIT_PAUSE),
        (21611, ErrorClass.RETRYABLE),
    ],
)
def test_refusals_are_classified(
    gateway: TwilioGateway, fake_twilio: FakeTwilio, code: int, error_class: ErrorClass
) -> None:
    fake_twilio.reject_to(TO, code)
    result = gateway.send_sms(TO, "hi")
    assert not result.ok and result.sid is None
    assert (result.error_code, result.error_class, result.http_status) == (code, error_class, 400)
    assert not result.uncertain and fake_twilio.sent_messages() == []


def test_invalid_number_is_permanent(gateway: TwilioGateway, fake_twilio: FakeTwilio) -> None:
    result = gateway.send_sms("0791112345", "hi")
    assert (result.error_code, result.error_class) == (21211, ErrorClass.PERMANENT)
    assert "not a valid phone number" in (result.error_message or "")


def test_429_then_success(gateway: TwilioGateway, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(429)
    first = gateway.send_sms(TO, "hi")
    assert (first.ok, first.error_code, first.http_status) == (False, 20429, 429)
    assert first.error_class is ErrorClass.RETRYABLE and not first.uncertain  # refused: not sent
    second = gateway.send_sms(TO, "hi")
    assert second.ok and len(fake_twilio.sent_messages()) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable_but_uncertain(
    gateway: TwilioGateway, fake_twilio: FakeTwilio, status: int
) -> None:
    fake_twilio.fail_next(status)
    result = gateway.send_sms(TO, "hi")
    assert result.error_class is ErrorClass.RETRYABLE and result.http_status == status
    assert result.uncertain  # a 5xx may come after Twilio queued the message


def test_slow_answer_hits_the_timeout(gateway: TwilioGateway, fake_twilio: FakeTwilio) -> None:
    claimed = datetime.now(UTC)
    fake_twilio.delay_next(1.2)
    started = time.monotonic()
    result = gateway.send_sms(TO, "slow")
    assert time.monotonic() - started < 1.1  # 0.5 s timeout, not the server's pace
    assert result.error_class is ErrorClass.RETRYABLE and result.http_status is None
    assert result.uncertain
    # Twilio went on to accept it: reconciliation finds it instead of a resend.
    wait_for(lambda: len(fake_twilio.sent_messages()) == 1)
    sid = gateway.find_sent(TO, TEST_FROM_NUMBER, "slow", claimed)
    assert sid == fake_twilio.sent_messages()[0]["sid"]


def test_dropped_connection(gateway: TwilioGateway, fake_twilio: FakeTwilio) -> None:
    claimed = datetime.now(UTC)
    fake_twilio.drop_next()
    result = gateway.send_sms(TO, "hi")
    assert result.error_class is ErrorClass.RETRYABLE and result.uncertain
    assert gateway.find_sent(TO, TEST_FROM_NUMBER, "hi", claimed) is None  # certainly not sent
    assert gateway.send_sms(TO, "hi").ok and len(fake_twilio.sent_messages()) == 1


def test_connection_refused_is_certainly_not_sent(fake_twilio: FakeTwilio) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = TwilioSettings(
        fake_twilio.account_sid,
        "t",
        from_number=TEST_FROM_NUMBER,
        api_base=f"http://127.0.0.1:{port}",
        timeout_seconds=0.5,
    )
    result = TwilioGateway(settings).send_sms(TO, "hi")
    assert result.error_class is ErrorClass.RETRYABLE and not result.uncertain


def test_wrong_token_is_a_configuration_error_not_retryable(fake_twilio: FakeTwilio) -> None:
    settings = TwilioSettings(
        fake_twilio.account_sid,
        "wrong",
        from_number=TEST_FROM_NUMBER,
        api_base=fake_twilio.base_url,
        timeout_seconds=0.5,
    )
    result = TwilioGateway(settings).send_sms(TO, "hi")
    assert (result.http_status, result.error_code) == (401, 20003)
    assert result.error_class is ErrorClass.CONFIGURATION


# ------------------------------------------------------------------------------ reconciliation
def test_accept_then_drop_is_reconciled(gateway: TwilioGateway, fake_twilio: FakeTwilio) -> None:
    claimed = datetime.now(UTC)
    fake_twilio.accept_then_drop_next()
    result = gateway.send_sms(TO, "Ticket 7 update")
    assert not result.ok and result.uncertain
    [accepted] = fake_twilio.sent_messages()
    assert accepted["date_sent"] is None  # still queued: only the second pass can see it
    assert gateway.find_sent(TO, TEST_FROM_NUMBER, "Ticket 7 update", claimed) == accepted["sid"]
    gateway.fetch_status(accepted["sid"])  # now "sending", with a date_sent
    assert gateway.find_sent(TO, TEST_FROM_NUMBER, "Ticket 7 update", claimed) == accepted["sid"]
    assert gateway.find_sent(TO, TEST_FROM_NUMBER, "Other text", claimed) is None
    assert (
        gateway.find_sent(
            TO, TEST_FROM_NUMBER, "Ticket 7 update", claimed, known_sids={accepted["sid"]}
        )
        is None
    )
    later = claimed + timedelta(hours=1)
    assert gateway.find_sent(TO, TEST_FROM_NUMBER, "Ticket 7 update", later) is None
    assert len(fake_twilio.sent_messages()) == 1  # reconciling never sends


def test_find_sent_reads_past_the_first_page(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    claimed = datetime.now(UTC)
    target = gateway.send_sms(TO, "the one").sid
    for i in range(120):  # newer messages to the same customer push it to page two
        assert gateway.send_sms(TO, f"n{i}").ok
    assert gateway.find_sent(TO, TEST_FROM_NUMBER, "the one", claimed) == target
    list_requests = [r for r in fake_twilio.requests("/Messages.json") if r.method == "GET"]
    assert any("PageToken" in r.query for r in list_requests)


def test_find_sent_raises_when_it_cannot_tell(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(503, method="GET")
    with pytest.raises(GatewayError) as caught:
        gateway.find_sent(TO, TEST_FROM_NUMBER, "hi", datetime.now(UTC))
    assert caught.value.error_class is ErrorClass.RETRYABLE and caught.value.info.http_status == 503


# ------------------------------------------------------------------------------ status polling
def test_polls_to_delivered(gateway: TwilioGateway) -> None:
    sid = gateway.send_sms(TO, "hi").sid
    assert sid is not None
    seen = []
    while not (status := gateway.fetch_status(sid)).is_final:
        seen.append(status.status)
    assert seen == ["sending", "sent"] and status.status == "delivered"
    assert status.is_delivered and not status.is_failed and status.error_code is None
    assert status.date_sent is not None and status.num_segments == 1


@pytest.mark.parametrize(
    ("final", "code", "error_class"),
    [
        ("undelivered", 30005, ErrorClass.PERMANENT),
        ("undelivered", 30007, ErrorClass.CARRIER_FILTERED),
        ("failed", 30006, ErrorClass.PERMANENT),
    ],
)
def test_polls_to_a_failure(
    gateway: TwilioGateway, fake_twilio: FakeTwilio, final: str, code: int, error_class: ErrorClass
) -> None:
    fake_twilio.set_delivery(TO, final=final, error_code=code)
    sid = gateway.send_sms(TO, "hi").sid
    assert sid is not None
    for _ in range(5):
        status = gateway.fetch_status(sid)
        if status.is_final:
            break
    assert (status.status, status.error_code, status.error_class) == (final, code, error_class)
    assert status.is_failed and status.error_message


def test_unknown_status_is_kept_and_not_final(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.set_delivery(TO, sequence=["queued", "sent", "held_for_review"])
    sid = gateway.send_sms(TO, "hi").sid
    assert sid is not None
    statuses = [gateway.fetch_status(sid) for _ in range(3)]
    assert [s.status for s in statuses] == ["sent", "held_for_review", "held_for_review"]
    assert not statuses[-1].is_final


def test_fetch_of_an_unknown_sid_raises(gateway: TwilioGateway) -> None:
    with pytest.raises(GatewayError) as caught:
        gateway.fetch_status("SM" + "0" * 32)
    assert (caught.value.info.http_status, caught.value.info.code) == (404, 20404)


# ------------------------------------------------------------------------------ privacy
def test_logs_mask_numbers_and_never_carry_the_token(
    gateway: TwilioGateway, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_twilio.reject_to("+447700900555", 21211)
    gateway.send_sms(TO, "secret body")
    gateway.send_sms("+447700900555", "secret body")
    gateway.find_sent(TO, TEST_FROM_NUMBER, "secret body", datetime.now(UTC))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert mask_phone(TO) in text
    for secret in (TO, "+447700900555", "%2B447911123456", fake_twilio.auth_token, "secret body"):
        assert secret not in text


# ------------------------------------------------------------------------------ pure parts
def test_classify_codes_exceptions_and_overrides() -> None:
    assert classify(21610) is ErrorClass.OPTED_OUT and classify(99999) is ErrorClass.UNKNOWN
    assert classify(TwilioRestException(429, "u", "slow down", 20429)) is ErrorClass.RETRYABLE
    assert classify(TwilioRestException(502, "u", "bad gateway", 502)) is ErrorClass.RETRYABLE
    assert classify(TwilioRestException(400, "u", "x", 30007)) is ErrorClass.CARRIER_FILTERED
    service = TwilioServiceException("https://e/21610", "Unsubscribed", 400, 21610)
    assert classify(service) is ErrorClass.OPTED_OUT
    page = TwilioException("Unable to fetch page", Response(503, '{"code": 20503}'))
    assert classify(page) is ErrorClass.RETRYABLE
    assert classify(requests.exceptions.ReadTimeout()) is ErrorClass.RETRYABLE
    assert classify(requests.exceptions.ConnectionError()) is ErrorClass.RETRYABLE
    table = DEFAULT_ERROR_TABLE.with_overrides({"30007": "retryable", 30008: ErrorClass.PERMANENT})
    assert (
        table.classify(30007) is ErrorClass.RETRYABLE
        and table.classify(30008) is ErrorClass.PERMANENT
    )
    assert DEFAULT_ERROR_TABLE.classify(30007) is ErrorClass.CARRIER_FILTERED  # copy, not edit
    with pytest.raises(ValueError, match="'30007'"):
        DEFAULT_ERROR_TABLE.with_overrides({"30007": "sometimes"})


def test_retry_delay_is_capped_full_jitter() -> None:
    assert [retry_delay(n, jitter=False) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert retry_delay(20, jitter=False) == 3600.0 and retry_delay(10_000, jitter=False) == 3600.0
    assert retry_delay(2, rand=lambda: 0.5) == 30.0
    assert retry_delay(3, base=1, cap=10, rand=lambda: 0.0) == 0.0
    assert all(0 <= retry_delay(5) < 480 for _ in range(100))
    with pytest.raises(ValueError):
        retry_delay(0)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+447911123412", "+4479******12"),
        ("whatsapp:+15551234567", "whatsapp:+1555*****67"),
        ("12345678", "******78"),
        ("+4479", "+****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(number: str | None, masked: str) -> None:
    assert mask_phone(number) == masked
