"""SMS text: GSM-7 / UCS-2 segment counting and safe message templates.

Templates use named placeholders (``{ticket_id}``). They are walked with
``string.Formatter().parse`` and substituted by hand: ``str.format`` is never called on user
text, so a template cannot reach attributes or items of the values (``{x.__class__}``).
Literal braces are written ``{{`` and ``}}``.
"""

from __future__ import annotations

import difflib
import functools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

# 3GPP TS 23.038 default alphabet, in table order (0x1B, the escape, is not a character).
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + code, so it costs two septets.
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

_GSM_SINGLE, _GSM_MULTI = 160, 153  # a multipart message spends 7 septets on its header
_UCS2_SINGLE, _UCS2_MULTI = 70, 67
MAX_SEGMENTS = 10

PLACEHOLDERS: Mapping[str, str] = {
    "ticket_id": "The ticket number, e.g. 12345",
    "customer_first_name": "The customer's first name",
    "status": "The ticket's status, in the message language",
    "agent_first_name": "First name of the agent who owns the ticket (empty if unassigned)",
    "queue": "Name of the ticket's queue",
    "company": "Our company name, as customers know it",
}

# Realistic, somewhat long values: used to check a template's length when it is saved.
SAMPLE_VALUES: Mapping[str, str] = {
    "ticket_id": "1234567",
    "customer_first_name": "Alexandra",
    "status": "waiting for your reply",
    "agent_first_name": "Maximilian",
    "queue": "Billing and payments",
    "company": "Proximity Support",
}

# Control characters and bidirectional overrides (which can make a value display reversed).
_UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_HORIZONTAL_SPACE = re.compile(r"[ \t]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """How a text travels as SMS.

    Attributes:
        encoding: "GSM-7" when every character is in the GSM alphabet, else "UCS-2".
        units: septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2).
        segments: number of SMS parts billed; 0 for an empty text.
        per_segment: capacity of each part at this length (160/153 or 70/67).
    """

    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    segments: int
    per_segment: int


class TemplateError(ValueError):
    """A template that cannot be rendered; ``errors`` holds the human-readable reasons."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _count_parts(costs: list[int], per_part: int) -> int:
    """Parts needed when a character (escape pair, surrogate pair) is never split."""
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts


def sms_segments(text: str) -> SegmentInfo:
    """Encoding, length and segment count of ``text`` as an SMS.

    GSM-7: 160 septets in one part, 153 per part beyond; extension characters (``€ [ ] { }``
    and friends) take 2 and an escape pair never straddles two parts. UCS-2: 70 UTF-16 code
    units in one part, 67 per part beyond; characters outside the BMP (most emoji) take 2
    and a surrogate pair is never split.

    Args:
        text: the final message text.

    Returns:
        A ``SegmentInfo``.
    """
    costs: list[int] = []
    for char in text:
        if char in GSM7_BASIC:
            costs.append(1)
        elif char in GSM7_EXTENSION:
            costs.append(2)
        else:
            break
    else:
        units = sum(costs)
        if units <= _GSM_SINGLE:
            return SegmentInfo("GSM-7", units, 1 if units else 0, _GSM_SINGLE)
        return SegmentInfo("GSM-7", units, _count_parts(costs, _GSM_MULTI), _GSM_MULTI)
    costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
    units = sum(costs)
    if units <= _UCS2_SINGLE:
        return SegmentInfo("UCS-2", units, 1, _UCS2_SINGLE)
    return SegmentInfo("UCS-2", units, _count_parts(costs, _UCS2_MULTI), _UCS2_MULTI)


def non_gsm_characters(text: str) -> list[str]:
    """The distinct characters that force UCS-2 (for the editor: "’ makes this UCS-2")."""
    seen: dict[str, None] = {}
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            seen.setdefault(char)
    return list(seen)


def _field_errors(name: str, spec: str, conversion: str | None) -> list[str]:
    """Errors of one ``{...}`` field, as the parser reported it."""
    shown = (
        "{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
    )
    if not name.strip():
        return [f"Placeholder {shown} has no name; use a named one such as {{ticket_id}}."]
    if name.strip().isdigit():
        return [
            f"Positional placeholder {shown} is not allowed; use a named one such as {{ticket_id}}."
        ]
    if "." in name or "[" in name:
        return [
            f"Placeholder {shown} uses attribute or index access; only plain names are allowed."
        ]
    errors: list[str] = []
    if name not in PLACEHOLDERS:
        close = difflib.get_close_matches(name.strip().lower(), list(PLACEHOLDERS), n=1, cutoff=0.6)
        hint = f" Did you mean {{{close[0]}}}?" if close else ""
        known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
        errors.append(f"Unknown placeholder {{{name}}}.{hint} Known placeholders: {known}.")
    if spec or conversion:
        errors.append(
            f"Placeholder {shown} has a format spec or conversion; write {{{name.strip()}}}."
        )
    return errors


@functools.lru_cache(maxsize=512)
def _parse(text: str) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    """Literal/field pairs and structural errors, each error reported once (remembered per
    text: a dispatcher renders the same few templates for every message)."""
    pieces: list[tuple[str, str | None]] = []
    errors: list[str] = []
    try:
        for literal, name, spec, conversion in _FORMATTER.parse(text):
            pieces.append((literal, name))
            if name is not None:
                for error in _field_errors(name, spec or "", conversion):
                    if error not in errors:
                        errors.append(error)
    except ValueError:
        errors.append(
            "Unbalanced braces: every { needs a matching } around a placeholder name. "
            "Write {{ or }} for a literal brace."
        )
    return tuple(pieces), tuple(errors)


def validate_template(text: str) -> list[str]:
    """Check a template when it is saved, so problems never surface as a failed send.

    Args:
        text: the template, with named placeholders such as ``{ticket_id}``.

    Returns:
        Human-readable error messages; empty when the template is valid. Checked: empty
        text, unbalanced braces, positional ``{}``/``{0}``, attribute or index access,
        format specs and conversions, unknown names (with the closest known one), and a
        length above ``MAX_SEGMENTS`` segments when rendered with ``SAMPLE_VALUES``.
    """
    if not text or not text.strip():
        return ["The message is empty."]
    pieces, parsed_errors = _parse(text)
    errors = list(parsed_errors)
    measured = text if errors else _substitute(pieces, SAMPLE_VALUES, "")
    info = sms_segments(measured)
    if info.segments > MAX_SEGMENTS:
        errors.append(
            f"The message is {info.segments} SMS segments long ({info.encoding}, with sample "
            f"values); the limit is {MAX_SEGMENTS}."
        )
    return errors


def _clean_value(value: object) -> str:
    """A value as a single line: controls become spaces, whitespace runs collapse."""
    return " ".join(_UNSAFE_CHARS.sub(" ", str(value)).split())


def _substitute(
    pieces: Sequence[tuple[str, str | None]], values: Mapping[str, object], missing: str
) -> str:
    parts: list[str] = []
    for literal, name in pieces:
        parts.append(literal)
        if name is not None:
            parts.append(_clean_value(values.get(name, missing)))
    text = _HORIZONTAL_SPACE.sub(" ", "".join(parts))
    # An empty value must not leave a double space or a space before a line break.
    return _SPACE_AROUND_NEWLINE.sub("\n", text).strip()


def render_template(text: str, values: Mapping[str, str], *, missing: str = "") -> str:
    """Render a template by plain substitution of named placeholders.

    Values are cleaned (control and bidi-override characters removed, whitespace collapsed to
    single spaces) and inserted literally; braces inside values are not interpreted. Runs of
    spaces in the result collapse to one and the result is stripped; line breaks written in
    the template are kept. The length is not enforced here: check ``sms_segments`` on the
    result.

    Args:
        text: the template.
        values: placeholder name -> value; non-string values are converted with ``str``.
        missing: used for a known placeholder absent from ``values`` (e.g. no agent yet).

    Returns:
        The message text.

    Raises:
        TemplateError: empty text or any structural error ``validate_template`` reports.
    """
    if not text or not text.strip():
        raise TemplateError(["The message is empty."])
    pieces, errors = _parse(text)
    if errors:
        raise TemplateError(list(errors))
    return _substitute(pieces, values, missing)


# Default templates: DEFAULT_TEMPLATES[template_key][language]. Written in the GSM-7 alphabet
# (no á, ç, ê...) so each stays one 160-character segment with typical values.
DEFAULT_TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "acknowledgement": {
        "en": "Hi {customer_first_name}, we have received your request #{ticket_id} and will "
        "get back to you soon. {company}",
        "fr": "Bonjour {customer_first_name}, nous avons bien enregistré votre demande "
        "#{ticket_id} et reviendrons vers vous rapidement. {company}",
        "es": "Hola {customer_first_name}, hemos recibido su solicitud #{ticket_id} y le "
        "responderemos pronto. {company}",
        "de": "Hallo {customer_first_name}, wir haben Ihre Anfrage #{ticket_id} erhalten und "
        "melden uns in Kürze. {company}",
    },
    "status_pending": {
        "en": "Hi {customer_first_name}, your request #{ticket_id} is waiting for your reply. "
        "Please answer our last message so we can continue. {company}",
        "fr": "Bonjour {customer_first_name}, votre demande #{ticket_id} attend votre réponse. "
        "Merci de répondre à notre dernier message. {company}",
        "es": "Hola {customer_first_name}, su solicitud #{ticket_id} espera su respuesta. Por "
        "favor, responda a nuestro mensaje anterior. {company}",
        "de": "Hallo {customer_first_name}, Ihre Anfrage #{ticket_id} wartet auf Ihre Antwort. "
        "Bitte antworten Sie auf unsere letzte Nachricht. {company}",
    },
    "status_on_hold": {
        "en": "Hi {customer_first_name}, your request #{ticket_id} is on hold while we wait for "
        "a third party. We will keep you posted. {company}",
        "fr": "Bonjour {customer_first_name}, votre demande #{ticket_id} est en attente d'un "
        "tiers. Nous vous tiendrons au courant. {company}",
        "es": "Hola {customer_first_name}, su solicitud #{ticket_id} queda en espera de un "
        "tercero. Le mantendremos informado. {company}",
        "de": "Hallo {customer_first_name}, Ihre Anfrage #{ticket_id} ruht, bis ein Dritter "
        "antwortet. Wir halten Sie auf dem Laufenden. {company}",
    },
    "status_solved": {
        "en": "Hi {customer_first_name}, your request #{ticket_id} has been solved. Contact us "
        "if you need anything else. {company}",
        "fr": "Bonjour {customer_first_name}, votre demande #{ticket_id} est résolue. "
        "Contactez-nous si besoin. {company}",
        "es": "Hola {customer_first_name}, su solicitud #{ticket_id} ha sido resuelta. Si "
        "necesita algo, contacte con nosotros. {company}",
        "de": "Hallo {customer_first_name}, Ihre Anfrage #{ticket_id} wurde gelöst. Melden Sie "
        "sich gern, wenn Sie noch etwas brauchen. {company}",
    },
    "still_working": {
        "en": "Hi {customer_first_name}, we are still working on your request #{ticket_id}. "
        "Thank you for your patience. {company}",
        "fr": "Bonjour {customer_first_name}, nous travaillons toujours sur votre demande "
        "#{ticket_id}. Merci de votre patience. {company}",
        "es": "Hola {customer_first_name}, seguimos trabajando en su solicitud #{ticket_id}. "
        "Gracias por su paciencia. {company}",
        "de": "Hallo {customer_first_name}, wir arbeiten weiter an Ihrer Anfrage #{ticket_id}. "
        "Danke für Ihre Geduld. {company}",
    },
}


def default_template(template_key: str, language: str | None) -> str:
    """The built-in template for a key, in a language, falling back to English.

    Args:
        template_key: e.g. "acknowledgement" or "status_pending" (see ``DEFAULT_TEMPLATES``).
        language: a tag such as "fr" or "fr-CA" (only the primary subtag is used).

    Raises:
        KeyError: for an unknown template key.
    """
    by_language = DEFAULT_TEMPLATES[template_key]
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    return by_language.get(primary, by_language["en"])
