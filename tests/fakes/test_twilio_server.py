"""The fake speaks Twilio's wire format: raw HTTP requests, no twilio package involved."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit

import pytest

from tests.fakes.twilio_messages import count_segments
from tests.fakes.twilio_server import FakeTwilio

# Twilio's own schemas (a subset of its OpenAPI descriptions, tests/fakes/specs/extract.py).
SCHEMAS = json.loads(
    (Path(__file__).resolve().parent / "specs" / "twilio_schemas.json").read_text()
)
TO = "+447911123456"
FROM = "+15005550006"
MESSAGE_FIELDS = {
    "account_sid",
    "api_version",
    "body",
    "date_created",
    "date_sent",
    "date_updated",
    "direction",
    "error_code",
    "error_message",
    "from",
    "messaging_service_sid",
    "num_media",
    "num_segments",
    "price",
    "price_unit",
    "sid",
    "status",
    "subresource_uris",
    "to",
    "uri",
}
ERROR_FIELDS = {"code", "message", "more_info", "status"}


def call(
    fake: FakeTwilio,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, Any]]:
    """One raw HTTP request; returns (status, JSON body)."""
    url = fake.base_url + path + (f"?{urlencode(query)}" if query else "")
    data = urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    user, password = auth or (fake.account_sid, fake.auth_token)
    req.add_header(
        "Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except HTTPError as err:
        return err.code, json.loads(err.read())


def messages_path(fake: FakeTwilio) -> str:
    return f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"


def send(fake: FakeTwilio, to: str = TO, body: str = "Hello", **extra: str) -> tuple[int, dict]:
    return call(fake, "POST", messages_path(fake), {"To": to, "From": FROM, "Body": body, **extra})


def test_create_answers_201_with_the_spec_message_fields(fake_twilio: FakeTwilio) -> None:
    status, msg = send(fake_twilio, body="Your ticket #42 is in progress")
    assert status == 201
    assert set(msg) == MESSAGE_FIELDS
    assert re.fullmatch(r"SM[0-9a-f]{32}", msg["sid"])
    assert (msg["to"], msg["from"], msg["status"]) == (TO, FROM, "queued")
    assert msg["account_sid"] == fake_twilio.account_sid
    assert msg["num_segments"] == "1" and msg["error_code"] is None and msg["price"] is None
    assert msg["date_sent"] is None  # not handed to a carrier yet
    assert parsedate_to_datetime(msg["date_created"]).utcoffset().total_seconds() == 0
    assert (
        msg["uri"] == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages/{msg['sid']}.json"
    )
    assert fake_twilio.requests()[0].form == {
        "To": TO,
        "From": FROM,
        "Body": "Your ticket #42 is in progress",
    }


def test_message_fields_are_the_spec_schema() -> None:
    assert set(SCHEMAS["api.v2010.account.message"]["properties"]) == MESSAGE_FIELDS


def test_the_vendored_schemas_are_twilios() -> None:
    """The subset in the repository is what Twilio's descriptions say (when the full
    descriptions are at hand: the shared specs folder beside a developer's checkout)."""
    from tests.fakes.specs.extract import DEFAULT_SOURCE, extract

    if not DEFAULT_SOURCE.exists():
        pytest.skip(f"Twilio's full OpenAPI descriptions are not at {DEFAULT_SOURCE}")
    assert extract(DEFAULT_SOURCE) == SCHEMAS


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": FROM, "Body": "x"}, 21604),
        ({"To": TO, "Body": "x"}, 21603),
        ({"To": TO, "From": FROM}, 21602),
        ({"To": "07911 123456", "From": FROM, "Body": "x"}, 21211),
        ({"To": TO, "From": FROM, "Body": "x" * 1601}, 21617),
    ],
)
def test_create_validates_like_twilio(fake_twilio: FakeTwilio, form: dict, code: int) -> None:
    status, err = call(fake_twilio, "POST", messages_path(fake_twilio), form)
    assert status == 400 and err["code"] == code and set(err) == ERROR_FIELDS
    assert err["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert fake_twilio.sent_messages() == []


def test_basic_auth_is_checked(fake_twilio: FakeTwilio) -> None:
    status, err = call(fake_twilio, "GET", messages_path(fake_twilio), auth=("AC" + "b" * 32, "x"))
    assert (status, err["code"], err["status"]) == (401, 20003, 401)
    status, _ = call(
        fake_twilio, "GET", messages_path(fake_twilio), auth=(fake_twilio.account_sid, "nope")
    )
    assert status == 401
    status, err = call(fake_twilio, "GET", "/2010-04-01/Accounts/AC" + "c" * 32 + "/Messages.json")
    assert (status, err["code"]) == (404, 20404)


def test_messaging_service_send_starts_accepted(fake_twilio: FakeTwilio) -> None:
    service = "MG" + "1" * 32
    form = {"To": TO, "MessagingServiceSid": service, "Body": "hi"}
    status, msg = call(fake_twilio, "POST", messages_path(fake_twilio), form)
    assert status == 201 and msg["status"] == "accepted" and msg["from"] is None
    assert msg["messaging_service_sid"] == service


def test_fetch_walks_the_status_and_404s_unknown(fake_twilio: FakeTwilio) -> None:
    _, msg = send(fake_twilio)
    path = f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages/{msg['sid']}.json"
    seen = [call(fake_twilio, "GET", path)[1] for _ in range(4)]
    assert [m["status"] for m in seen] == ["sending", "sent", "delivered", "delivered"]
    assert seen[0]["date_sent"] is not None and seen[-1]["price"].startswith("-")
    status, err = call(fake_twilio, "GET", path.replace(msg["sid"], "SM" + "0" * 32))
    assert (status, err["code"]) == (404, 20404)


def test_destination_can_end_undelivered_with_an_error_code(fake_twilio: FakeTwilio) -> None:
    fake_twilio.set_delivery(TO, final="undelivered", error_code=30005)
    _, msg = send(fake_twilio)
    path = f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages/{msg['sid']}.json"
    statuses = [call(fake_twilio, "GET", path)[1] for _ in range(3)]
    assert statuses[1]["error_code"] is None  # errors appear only with the final status
    assert (statuses[2]["status"], statuses[2]["error_code"]) == ("undelivered", 30005)
    assert statuses[2]["error_message"] == "Unknown destination handset"


def test_clock_mode_advances_without_fetches() -> None:
    with FakeTwilio(advance="clock", step_seconds=0.05) as fake:
        send(fake)
        time.sleep(0.3)
        _, listed = call(fake, "GET", messages_path(fake))
        assert listed["messages"][0]["status"] == "delivered"


def test_list_pages_with_page_tokens_newest_first(fake_twilio: FakeTwilio) -> None:
    sids = [send(fake_twilio, body=f"m{i}")[1]["sid"] for i in range(5)]
    status, page = call(fake_twilio, "GET", messages_path(fake_twilio), query={"PageSize": "2"})
    assert status == 200
    assert {
        "first_page_uri",
        "next_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "start",
        "end",
        "uri",
        "messages",
    } == set(page)
    seen, pages = [], []
    while True:
        pages.append((page["page"], page["page_size"], page["start"]))
        seen += [m["sid"] for m in page["messages"]]
        if not page["next_page_uri"]:
            break
        assert "PageToken=PA" in page["next_page_uri"]
        status, page = call(fake_twilio, "GET", page["next_page_uri"])
    assert seen == list(reversed(sids))
    assert pages == [(0, 2, 0), (1, 2, 2), (2, 2, 4)]
    assert page["previous_page_uri"] and page["first_page_uri"].endswith("PageSize=2&Page=0")


def test_list_filters_by_to_from_and_date_sent(fake_twilio: FakeTwilio) -> None:
    other = "+447700900123"
    _, a = send(fake_twilio, to=TO)
    send(fake_twilio, to=other)
    _, listed = call(fake_twilio, "GET", messages_path(fake_twilio), query={"To": TO})
    assert [m["sid"] for m in listed["messages"]] == [a["sid"]]
    _, listed = call(fake_twilio, "GET", messages_path(fake_twilio), query={"From": "+15550000000"})
    assert listed["messages"] == []
    # A queued message has no date_sent, so no DateSent filter matches it yet.
    _, listed = call(
        fake_twilio, "GET", messages_path(fake_twilio), query={"DateSent>": "2000-01-01"}
    )
    assert listed["messages"] == []
    call(fake_twilio, "GET", f"{messages_path(fake_twilio)[:-5]}/{a['sid']}.json")  # -> sending
    today = parsedate_to_datetime(a["date_created"]).strftime("%Y-%m-%d")
    for name, value, found in [
        ("DateSent>", "2000-01-01", True),
        ("DateSent<", "2000-01-01", False),
        ("DateSent", today, True),
        ("DateSent>", "2999-01-01T00:00:00Z", False),
    ]:
        _, listed = call(fake_twilio, "GET", messages_path(fake_twilio), query={name: value})
        assert bool(listed["messages"]) is found, (name, value)
    status, err = call(fake_twilio, "GET", messages_path(fake_twilio), query={"DateSent>": "soon"})
    assert (status, err["code"]) == (400, 20001)


def test_one_shot_faults_then_normal_service(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(429)
    fake_twilio.fail_next(503, path_contains="/Messages.json")
    assert send(fake_twilio)[1] == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }
    assert send(fake_twilio)[0] == 503
    assert send(fake_twilio)[0] == 201
    assert fake_twilio.pending_faults() == 0
    assert [r.status for r in fake_twilio.requests()] == [429, 503, 201]


def test_delay_and_drop_faults(fake_twilio: FakeTwilio) -> None:
    fake_twilio.delay_next(0.3)
    started = time.monotonic()
    assert send(fake_twilio)[0] == 201
    assert time.monotonic() - started >= 0.3
    fake_twilio.drop_next()
    with pytest.raises((URLError, ConnectionError, OSError)):
        send(fake_twilio)
    assert len(fake_twilio.sent_messages()) == 1  # the dropped request created nothing
    assert fake_twilio.requests()[-1].status is None


def test_accept_then_drop_creates_the_message_but_answers_nothing(fake_twilio: FakeTwilio) -> None:
    fake_twilio.accept_then_drop_next()
    with pytest.raises((URLError, ConnectionError, OSError)):
        send(fake_twilio, body="crash window")
    [msg] = fake_twilio.sent_messages()
    assert msg["body"] == "crash window" and msg["status"] == "queued"


def test_per_number_rejections(fake_twilio: FakeTwilio) -> None:
    fake_twilio.reject_to(TO, 21610)
    fake_twilio.reject_to("+447700900999", 63038, status=429, times=1)
    for _ in range(2):  # persistent
        status, err = send(fake_twilio)
        assert (status, err["code"]) == (400, 21610)
    assert send(fake_twilio, to="+447700900999")[1]["code"] == 63038
    assert send(fake_twilio, to="+447700900999")[0] == 201  # one-shot
    assert len(fake_twilio.sent_messages()) == 1


def test_concurrent_sends_are_all_logged_once(fake_twilio: FakeTwilio) -> None:
    def worker(n: int) -> None:
        for i in range(10):
            assert send(fake_twilio, body=f"{n}-{i}")[0] == 201

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = fake_twilio.sent_messages()
    assert len(sent) == 80 == len({m["sid"] for m in sent}) == len({m["body"] for m in sent})
    assert len(fake_twilio.requests()) == 80


def test_segments_gsm7_and_ucs2() -> None:
    assert count_segments("a" * 160) == 1 and count_segments("a" * 161) == 2
    assert count_segments("[" * 80) == 1 and count_segments("[" * 81) == 2  # escape = 2 septets
    assert count_segments("é" * 160) == 1  # é is in GSM 03.38
    assert count_segments("ł" * 70) == 1 and count_segments("ł" * 71) == 2
    assert count_segments("👍" * 35) == 1  # two UTF-16 units each


# ------------------------------------------------------------------------------ TaskRouter
def tr_path(fake: FakeTwilio, rest: str) -> str:
    return f"/v1/Workspaces/{fake.workspace_sid}/{rest}"


def test_taskrouter_lists_page_with_meta(fake_twilio: FakeTwilio) -> None:
    fake_twilio.taskrouter.seed_demo(queues=3, workers_per_queue=4)
    status, page = call(
        fake_twilio, "GET", tr_path(fake_twilio, "Workers"), query={"PageSize": "5"}
    )
    assert status == 200 and page["meta"]["key"] == "workers"
    assert set(page["meta"]) == {
        "first_page_url",
        "key",
        "next_page_url",
        "page",
        "page_size",
        "previous_page_url",
        "url",
    }
    sids = []
    while True:
        sids += [w["sid"] for w in page["workers"]]
        if not page["meta"]["next_page_url"]:
            break
        assert page["meta"]["next_page_url"].startswith(fake_twilio.base_url)
        nxt = page["meta"]["next_page_url"][len(fake_twilio.base_url) :]
        page = call(fake_twilio, "GET", nxt)[1]
    assert sids == list(fake_twilio.taskrouter.workers) and page["meta"]["page"] == 2
    worker = page["workers"][0]
    assert worker["activity_name"] in {"Available", "Unavailable", "Offline"}
    assert json.loads(worker["attributes"]) == {} and worker["date_created"].endswith("Z")
    activities = call(fake_twilio, "GET", tr_path(fake_twilio, "Activities"))[1]["activities"]
    queues = call(fake_twilio, "GET", tr_path(fake_twilio, "TaskQueues"))[1]["task_queues"]
    assert len(activities) == 3 and len(queues) == 3
    # Every object carries exactly the fields of Twilio's schema for it.
    for obj, schema in (
        (worker, "taskrouter.v1.workspace.worker"),
        (activities[0], "taskrouter.v1.workspace.activity"),
        (queues[0], "taskrouter.v1.workspace.task_queue"),
    ):
        assert set(obj) == set(SCHEMAS[schema]["properties"]), schema


def test_taskrouter_can_advertise_twilio_hosts() -> None:
    with FakeTwilio(advertise_twilio_hosts=True) as fake:
        fake.taskrouter.seed_demo()
        page = call(fake, "GET", tr_path(fake, "TaskQueues"), query={"PageSize": "1"})[1]
        assert urlsplit(page["meta"]["next_page_url"]).netloc == "taskrouter.twilio.com"
        assert page["task_queues"][0]["url"].startswith("https://taskrouter.twilio.com/v1/")


def test_taskrouter_statistics_endpoints(fake_twilio: FakeTwilio) -> None:
    tr = fake_twilio.taskrouter
    q = tr.add_queue(
        "Support",
        pending=2,
        assigned=1,
        longest_wait=42,
        task_waits=[(10, "accepted"), (40, "accepted"), (90, "canceled")],
    )
    tr.add_worker("Ann", "Available", [q])
    tr.add_worker("Bob", "Offline", [q])
    bulk = call(
        fake_twilio,
        "GET",
        tr_path(fake_twilio, "TaskQueues/Statistics"),
        query={"SplitByWaitTime": "30"},
    )[1]
    [stats] = bulk["task_queues_statistics"]
    assert set(stats) == set(
        SCHEMAS["taskrouter.v1.workspace.task_queue.task_queues_statistics"]["properties"]
    )
    rt, cum = stats["realtime"], stats["cumulative"]
    assert (rt["longest_task_waiting_age"], rt["total_tasks"]) == (42, 3)
    assert rt["tasks_by_status"] == {"pending": 2, "reserved": 0, "assigned": 1, "wrapping": 0}
    assert (rt["total_available_workers"], rt["total_eligible_workers"]) == (1, 2)
    assert (cum["tasks_entered"], cum["tasks_canceled"], cum["tasks_completed"]) == (3, 1, 2)
    assert cum["avg_task_acceptance_time"] == 25
    assert cum["split_by_wait_time"]["30"]["above"] == {
        "tasks_canceled": 1,
        "reservations_accepted": 1,
    }
    single = call(fake_twilio, "GET", tr_path(fake_twilio, f"TaskQueues/{q}/RealTimeStatistics"))[1]
    assert single["total_eligible_workers"] == 2 and single["url"].endswith("RealTimeStatistics")
    cumulative = call(
        fake_twilio, "GET", tr_path(fake_twilio, f"TaskQueues/{q}/CumulativeStatistics")
    )[1]
    assert cumulative["tasks_entered"] == 3 and cumulative["split_by_wait_time"] is None
    workers = call(fake_twilio, "GET", tr_path(fake_twilio, "Workers/Statistics"))[1]
    assert workers["realtime"]["total_workers"] == 2
    assert {a["friendly_name"] for a in workers["cumulative"]["activity_durations"]} == {
        "Offline",
        "Available",
        "Unavailable",
    }
    for rest in ("Workers/RealTimeStatistics", "Workers/CumulativeStatistics"):
        assert call(fake_twilio, "GET", tr_path(fake_twilio, rest))[0] == 200
    status, err = call(fake_twilio, "GET", "/v1/Workspaces/WS" + "b" * 32 + "/TaskQueues")
    assert (status, err["code"]) == (404, 20404)


def test_taskrouter_rate_counter_and_limit(fake_twilio: FakeTwilio) -> None:
    fake_twilio.rate_limit_per_s = 5
    statuses = [call(fake_twilio, "GET", tr_path(fake_twilio, "Activities"))[0] for _ in range(8)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
    assert fake_twilio.max_requests_in_window() == 8
    assert sum(fake_twilio.requests_per_second().values()) == 8
    send(fake_twilio)  # Messages requests are not TaskRouter's to count
    assert sum(fake_twilio.requests_per_second().values()) == 8


def test_runs_standalone() -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.twilio_server", "--port", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        url = info["api_base"] + f"/v1/Workspaces/{info['workspace_sid']}/TaskQueues"
        req = urllib.request.Request(url)
        token = base64.b64encode(f"{info['account_sid']}:{info['auth_token']}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert len(json.loads(resp.read())["task_queues"]) == 3  # seeded demo workspace
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
