"""The window's questions to the user, in one injectable object (tests swap it for scripted answers)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


class Prompts:
    """Real modal QMessageBox questions (each returns True for Yes) and notices."""

    def ask(self, parent: QWidget | None, title: str, text: str, default_yes: bool = False) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, Button.Yes | Button.No, parent)
        box.setDefaultButton(Button.Yes if default_yes else Button.No)
        try:
            return box.exec() == Button.Yes
        finally:
            box.deleteLater()

    def ask_repost(self, parent: QWidget | None, text: str) -> bool:
        return self.ask(parent, "Post it again?", text)

    def ask_close_during_upload(self, parent: QWidget | None, every_byte_sent: bool) -> bool:
        if every_byte_sent:
            text = (
                "TikTok has the whole video and will still process it (it may be published). Quit anyway? "
                "The History tab shows how it ended next time."
            )
            return self.ask(parent, "Stop watching?", text)
        text = "A video is still uploading. Quit and stop it? Nothing will be posted; you can resume it later."
        return self.ask(parent, "Stop the upload?", text)

    def ask_sign_out(self, parent: QWidget | None, label: str) -> bool:
        text = f"Sign out {label}? Clipship revokes its access and forgets the sign-in on this computer."
        return self.ask(parent, "Sign out", text, default_yes=True)

    def ask_sign_out_during_upload(self, parent: QWidget | None, label: str) -> bool:
        text = (
            f"Sign out {label} now? A video is still uploading with this account: signing out stops the upload "
            "(nothing is posted; you can resume it after signing in again)."
        )
        return self.ask(parent, "Sign out during an upload", text)

    def ask_when(self, parent: QWidget | None, name: str, initial: float | None = None) -> float | None:
        """When to post `name` (the Schedule\u2026 dialog, local time with its zone); None when cancelled."""
        from ui.schedule_dialog import ScheduleDialog

        dialog = ScheduleDialog(name, initial, parent)
        try:
            return dialog.when() if dialog.exec() == ScheduleDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def ask_keep_in_tray(self, parent: QWidget | None, pending: int, next_text: str) -> bool:
        text = (
            f"{_posts(pending)} still waiting to be posted{next_text}. Keep Clipship running in the system tray "
            "to post them on time? (No quits; they are posted the next time Clipship runs.)"
        )
        return self.ask(parent, "Keep posting in the background?", text, default_yes=True)

    def ask_quit_with_pending(self, parent: QWidget | None, pending: int, next_text: str) -> bool:
        text = (
            f"{_posts(pending)} still waiting to be posted{next_text}. Quit anyway? They are posted the next time "
            "Clipship runs (or by 'clipship queue run')."
        )
        return self.ask(parent, "Quit with posts waiting?", text)

    def ask_post_missed(self, parent: QWidget | None, names: list[str]) -> bool:
        listed = "\n".join(f"\u2022 {n}" for n in names[:8]) + ("\n\u2026" if len(names) > 8 else "")
        text = f"These posts missed their time while Clipship was not running:\n{listed}\n\nPost them now?"
        return self.ask(parent, "Post missed items?", text, default_yes=True)

    def tell(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)


def _posts(n: int) -> str:
    return f"{n} post is" if n == 1 else f"{n} posts are"
