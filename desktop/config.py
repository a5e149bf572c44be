"""Settings: command-line flag > PROXIMITY_* environment variable > config file > default.

The config file is TOML, looked up in this order (the first that exists is used): ``--config
FILE``, ``PROXIMITY_CONFIG``, the per-user config dir, the system-wide config dir, beside the
executable. Keys are grouped in tables (``[database] url = ...``); each key's environment
variable is its dotted name in capitals, e.g. ``twilio.api_base`` -> ``PROXIMITY_TWILIO_API_BASE``.

Secrets never live here: the Twilio auth token comes from the OS keyring or, for a headless
server, ``PROXIMITY_TWILIO_AUTH_TOKEN`` (see ``twilio_auth_token``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "Proximity"
KEYRING_SERVICE = "Proximity Twilio"
TOKEN_ENV = "PROXIMITY_TWILIO_AUTH_TOKEN"


class ConfigError(ValueError):
    """A configuration problem, with one message naming the file, key and expected type."""


@dataclass(frozen=True)
class Option:
    """One setting: dotted key, type, default and help text."""

    key: str
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        return "PROXIMITY_" + self.key.upper().replace(".", "_")

    @property
    def attr(self) -> str:
        return self.key.replace(".", "_")


OPTIONS: tuple[Option, ...] = (
    Option("database.url", str, "", "SQLAlchemy URL; empty = the embedded SQLite file"),
    Option("notifications.dispatcher", bool, True, "run the notification dispatcher here"),
    Option("notifications.lease_seconds", float, 20.0, "dispatcher lock lease (standby takeover)"),
    Option("twilio.account_sid", str, "", "Twilio Account SID (AC...)"),
    Option("twilio.from", str, "", "sender number in E.164"),
    Option("twilio.messaging_service_sid", str, "", "Messaging Service SID (MG...)"),
    Option("twilio.api_base", str, "", "API base URL; empty = Twilio's own hosts"),
    Option("twilio.timeout_seconds", float, 10.0, "HTTP timeout for Twilio calls"),
    Option("taskrouter.workspace_sid", str, "", "TaskRouter workspace SID (WS...)"),
    Option("taskrouter.interval_seconds", float, 15.0, "seconds between TaskRouter syncs"),
    Option("logging.dir", str, "", "log directory; empty = the platform's log dir"),
    Option("logging.level", str, "INFO", "log level", ("DEBUG", "INFO", "WARNING", "ERROR")),
    Option("refresh.live_seconds", float, 2.0, "queues and workload refresh interval"),
    Option("refresh.tickets_seconds", float, 5.0, "ticket board refresh interval"),
    Option("refresh.supervisor_seconds", float, 120.0, "supervisor view refresh interval"),
    Option("coaching.occupancy_max", float, 0.85, "coaching flag: weekly occupancy above this"),
    Option("coaching.occupancy_weeks", float, 3, "coaching flag: ...for this many weeks"),
    Option("coaching.overtime_rising_weeks", float, 2, "coaching flag: overtime up N weeks"),
    Option("coaching.overtime_min_hours", float, 2.0, "coaching flag: ...to at least h/week"),
    Option("coaching.esat_drop", float, 0.5, "coaching flag: eSat mean (1-5) fell by this"),
    Option("coaching.no_coaching_days", float, 30, "coaching flag: days without a session"),
    Option("coaching.qa_item_min_pct", float, 60.0, "coaching flag: QA item mean below %"),
    Option("coaching.qa_item_min_reviews", float, 3, "coaching flag: ...over N reviews"),
    Option("coaching.aht_deviation", float, 0.3, "coaching flag: AHT this far from median"),
    Option("coaching.csat_move_points", float, 5.0, "coaching flag: ...while CSAT moved"),
    Option("coaching.queue_change_drop_points", float, 8.0, "coaching flag: after a move"),
    Option("coaching.silence_share", float, 0.4, "coaching flag: share of silence breaches"),
    Option("coaching.silence_min_breaches", float, 5, "coaching flag: ...of at least N"),
    Option("coaching.follow_up_overdue_days", float, 7, "follow-up overdue this long: high"),
    Option("ui.language", str, "en", "interface language (available: en)"),
    Option("ui.theme", str, "system", "colour theme", ("system", "light", "dark")),
    Option("import.phone_region", str, "US", "region for phone numbers without +country"),
    Option("sla.at_risk_fraction", float, 0.8, "share of an SLA target after which it is at risk"),
    Option("demo.simulator", str, "auto", "live demo simulator", ("auto", "on", "off")),
    Option("user.name", str, "", "sign in as this employee username; empty = OS user"),
)
OPTIONS_BY_KEY: dict[str, Option] = {o.key: o for o in OPTIONS}
# Secrets are refused in a file (readable by anyone who can read the file), with the reason.
SECRET_KEYS = frozenset({"twilio.auth_token", "twilio.token", "twilio.password"})
_KIND_HINT = {str: "text in quotes", float: "a number", bool: "true or false"}
_URL_PASSWORD = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)([^@/]+)(@)")


def mask_url_password(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:****@host/db``."""
    return _URL_PASSWORD.sub(r"\1****\3", url)


@dataclass(frozen=True)
class Settings:
    """The effective settings and where each value came from."""

    values: Mapping[str, Any]
    origins: Mapping[str, str]
    config_file: Path | None = None
    searched: tuple[Path, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def database_url(self) -> str:
        return str(self.values["database.url"])

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with values set from code (e.g. tests), origin ``override``."""
        values = dict(self.values)
        origins = dict(self.origins)
        for attr, value in overrides.items():
            key = next(o.key for o in OPTIONS if o.attr == attr)
            values[key] = value
            origins[key] = "override"
        return Settings(values, origins, self.config_file, self.searched)


def candidate_files(
    cli_file: str | None, env: Mapping[str, str], frozen_dir: Path | None = None
) -> list[Path]:
    """Config file candidates in lookup order."""
    from platformdirs import site_config_path, user_config_path

    found: list[Path] = []
    if cli_file:
        found.append(Path(cli_file).expanduser())
    if env.get("PROXIMITY_CONFIG"):
        found.append(Path(env["PROXIMITY_CONFIG"]).expanduser())
    found.append(user_config_path(APP_NAME, APP_NAME) / "proximity.toml")
    found.append(site_config_path(APP_NAME, APP_NAME) / "proximity.toml")
    exe_dir = frozen_dir or Path(sys.executable).resolve().parent
    found.append(exe_dir / "proximity.toml")
    return found


def _coerce(option: Option, value: Any, where: str) -> Any:
    expected = option.kind.__name__
    if option.kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
            return False
    elif option.kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif option.kind is str and isinstance(value, str):
        if option.choices and value not in option.choices:
            raise ConfigError(
                f"{where}: key '{option.key}' must be one of {', '.join(option.choices)}, "
                f"not {value!r}"
            )
        return value
    raise ConfigError(
        f"{where}: key '{option.key}' expects {expected} ({_KIND_HINT[option.kind]}), got {value!r}"
    )


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and validate one TOML file; unknown keys and wrong types raise ``ConfigError``."""
    import tomllib  # only when there is a file: most workstations have none

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    values: dict[str, Any] = {}
    for key, value in _flatten(raw).items():
        option = OPTIONS_BY_KEY.get(key)
        if key in SECRET_KEYS:
            raise ConfigError(
                f"{path}: key '{key}' is not allowed: secrets never go in a configuration "
                f"file. Store the Twilio auth token in the OS keyring (service "
                f"'{KEYRING_SERVICE}', user = the account SID) or, on a headless server, in "
                f"the environment variable {TOKEN_ENV}."
            )
        if option is None:
            known = ", ".join(sorted(OPTIONS_BY_KEY))
            raise ConfigError(f"{path}: unknown key '{key}' (known keys: {known})")
        values[key] = _coerce(option, value, str(path))
    return values


def load_settings(
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: str | None = None,
    frozen_dir: Path | None = None,
) -> Settings:
    """Build the effective settings.

    Args:
        cli: values from command-line flags, by dotted key (None values are ignored).
        env: the environment (``os.environ`` by default).
        config_file: the ``--config`` flag.
        frozen_dir: folder of the executable (tests pass one).

    Raises:
        ConfigError: a named file is missing, or a file or variable has a bad key or value.
    """
    env = os.environ if env is None else env
    cli = cli or {}
    values = {o.key: o.default for o in OPTIONS}
    origins = {o.key: "default" for o in OPTIONS}
    searched = candidate_files(config_file, env, frozen_dir)
    explicit = bool(config_file) or bool(env.get("PROXIMITY_CONFIG"))
    chosen: Path | None = None
    for candidate in searched:
        if candidate.is_file():
            chosen = candidate
            break
        if explicit and candidate == searched[0]:
            raise ConfigError(f"{candidate}: configuration file not found")
    if chosen is not None:
        for key, value in read_config_file(chosen).items():
            values[key] = value
            origins[key] = str(chosen)
    for option in OPTIONS:
        if option.env in env:
            values[option.key] = _coerce(option, env[option.env], f"environment {option.env}")
            origins[option.key] = f"env {option.env}"
    for key, value in cli.items():
        if value is None:
            continue
        option = OPTIONS_BY_KEY[key]
        values[key] = _coerce(option, value, "command line")
        origins[key] = "command line"
    return Settings(values, origins, chosen, tuple(searched))


def describe(
    settings: Settings, token_source: Callable[[Settings], str | None] | None = None
) -> str:
    """Human listing of the effective configuration and where each value came from."""
    lines = [f"config file: {settings.config_file or '(none found)'}"]
    if settings.searched:
        lines.append("looked for, in order:")
        lines += [
            f"  {'*' if path == settings.config_file else '-'} {path}" for path in settings.searched
        ]
    width = max(len(o.key) for o in OPTIONS)
    for option in OPTIONS:
        value = settings.values[option.key]
        if isinstance(value, str):
            value = mask_url_password(value)
        shown = "(empty)" if value == "" else repr(value) if isinstance(value, str) else value
        lines.append(f"{option.key:<{width}}  {shown}    [{settings.origins[option.key]}]")
    if token_source is not None:
        where = token_source(settings)
        lines.append(
            f"{'twilio.auth_token':<{width}}  {'****' if where else '(not set)'}    "
            f"[{where or 'keyring/env'}]"
        )
    return "\n".join(lines)


def twilio_auth_token(settings: Settings, env: Mapping[str, str] | None = None) -> str | None:
    """The Twilio auth token: ``PROXIMITY_TWILIO_AUTH_TOKEN``, else the OS keyring.

    Call it off the GUI thread: the keyring backend may talk to a system service.
    """
    from desktop.log_redaction import register_secret

    env = os.environ if env is None else env
    if env.get(TOKEN_ENV):
        register_secret(env[TOKEN_ENV])  # whatever logs it later, the log never shows it
        return env[TOKEN_ENV]
    account = settings.values.get("twilio.account_sid")
    if not account:
        return None
    try:
        import keyring

        token = keyring.get_password(KEYRING_SERVICE, account)
    except Exception:  # noqa: BLE001 - no usable keyring backend on this machine
        return None
    register_secret(token)
    return token


def token_source(settings: Settings) -> str | None:
    """Where the token would come from, without revealing it."""
    if os.environ.get(TOKEN_ENV):
        return f"env {TOKEN_ENV}"
    return "keyring" if twilio_auth_token(settings) else None
