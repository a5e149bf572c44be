"""SMS segment counting and template validation/rendering."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.core.sms_text import (
    DEFAULT_TEMPLATES,
    GSM7_BASIC,
    GSM7_EXTENSION,
    PLACEHOLDERS,
    SAMPLE_VALUES,
    SegmentInfo,
    TemplateError,
    default_template,
    non_gsm_characters,
    render_template,
    sms_segments,
    validate_template,
)

# ------------------------------------------------------------------------ segments


def test_alphabets() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes minus the escape
    assert len(GSM7_EXTENSION) == 10
    assert {"@", "£", "é", "Ö", "\n", "Δ"} <= GSM7_BASIC
    assert not GSM7_BASIC & GSM7_EXTENSION


def test_empty_text() -> None:
    assert sms_segments("") == SegmentInfo("GSM-7", 0, 0, 160)


@pytest.mark.parametrize(
    ("length", "segments", "per_segment"),
    [(1, 1, 160), (160, 1, 160), (161, 2, 153), (306, 2, 153), (307, 3, 153)],
)
def test_gsm_boundaries(length: int, segments: int, per_segment: int) -> None:
    assert sms_segments("a" * length) == SegmentInfo("GSM-7", length, segments, per_segment)


def test_extension_characters_count_two() -> None:
    assert sms_segments("€" * 80) == SegmentInfo("GSM-7", 160, 1, 160)
    assert sms_segments("€" * 81).segments == 2
    assert sms_segments("[x]").units == 5


def test_escape_pair_is_never_split_across_parts() -> None:
    # 306 septets would fit in 2 x 153, but the € cannot straddle parts one and two.
    text = "a" * 152 + "€" + "a" * 152
    info = sms_segments(text)
    assert (info.units, info.segments) == (306, 3)


@pytest.mark.parametrize(
    ("length", "segments", "per_segment"),
    [(70, 1, 70), (71, 2, 67), (134, 2, 67), (135, 3, 67)],
)
def test_ucs2_boundaries(length: int, segments: int, per_segment: int) -> None:
    assert sms_segments("你" * length) == SegmentInfo("UCS-2", length, segments, per_segment)


def test_one_non_gsm_character_switches_the_whole_message() -> None:
    assert sms_segments("a" * 69 + "’") == SegmentInfo("UCS-2", 70, 1, 70)
    assert sms_segments("a" * 70 + "’").segments == 2
    assert sms_segments("ça").encoding == "UCS-2"  # lowercase ç is not GSM (Ç is)
    assert non_gsm_characters("Merci ’ ç ’ é") == ["’", "ç"]


def test_emoji_take_two_code_units() -> None:
    assert sms_segments("😀" * 35) == SegmentInfo("UCS-2", 70, 1, 70)
    assert sms_segments("😀" * 36) == SegmentInfo("UCS-2", 72, 2, 67)


def test_surrogate_pair_is_never_split_across_parts() -> None:
    info = sms_segments("a" * 66 + "😀" + "a" * 66)  # 134 units, yet 3 parts
    assert (info.units, info.segments) == (134, 3)


# ------------------------------------------------------------------------ validation


def test_placeholders_are_documented() -> None:
    assert set(PLACEHOLDERS) == {
        "ticket_id",
        "customer_first_name",
        "status",
        "agent_first_name",
        "queue",
        "company",
    }
    assert all(PLACEHOLDERS.values())
    assert set(SAMPLE_VALUES) == set(PLACEHOLDERS)


def test_valid_template() -> None:
    assert validate_template("Hi {customer_first_name}, ticket {ticket_id} is {status}.") == []
    assert validate_template("Literal {{braces}} are fine") == []


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_template(text: str) -> None:
    assert validate_template(text) == ["The message is empty."]


def test_unknown_placeholder_suggests_the_closest() -> None:
    [error] = validate_template("Ticket {tiket_id}")
    assert "Unknown placeholder {tiket_id}" in error
    assert "Did you mean {ticket_id}?" in error
    [error] = validate_template("Hello {Customer_First_Name}")
    assert "Did you mean {customer_first_name}?" in error
    [error] = validate_template("{weather}")
    assert "Unknown placeholder {weather}" in error and "Did you mean" not in error


def test_same_error_is_reported_once() -> None:
    assert len(validate_template("{foo} and {foo}")) == 1


@pytest.mark.parametrize("text", ["Hello {ticket_id", "Hello ticket_id}", "{", "x { y"])
def test_unbalanced_braces(text: str) -> None:
    errors = validate_template(text)
    assert any("Unbalanced braces" in error for error in errors), errors


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{}", "has no name"),
        ("{0}", "Positional"),
        ("{ticket_id.real}", "attribute or index"),
        ("{ticket_id[0]}", "attribute or index"),
        ("{ticket_id.__class__}", "attribute or index"),
        ("{ticket_id:>10}", "format spec or conversion"),
        ("{ticket_id!r}", "format spec or conversion"),
    ],
)
def test_forbidden_field_forms(text: str, fragment: str) -> None:
    errors = validate_template(f"Ticket {text}")
    assert len(errors) == 1 and fragment in errors[0], errors


def test_length_limit_is_ten_segments() -> None:
    assert validate_template("x" * 1530) == []  # exactly 10 x 153
    [error] = validate_template("x" * 1531)
    assert "11 SMS segments" in error and "limit is 10" in error


def test_length_is_measured_with_sample_values() -> None:
    text = "x" * 1515 + " {customer_first_name}"  # 1516 + len("Alexandra") = 1525 septets
    assert validate_template(text) == []
    assert validate_template(text + " {queue}")  # + 21 septets: over 1530


# ------------------------------------------------------------------------ rendering


def test_render_substitutes_named_placeholders() -> None:
    text = render_template(
        "Hi {customer_first_name}, #{ticket_id} is {status}. {{ok}}",
        {"customer_first_name": "Ann", "ticket_id": "42", "status": "solved"},
    )
    assert text == "Hi Ann, #42 is solved. {ok}"


def test_values_are_inserted_literally_not_interpreted() -> None:
    text = render_template("{customer_first_name}", {"customer_first_name": "{company} {0}"})
    assert text == "{company} {0}"


def test_values_are_cleaned() -> None:
    values: dict[str, Any] = {"customer_first_name": "Ann\x00\r\n\t Marie\u202e\x1b[31m  "}
    values["ticket_id"] = 7  # not a str: converted
    text = render_template("Hi {customer_first_name} #{ticket_id}", values)
    assert text == "Hi Ann Marie [31m #7"


def test_missing_value_leaves_no_double_space() -> None:
    text = render_template("Hi {customer_first_name} from {agent_first_name} at {company}", {})
    assert text == "Hi from at"
    assert render_template("{agent_first_name}\nBye", {}) == "Bye"
    assert render_template("A\n{agent_first_name} B", {}, missing="team") == "A\nteam B"


def test_render_refuses_invalid_templates() -> None:
    with pytest.raises(TemplateError) as caught:
        render_template("{ticket_id.__class__} {nope}", {"ticket_id": "1"})
    assert isinstance(caught.value, ValueError)
    assert len(caught.value.errors) == 2
    with pytest.raises(TemplateError, match="empty"):
        render_template("  ", {})


# ------------------------------------------------------------------------ defaults


KEYS = ["acknowledgement", "status_pending", "status_on_hold", "status_solved", "still_working"]


def test_default_templates_cover_every_event_and_language() -> None:
    assert set(DEFAULT_TEMPLATES) == set(KEYS)
    for by_language in DEFAULT_TEMPLATES.values():
        assert {"en", "fr", "es", "de"} <= set(by_language)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("language", ["en", "fr", "es", "de"])
def test_default_templates_are_valid_single_gsm_segments(key: str, language: str) -> None:
    template = DEFAULT_TEMPLATES[key][language]
    assert validate_template(template) == []
    info = sms_segments(render_template(template, SAMPLE_VALUES))
    assert (info.encoding, info.segments) == ("GSM-7", 1), (key, language, info)


def test_default_template_language_fallback() -> None:
    assert default_template("still_working", "fr-CA") == DEFAULT_TEMPLATES["still_working"]["fr"]
    assert default_template("still_working", "de_AT") == DEFAULT_TEMPLATES["still_working"]["de"]
    assert default_template("still_working", "pt") == DEFAULT_TEMPLATES["still_working"]["en"]
    assert default_template("still_working", None) == DEFAULT_TEMPLATES["still_working"]["en"]
    with pytest.raises(KeyError):
        default_template("status_open", "en")
