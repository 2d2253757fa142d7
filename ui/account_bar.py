"""The signed-in creator (avatar, nickname, @username), sign in / sign out / switch account, and banners."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget

from ui.a11y import name

AVATAR = 40


@dataclass(frozen=True)
class AccountView:
    """One signed-in account as the bar shows it (no secrets)."""

    account_id: str
    name: str
    username: str = ""
    avatar_url: str = ""
    can_direct_post: bool = True
    can_upload_draft: bool = True
    is_default: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} (@{self.username})" if self.username else self.name


def round_avatar(source: QPixmap | None, initials: str, size: int = AVATAR) -> QPixmap:
    """A circular avatar; the initials on a colour when there is no picture."""
    out = QPixmap(size, size)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(0, 0, size, size)
    p.setClipPath(path)
    if source is not None and not source.isNull():
        scaled = source.scaled(
            size, size, Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation
        )
        p.drawPixmap((size - scaled.width()) // 2, (size - scaled.height()) // 2, scaled)
    else:
        p.fillRect(0, 0, size, size, QBrush(QColor("#25f4ee") if not initials else QColor("#fe2c55")))
        p.setPen(QColor("#ffffff"))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * 0.42))
        p.setFont(font)
        p.drawText(out.rect(), int(Qt.AlignmentFlag.AlignCenter), initials[:2].upper() or "?")
    p.end()
    return out


class AccountBar(QFrame):
    """Top bar: who is signed in, and the account actions.

    Signals: sign_in_requested(), sign_out_requested(), switch_requested(str account_id).
    """

    sign_in_requested = Signal()
    sign_out_requested = Signal()
    switch_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountBar")
        self.current: AccountView | None = None
        self.needs_sign_in = False
        self.accounts: list[AccountView] = []
        self.avatar = QLabel()
        self.avatar.setFixedSize(QSize(AVATAR, AVATAR))
        self.nickname = QLabel()
        self.nickname.setObjectName("nickname")
        self.username = QLabel()
        self.username.setObjectName("username")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.nickname)
        names.addWidget(self.username)
        self.mode_badge = QLabel("SANDBOX")
        self.mode_badge.setObjectName("sandboxBadge")
        self.mode_badge.setToolTip("Clipship is talking to its built-in TikTok emulator: nothing reaches TikTok.")
        self.mode_badge.hide()
        self.cap_label = QLabel()
        self.cap_label.setObjectName("capLabel")
        self.cap_label.setToolTip(
            "Posts this account made through Clipship in the last 24 hours. TikTok allows about 15 a day per "
            "account (counting every app); queued items wait when the limit is reached."
        )
        self.cap_label.hide()
        self.sign_in_button = QPushButton("Sign in with TikTok")
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.clicked.connect(self.on_sign_in_clicked)
        self.account_button = QToolButton()
        self.account_button.setText("Account")
        self.account_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.account_menu = QMenu(self.account_button)
        self.account_button.setMenu(self.account_menu)
        name(self.account_button, "Account", "Switch account, sign in to another one, or sign out.")
        name(self.sign_in_button, "Sign in with TikTok", "Opens TikTok in your browser to sign in.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(10)
        layout.addWidget(self.avatar)
        layout.addLayout(names)
        layout.addWidget(self.mode_badge, 0, Qt.AlignmentFlag.AlignVCenter)  # a tag, not the bar's height
        layout.addSpacing(8)
        layout.addWidget(self.cap_label)
        layout.addStretch(1)
        layout.addWidget(self.sign_in_button)
        layout.addWidget(self.account_button)
        self._avatar_pixmap: QPixmap | None = None
        self.set_accounts([], None)

    def set_sandbox(self, on: bool) -> None:
        self.mode_badge.setVisible(on)

    def set_accounts(self, accounts: list[AccountView], current: AccountView | None) -> None:
        self.accounts = list(accounts)
        if current is None or self.current is None or current.account_id != self.current.account_id:
            self._avatar_pixmap = None
        self.current = current
        self.needs_sign_in = False
        self.sign_in_button.setText("Sign in with TikTok")
        self.username.setProperty("error", False)
        signed_in = current is not None
        self.sign_in_button.setVisible(not signed_in)
        self.account_button.setVisible(signed_in)
        if current is None:
            self.nickname.setText("Not signed in")
            self.username.setText("Sign in to post to your TikTok account")
        else:
            self.nickname.setText(current.name)
            self.username.setText(f"@{current.username}" if current.username else "")
        self._paint_avatar()
        self._build_menu()

    def set_needs_sign_in(self, on: bool) -> None:
        """TikTok refused this account's sign-in (expired or removed): say so, and offer "Sign in again"."""
        if self.current is None:
            return
        self.needs_sign_in = on
        self.sign_in_button.setText("Sign in again" if on else "Sign in with TikTok")
        name(
            self.sign_in_button,
            self.sign_in_button.text(),
            "Opens TikTok in your browser to sign in again." if on else "Opens TikTok in your browser to sign in.",
        )
        self.sign_in_button.setVisible(on)
        self.username.setText(
            "Signed out by TikTok: sign in again to post"
            if on
            else (f"@{self.current.username}" if self.current.username else "")
        )
        self.username.setProperty("error", on)
        self.username.style().unpolish(self.username)
        self.username.style().polish(self.username)

    def set_cap(self, text: str) -> None:
        """ "3 of about 15 posts today" beside the account ('' hides it)."""
        self.cap_label.setText(text)
        self.cap_label.setVisible(bool(text) and self.current is not None)

    def set_creator(self, nickname: str, username: str) -> None:
        """Fresh names from creator_info override the stored ones."""
        if nickname:
            self.nickname.setText(nickname)
        if username and not self.needs_sign_in:
            self.username.setText(f"@{username}")

    def has_avatar(self) -> bool:
        """Whether a picture is shown (not the initials)."""
        return self._avatar_pixmap is not None

    def set_avatar(self, pixmap: QPixmap | None) -> None:
        self._avatar_pixmap = pixmap
        self._paint_avatar()

    def _paint_avatar(self) -> None:
        initials = "".join(w[0] for w in (self.current.name.split() if self.current else []) if w)
        self.avatar.setPixmap(round_avatar(self._avatar_pixmap, initials))

    def _build_menu(self) -> None:
        menu = self.account_menu
        menu.clear()
        for account in self.accounts:
            action = QAction(account.label, menu)
            action.setCheckable(True)
            action.setChecked(self.current is not None and account.account_id == self.current.account_id)
            action.setData(account.account_id)
            action.triggered.connect(self.on_switch_triggered)
            menu.addAction(action)
        if self.accounts:
            menu.addSeparator()
        add = menu.addAction("Add another account\u2026")
        add.triggered.connect(self.on_sign_in_clicked)
        out = menu.addAction("Sign out")
        out.setObjectName("signOutAction")
        out.triggered.connect(self.on_sign_out_triggered)
        self.sign_out_action = out

    @Slot()
    def on_sign_in_clicked(self) -> None:
        self.sign_in_requested.emit()

    @Slot()
    def on_sign_out_triggered(self) -> None:
        self.sign_out_requested.emit()

    @Slot()
    def on_switch_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            account_id = str(action.data())
            if self.current is None or account_id != self.current.account_id:
                self.switch_requested.emit(account_id)
            else:
                action.setChecked(True)


class Banner(QFrame):
    """A one-line notice across the window (kind: info, warning, error), closable."""

    def __init__(self, text: str, kind: str = "warning", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", kind)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setOpenExternalLinks(True)
        close = QToolButton()
        close.setText("\u2715")
        close.setObjectName("bannerClose")
        close.setToolTip("Hide this notice")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 10, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
