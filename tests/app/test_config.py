"""Settings precedence, the config file lookup and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.config import ConfigError, describe, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    s = load_settings(env={}, frozen_dir=tmp_path)
    assert s.database_url == ""
    assert s["refresh.live_seconds"] == 2.0
    assert s.origins["database.url"] == "default"
    assert s.config_file is None


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "p.toml", '[database]\nurl = "sqlite:///file.db"\n[refresh]\nlive_seconds = 5\n'
    )
    env = {"PROXIMITY_DATABASE_URL": "sqlite:///env.db"}
    s = load_settings(env=env, config_file=str(cfg), frozen_dir=tmp_path)
    assert s.database_url == "sqlite:///env.db"
    assert s.origins["database.url"] == "env PROXIMITY_DATABASE_URL"
    assert s["refresh.live_seconds"] == 5.0 and s.origins["refresh.live_seconds"] == str(cfg)
    s = load_settings(
        cli={"database.url": "sqlite:///cli.db"}, env=env, config_file=str(cfg), frozen_dir=tmp_path
    )
    assert s.database_url == "sqlite:///cli.db" and s.origins["database.url"] == "command line"


def test_file_beside_executable_is_found(tmp_path: Path) -> None:
    write(tmp_path / "proximity.toml", '[ui]\ntheme = "dark"\n')
    s = load_settings(env={}, frozen_dir=tmp_path)
    assert s["ui.theme"] == "dark" and s.config_file == tmp_path / "proximity.toml"


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[database]\nurll = 'x'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)
    assert str(cfg) in str(info.value) and "database.urll" in str(info.value)


def test_wrong_type_names_expected_type(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[refresh]\nlive_seconds = 'fast'\n")
    with pytest.raises(ConfigError, match=r"refresh.live_seconds' expects float"):
        load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)


def test_bad_choice_and_bad_env(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[ui]\ntheme = 'purple'\n")
    with pytest.raises(ConfigError, match="must be one of"):
        load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)
    with pytest.raises(ConfigError, match="PROXIMITY_NOTIFICATIONS_DISPATCHER"):
        load_settings(env={"PROXIMITY_NOTIFICATIONS_DISPATCHER": "maybe"}, frozen_dir=tmp_path)


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(env={}, config_file=str(tmp_path / "nope.toml"), frozen_dir=tmp_path)


def test_invalid_toml(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[database\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)


def test_describe_lists_origins_and_never_a_token(tmp_path: Path) -> None:
    s = load_settings(env={"PROXIMITY_TWILIO_ACCOUNT_SID": "AC123"}, frozen_dir=tmp_path)
    text = describe(s, lambda _s: "env PROXIMITY_TWILIO_AUTH_TOKEN")
    assert "twilio.account_sid" in text and "env PROXIMITY_TWILIO_ACCOUNT_SID" in text
    assert "twilio.auth_token" in text and "****" in text
