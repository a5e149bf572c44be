"""Settings precedence, the config file lookup and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.config import ConfigError, describe, load_settings
from desktop.config_check import check_settings


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


def test_lookup_order_of_the_whole_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--config > PROXIMITY_CONFIG > user dir > site dir > beside the executable."""
    user_dir, site_dir, exe_dir = tmp_path / "user", tmp_path / "site", tmp_path / "exe"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user_dir))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(site_dir))
    files = {
        "exe": exe_dir / "proximity.toml",
        "site": site_dir / "Proximity" / "proximity.toml",
        "user": user_dir / "Proximity" / "proximity.toml",
        "env": tmp_path / "env.toml",
        "flag": tmp_path / "flag.toml",
    }
    found = []
    for name, path in files.items():  # add them from the weakest up
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path, f'[ui]\nlanguage = "{name}"\n')
        s = load_settings(
            env={"PROXIMITY_CONFIG": str(files["env"])} if files["env"].exists() else {},
            config_file=str(files["flag"]) if files["flag"].exists() else None,
            frozen_dir=exe_dir,
        )
        found.append((s["ui.language"], s.config_file))
    assert found == [(name, path) for name, path in files.items()]


def test_a_token_in_the_file_is_refused_with_the_way_out(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[twilio]\nauth_token = 'abc'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)
    message = str(info.value)
    assert str(cfg) in message and "twilio.auth_token" in message
    assert "keyring" in message and "PROXIMITY_TWILIO_AUTH_TOKEN" in message


def test_wrong_type_says_what_to_write(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[notifications]\ndispatcher = 'sometimes'\n")
    with pytest.raises(ConfigError, match=r"'notifications.dispatcher' expects bool \(true or"):
        load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)


def test_show_masks_passwords_and_lists_the_places_searched(tmp_path: Path) -> None:
    cfg = write(tmp_path / "p.toml", "[database]\nurl = 'postgresql://px:hunter2@db/prox'\n")
    s = load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)
    text = describe(s)
    assert "hunter2" not in text and "postgresql://px:****@db/prox" in text
    assert f"* {cfg}" in text and f"- {tmp_path / 'proximity.toml'}" in text


def test_check_settings_findings(tmp_path: Path) -> None:
    blocker = write(tmp_path / "file-not-dir", "x")
    cfg = write(
        tmp_path / "p.toml",
        "[database]\nurl = 'postgresql://px:hunter2@db/prox'\n"
        "[twilio]\naccount_sid = 'AC123'\n"
        "[taskrouter]\nworkspace_sid = 'WS" + "a" * 32 + "'\n"
        f"[logging]\ndir = '{blocker.as_posix()}'\n"
        "[ui]\nlanguage = 'fr'\n",
    )
    s = load_settings(env={}, config_file=str(cfg), frozen_dir=tmp_path)
    findings = check_settings(s, token_lookup=lambda _s: None)
    texts = [(f.severity, f.text) for f in findings]
    assert any(sev == "error" and "twilio.account_sid = 'AC123'" in t for sev, t in texts)
    assert any(sev == "error" and "no sender" in t for sev, t in texts)
    assert any(sev == "warning" and "no Twilio auth token" in t for sev, t in texts)
    assert any(sev == "warning" and "contains a password" in t for sev, t in texts)
    assert any(sev == "error" and "not writable" in t for sev, t in texts)
    assert any(sev == "warning" and "ui.language = 'fr'" in t for sev, t in texts)
    assert not any("workspace_sid" in t for _sev, t in texts)  # well-formed
    good = load_settings(env={"PROXIMITY_LOGGING_DIR": str(tmp_path / "logs")}, frozen_dir=tmp_path)
    assert check_settings(good, token_lookup=lambda _s: None) == []
