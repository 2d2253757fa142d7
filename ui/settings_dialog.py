"""Preferences: the TikTok app's client key and secret (secret to the keyring), redirect port, chunk size."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.config import SETTINGS_BY_NAME
from core.urlcheck import parse_prefixes

MB = 1024 * 1024
# The ranges, labels and help come from the settings' one declaration (core.config.SETTINGS).
PORT, CHUNK, KEY = SETTINGS_BY_NAME["redirect_port"], SETTINGS_BY_NAME["chunk_size"], SETTINGS_BY_NAME["client_key"]
PREFIXES = SETTINGS_BY_NAME["verified_url_prefixes"]
# TikTok's chunk bounds (tiktok-api.md §1) under both readings of "MB": 5 MiB .. 64,000,000 bytes, so 61 MiB at most.
MIN_CHUNK_MB, MAX_CHUNK_MB = -(-(CHUNK.minimum or MB) // MB), (CHUNK.maximum or MB) // MB


@dataclass(frozen=True)
class SettingsValues:
    """What the dialog edits. client_secret None = leave the stored one unchanged (the field stays empty)."""

    client_key: str
    client_secret: str | None
    redirect_port: int
    chunk_size: int  # bytes; 0 = let the planner choose
    verified_url_prefixes: str = ""  # separated by spaces (photo posts and videos from URLs)

    def __repr__(self) -> str:
        secret = "unchanged" if self.client_secret is None else "<new secret>"
        return f"SettingsValues(client_key={self.client_key!r}, client_secret={secret}, ...)"


class SettingsDialog(QDialog):
    """Edits SettingsValues; the caller saves them off the GUI thread."""

    def __init__(
        self, values: SettingsValues, has_secret: bool, sandbox: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setModal(True)
        from core.distribution import built_in_credentials

        built_in = built_in_credentials() is not None  # this build carries its distributor's TikTok app
        self.client_key = QLineEdit(values.client_key)
        self.client_key.setPlaceholderText(
            "Built in: leave empty to use Clipship's own TikTok app"
            if built_in
            else "From your app on developers.tiktok.com"
        )
        self.client_secret = QLineEdit()
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        if has_secret:
            self.client_secret.setPlaceholderText("Stored in the system keyring (type to replace)")
        else:
            self.client_secret.setPlaceholderText(
                "Built in (needed only with your own client key)" if built_in else "Not set"
            )
        self.client_key.setToolTip(KEY.help)
        self.redirect_port = QSpinBox()
        self.redirect_port.setRange(0, PORT.maximum or 65535)  # 0: PORT.zero ("any free port")
        self.redirect_port.setSpecialValueText("Automatic")
        self.redirect_port.setValue(values.redirect_port)
        self.redirect_port.setToolTip(PORT.help)
        self.chunk_size = QSpinBox()
        self.chunk_size.setRange(MIN_CHUNK_MB - 1, MAX_CHUNK_MB)
        self.chunk_size.setSpecialValueText("Automatic")
        self.chunk_size.setSuffix(" MiB")
        self.chunk_size.setToolTip(
            f"{CHUNK.help} Automatic: files up to 64 MB go whole; bigger ones in 10 MB chunks, "
            "or 16 larger ones (up to 64 MB)."
        )
        self.chunk_size.setValue(values.chunk_size // MB if values.chunk_size else MIN_CHUNK_MB - 1)
        self.prefixes = QLineEdit(values.verified_url_prefixes)
        self.prefixes.setObjectName("verifiedPrefixes")
        self.prefixes.setPlaceholderText("https://media.example.com/photos/")
        self.prefixes.setToolTip(PREFIXES.help)
        self.prefixes.setAccessibleName(PREFIXES.label)
        self.prefixes.setAccessibleDescription(PREFIXES.help)
        prefixes_help = QLabel(
            "TikTok pulls photos from your own website: list the URL prefixes or domains verified for your app in "
            "TikTok's developer portal (URL properties), separated by spaces."
            + ("<br>The sandbox checks against its own demo website." if sandbox else "")
        )
        prefixes_help.setObjectName("note")
        prefixes_help.setWordWrap(True)
        form = QFormLayout()
        form.addRow(KEY.label, self.client_key)
        form.addRow("Client secret", self.client_secret)
        form.addRow(PORT.label, self.redirect_port)
        form.addRow(CHUNK.label, self.chunk_size)
        form.addRow(PREFIXES.label, self.prefixes)
        form.addRow("", prefixes_help)
        note = QLabel(
            "The client secret goes to your system keyring, never to a file."
            + ("<br>To use your own TikTok developer app, enter its client key and secret." if built_in else "")
            + ("<br><b>Sandbox mode</b> uses its own demo app; these settings apply to real TikTok." if sandbox else "")
        )
        note.setObjectName("note")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def values(self) -> SettingsValues:
        secret = self.client_secret.text().strip()
        chunk_mb = self.chunk_size.value()
        return SettingsValues(
            client_key=self.client_key.text().strip(),
            client_secret=secret or None,
            redirect_port=self.redirect_port.value(),
            chunk_size=0 if chunk_mb < MIN_CHUNK_MB else chunk_mb * MB,
            verified_url_prefixes=" ".join(parse_prefixes(self.prefixes.text())),
        )
