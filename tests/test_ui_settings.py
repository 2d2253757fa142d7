"""The Settings dialog: values round-trip to the settings file, the client secret only to the keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.chunks import plan_chunks
from core.config import Config, load_settings
from core.context import AppContext
from ui import services
from ui.settings_dialog import MB, SettingsDialog, SettingsValues

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def test_settings_round_trip_and_the_secret_goes_to_the_keyring(
    qtbot: Any, _isolated_user_dirs: Path, memory_keyring: Any
) -> None:
    ctx = AppContext(Config(data_dir=_isolated_user_dirs))
    values, has_secret = services.read_app_settings(ctx)
    assert values == SettingsValues("", None, 0, 0) and not has_secret
    dialog = SettingsDialog(values, has_secret)
    qtbot.addWidget(dialog)
    assert dialog.chunk_size.text() == "Automatic" and dialog.redirect_port.text() == "Automatic"
    dialog.client_key.setText("  awkey123  ")
    dialog.client_secret.setText("s3cret-value")
    dialog.redirect_port.setValue(8723)
    dialog.chunk_size.setValue(16)
    new = dialog.values()
    assert new == SettingsValues("awkey123", "s3cret-value", 8723, 16 * MB)
    assert "s3cret-value" not in repr(new)
    ctx = services.save_app_settings(ctx, new)
    assert (ctx.config.client_key, ctx.config.redirect_port, ctx.config.chunk_size) == ("awkey123", 8723, 16 * MB)
    stored = load_settings(_isolated_user_dirs)
    assert (stored["client_key"], stored["redirect_port"], stored["chunk_size"]) == ("awkey123", 8723, 16 * MB)
    assert "s3cret-value" not in (_isolated_user_dirs / "settings.json").read_text(encoding="utf-8")
    assert "s3cret-value" in memory_keyring.store.values()
    again, has_secret = services.read_app_settings(ctx)
    assert again == SettingsValues("awkey123", None, 8723, 16 * MB) and has_secret
    reopened = SettingsDialog(again, has_secret)
    qtbot.addWidget(reopened)
    assert reopened.client_secret.text() == "" and "keyring" in reopened.client_secret.placeholderText()
    assert reopened.values().client_secret is None  # an empty field keeps the stored secret


def test_every_chunk_size_the_dialog_offers_is_one_tiktok_accepts(qtbot: Any) -> None:
    dialog = SettingsDialog(SettingsValues("", None, 0, 0), False)
    qtbot.addWidget(dialog)
    offered = []
    for mib in range(dialog.chunk_size.minimum(), dialog.chunk_size.maximum() + 1):
        dialog.chunk_size.setValue(mib)
        offered.append(dialog.values().chunk_size)
    assert offered[0] == 0 and offered[-1] == 61 * MB  # "Automatic", then 5..61 MiB (64 MiB is over 64,000,000)
    for chunk in offered[1:]:
        assert plan_chunks(1_000_000_000, chunk).chunk_size == chunk


def test_a_build_with_a_built_in_app_says_so_and_still_takes_the_users_own(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import distribution

    plain = SettingsDialog(SettingsValues("", None, 0, 0), has_secret=False)
    qtbot.addWidget(plain)
    assert "developers.tiktok.com" in plain.client_key.placeholderText()
    folder = tmp_path / "built-in"
    distribution.write_module(folder, {distribution.ENV_KEY: "awdistkey", distribution.ENV_SECRET: "dist-secret-value"})
    monkeypatch.syspath_prepend(str(folder))
    distribution.forget()
    try:
        dialog = SettingsDialog(SettingsValues("", None, 0, 0), has_secret=False)
        qtbot.addWidget(dialog)
        assert "Built in" in dialog.client_key.placeholderText()
        assert "Built in" in dialog.client_secret.placeholderText()
        assert dialog.client_key.text() == "" and dialog.client_secret.text() == ""  # nothing of the app shown
        dialog.client_key.setText("awmine")
        dialog.client_secret.setText("my-secret")
        assert dialog.values() == SettingsValues("awmine", "my-secret", 0, 0)
    finally:
        distribution.forget()
