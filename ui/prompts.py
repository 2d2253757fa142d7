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

    def tell(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)
