from __future__ import annotations

import re
from pathlib import Path

import pytest

from wabroadcast.config import Settings, SettingsError, load_settings, mask

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_sandbox_with_original_port_and_new_portfolio_rate() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.sandbox
    assert settings.port == 5005
    assert settings.send_rate == 80
    assert settings.daily_recipient_limit is None
    assert settings.database_url == "sqlite:///wabroadcast.db"


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SEND_RATE=20\nPHONE_NUMBER_ID=111\nDAILY_RECIPIENT_LIMIT=\n")
    settings = load_settings({"PHONE_NUMBER_ID": "222"}, env_file=env)
    assert settings.send_rate == 20
    assert settings.phone_number_id == "222"
    assert settings.daily_recipient_limit is None


def test_postgres_url_gets_psycopg_driver() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u@h/db"}, env_file=None)
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WHATSAPP_ACCESS_TOKEN", "your_actual_access_token"),
        ("PHONE_NUMBER_ID", "your_phone_number_id"),
        ("VERIFY_TOKEN", "changeme"),
    ],
)
def test_placeholders_refused_against_real_graph_api(name: str, value: str) -> None:
    environ = {"WHATSAPP_ACCESS_TOKEN": "EAAG" + "x1" * 40, name: value}
    with pytest.raises(SettingsError, match=name):
        load_settings(environ, env_file=None)


def test_placeholder_allowed_against_simulator() -> None:
    settings = load_settings(
        {
            "WHATSAPP_ACCESS_TOKEN": "your_actual_access_token",
            "GRAPH_API_URL": "http://127.0.0.1:9/",
        },
        env_file=None,
    )
    assert settings.graph_api_url == "http://127.0.0.1:9"
    assert not settings.sandbox


def test_bad_values_name_the_variable() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"SEND_RATE": "fast", "PORT": "0"}, env_file=None)
    message = str(info.value)
    assert "SEND_RATE" in message and "PORT" in message


def test_masked_settings_never_show_secrets() -> None:
    token = "EAAGtoken" + "9" * 40 + "WXYZ"
    settings = load_settings(
        {
            "WHATSAPP_ACCESS_TOKEN": token,
            "WHATSAPP_APP_SECRET": "s3cr3t-app-secret-value",
            "WABROADCAST_API_TOKEN": "panel-token-" + "k" * 20 + "LAST",
            "DATABASE_URL": "postgresql://bob:hunter2@db/x",
        },
        env_file=None,
    )
    shown = "\n".join(f"{k}={v}" for k, v in settings.masked().items())
    assert token not in shown and "s3cr3t-app-secret-value" not in shown
    assert "hunter2" not in shown and "k" * 20 not in shown
    assert "WHATSAPP_ACCESS_TOKEN=****WXYZ" in shown
    assert token not in repr(settings)
    assert mask("") == ""


def test_a_short_api_token_is_refused_with_the_way_out() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"WABROADCAST_API_TOKEN": "hunter2hunter2"}, env_file=None)
    message = str(info.value)
    assert "WABROADCAST_API_TOKEN" in message and "14 characters" in message
    assert "at least 24" in message and "hunter2" not in message
    assert load_settings({"WABROADCAST_API_TOKEN": "x" * 24}, env_file=None).api_token


def test_forwarded_allow_ips_defaults_to_loopback_and_checks_entries() -> None:
    assert load_settings({}, env_file=None).forwarded_allow_ips == "127.0.0.1"
    trusted = load_settings({"FORWARDED_ALLOW_IPS": " 10.0.0.0/8 , ::1"}, env_file=None)
    assert trusted.forwarded_allow_ips == "10.0.0.0/8,::1"
    with pytest.raises(SettingsError) as info:
        load_settings({"FORWARDED_ALLOW_IPS": "10.0.0.1,proxy.local"}, env_file=None)
    assert "FORWARDED_ALLOW_IPS" in str(info.value) and "'proxy.local'" in str(info.value)


def test_every_setting_is_documented() -> None:
    """Both docs/configuration.md and .env.example name every setting."""
    docs = (ROOT / "docs" / "configuration.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for field in Settings.model_fields.values():
        assert field.alias is not None
        assert re.search(rf"`{field.alias}`", docs), f"{field.alias} missing in docs"
        assert re.search(rf"^#? ?{field.alias}=", example, re.M), (
            f"{field.alias} not in .env.example"
        )


def test_only_the_given_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty WHATSAPP_ACCESS_TOKEN in the process environment must not end sandbox mode."""
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "")
    monkeypatch.setenv("SEND_RATE", "5")
    assert load_settings(env_file=None).sandbox
    assert load_settings(env_file=None).send_rate == 5
    assert load_settings({}, env_file=None).send_rate == 80
