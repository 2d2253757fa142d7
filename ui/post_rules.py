"""TikTok's Direct Post UX rules (tiktok-api.md §9) as plain functions: exact strings, no Qt."""

from __future__ import annotations

from core.models import TITLE_MAX_UTF16, utf16_len

MUSIC_URL = "https://www.tiktok.com/legal/page/global/music-usage-confirmation/en"
BC_POLICY_URL = "https://www.tiktok.com/legal/page/global/bc-policy/en"

PRIVACY_PLACEHOLDER = "Select who can see this video"
NEEDS_DISCLOSURE = "You need to indicate if your content promotes yourself, a third party, or both."
BRANDED_NOT_PRIVATE = "Branded content visibility cannot be set to private."
BRANDED_DISABLED_BY_ONLY_ME = (
    "Branded content can't be private. Choose who can see this video other than \u201cOnly me\u201d to tick it."
)
ONLY_ME_OFF_FOR_BRANDED = "\u201cOnly me\u201d is not available: branded content must be visible to others."
ONLY_PRIVATE_UNAUDITED = (
    "Only \u201cOnly me\u201d is offered: TikTok has not audited this app yet, so its posts can only be private "
    "(and only from a private TikTok account)."
)
LABEL_PROMOTIONAL = "Your photo/video will be labeled as 'Promotional content'"
LABEL_PAID = "Your photo/video will be labeled as 'Paid partnership'"
AFTER_POST = "It may take a few minutes for the video to be processed and appear on your profile."

CONSENT_MUSIC = "By posting, you agree to TikTok's Music Usage Confirmation."
CONSENT_BRANDED = "By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation."


def consent_text(toggle_on: bool, your_brand: bool, branded: bool) -> str:
    """The declaration shown above the Post button (§9.2d and §9.4), as plain text."""
    return CONSENT_BRANDED if toggle_on and branded else CONSENT_MUSIC


def consent_html(toggle_on: bool, your_brand: bool, branded: bool) -> str:
    """The same declaration with its links."""
    music = f'<a href="{MUSIC_URL}">Music Usage Confirmation</a>'
    if toggle_on and branded:
        policy = f'<a href="{BC_POLICY_URL}">Branded Content Policy</a>'
        return f"By posting, you agree to TikTok's {policy} and {music}."
    return f"By posting, you agree to TikTok's {music}."


def label_text(toggle_on: bool, your_brand: bool, branded: bool) -> str:
    """How TikTok will label the post: '' when nothing is disclosed."""
    if not toggle_on:
        return ""
    if branded:
        return LABEL_PAID
    if your_brand:
        return LABEL_PROMOTIONAL
    return ""


def caption_counter(text: str) -> tuple[int, bool]:
    """(UTF-16 length, within the limit)."""
    n = utf16_len(text)
    return n, n <= TITLE_MAX_UTF16


def direct_post_blockers(
    *,
    toggle_on: bool,
    your_brand: bool,
    branded: bool,
    privacy: str | None,
    caption: str,
) -> list[str]:
    """Why the form itself forbids a direct post (empty when the form is complete)."""
    reasons: list[str] = []
    if toggle_on and not (your_brand or branded):
        reasons.append(NEEDS_DISCLOSURE)
    if privacy is None:
        reasons.append("Choose who can see this video.")
    if toggle_on and branded and privacy == "SELF_ONLY":
        reasons.append(BRANDED_NOT_PRIVATE)
    n, ok = caption_counter(caption)
    if not ok:
        reasons.append(f"The caption is {n - TITLE_MAX_UTF16} characters too long ({TITLE_MAX_UTF16} at most).")
    return reasons
