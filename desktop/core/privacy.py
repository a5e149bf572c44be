"""Masking of personal data for log lines and diagnostics (pure Python).

Phone numbers are personal data: a log line must be useful to an operator (which country,
which number roughly) without identifying the customer.
"""

from __future__ import annotations

_CHANNEL_SEPARATOR = ":"


def mask_phone(number: str | None) -> str:
    """Mask a phone number for logs, keeping the leading four digits and the last two.

    A ``channel:`` prefix such as ``whatsapp:`` is kept. Short or odd values are masked more
    heavily rather than less: nothing here ever reveals more than six characters.

    Args:
        number: an E.164 number such as ``+447911123412``, possibly with a channel prefix;
            None or empty gives an empty string.

    Returns:
        The masked text, same length as the input, e.g. ``+4479******12``.

    Examples:
        >>> mask_phone("+447911123412")
        '+4479******12'
        >>> mask_phone("whatsapp:+15551234567")
        'whatsapp:+1555*****67'
    """
    if not number:
        return ""
    prefix, sep, rest = number.rpartition(_CHANNEL_SEPARATOR)
    channel = prefix + sep
    plus = "+" if rest.startswith("+") else ""
    digits = rest[len(plus) :]
    if len(digits) >= 10:
        keep_head, keep_tail = 4, 2
    elif len(digits) >= 6:
        keep_head, keep_tail = 0, 2
    else:
        keep_head, keep_tail = 0, 0
    hidden = len(digits) - keep_head - keep_tail
    tail = digits[len(digits) - keep_tail :] if keep_tail else ""
    return f"{channel}{plus}{digits[:keep_head]}{'*' * hidden}{tail}"
