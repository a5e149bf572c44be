"""``proximity config check``: what loading the settings alone cannot tell (no Qt here).

Loading already refuses unknown keys, wrong types and secrets in a file. This checks the
values against each other and the machine: well-formed SIDs, a Twilio set-up that can send,
a writable log directory, no password in a file or variable. The database connection itself
is tested by the command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from desktop.config import TOKEN_ENV, Settings, mask_url_password


@dataclass(frozen=True)
class Finding:
    """One result of :func:`check_settings`: an ``error`` stops ``config check``."""

    severity: str  # "error" or "warning"
    text: str


_SID_PREFIXES = {
    "twilio.account_sid": "AC",
    "twilio.messaging_service_sid": "MG",
    "taskrouter.workspace_sid": "WS",
}


def check_settings(
    settings: Settings, token_lookup: Callable[[Settings], str | None] | None = None
) -> list[Finding]:
    """What loading alone cannot tell: well-formed SIDs, a complete Twilio set-up, a writable
    log directory, no password in a configuration file.

    Args:
        settings: the effective settings.
        token_lookup: where the Twilio token would come from, e.g. :func:`token_source`
            (None skips that check, which may ask the OS keyring).
    """
    found: list[Finding] = []
    for key, prefix in _SID_PREFIXES.items():
        value = settings[key]
        if value and not re.fullmatch(prefix + r"[0-9a-fA-F]{32}", value):
            found.append(
                Finding(
                    "error",
                    f"{key} = {value!r} ({settings.origins[key]}) is not a SID: expected "
                    f"{prefix} followed by 32 hexadecimal digits",
                )
            )
    if settings["twilio.account_sid"]:
        if not (settings["twilio.from"] or settings["twilio.messaging_service_sid"]):
            found.append(
                Finding(
                    "error",
                    "twilio.account_sid is set but neither twilio.from nor "
                    "twilio.messaging_service_sid: SMS have no sender",
                )
            )
        if (
            settings["notifications.dispatcher"]
            and token_lookup is not None
            and not token_lookup(settings)
        ):
            found.append(
                Finding(
                    "warning",
                    f"no Twilio auth token: this workstation runs the dispatcher but cannot "
                    f"send until the token is in the OS keyring or {TOKEN_ENV}",
                )
            )
    url = settings.database_url
    origin = settings.origins["database.url"]
    if url != mask_url_password(url) and origin not in ("command line", "default"):
        found.append(
            Finding(
                "warning",
                f"database.url ({origin}) contains a password; prefer a password file "
                "(PostgreSQL: ~/.pgpass or PGPASSFILE) so it is not in the file or environment",
            )
        )
    found += _check_language(settings)
    found += _check_log_dir(settings)
    return found


# The interface languages Proximity is translated to; a translation adds its code here and
# its resources/translations/proximity_<code>.qm (build.spec bundles Qt's own for it too).
LANGUAGES = ("en",)


def _check_language(settings: Settings) -> list[Finding]:
    wanted = str(settings["ui.language"]).strip()
    if wanted.replace("-", "_").split("_")[0].lower() in LANGUAGES:
        return []
    return [
        Finding(
            "warning",
            f"ui.language = {wanted!r} ({settings.origins['ui.language']}): Proximity is not "
            f"translated to it yet, the interface stays in English (available: "
            f"{', '.join(LANGUAGES)})",
        )
    ]


def _check_log_dir(settings: Settings) -> list[Finding]:
    from desktop.logging_setup import log_dir

    folder = log_dir(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".proximity-write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return [Finding("error", f"log directory {folder} is not writable: {exc}")]
    return []
