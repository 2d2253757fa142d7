"""Typed, user-safe errors: each carries a plain message, a next step and the CLI exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # TikTok reported FAILED
EXIT_INPUT = 2  # bad input or a broken limit; nothing was sent
EXIT_AUTH = 3  # authorization
EXIT_API = 4  # API or network failure after retries
EXIT_INTERRUPTED = 130


class ClipshipError(Exception):
    """Base of every error shown to a user. str() is the message; `hint` says what to do next."""

    exit_code = EXIT_API

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.plain = ""  # the message without codes or log ids, where they differ (the window shows this one)

    def user_text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InputError(ClipshipError):
    """Bad input or a broken limit, found before anything was sent."""

    exit_code = EXIT_INPUT


class AuthError(ClipshipError):
    """Not signed in, a token TikTok refused, or a failed sign-in."""

    exit_code = EXIT_AUTH


class NetworkError(ClipshipError):
    """The network or the API failed, after retries."""

    exit_code = EXIT_API


class Cancelled(ClipshipError):
    """The user cancelled; nothing more will be sent."""

    exit_code = EXIT_INTERRUPTED


class ApiError(ClipshipError):
    """TikTok answered with an error envelope (or no usable answer). Carries TikTok's code and log_id."""

    exit_code = EXIT_API

    def __init__(
        self,
        code: str,
        message: str,
        log_id: str = "",
        http_status: int = 0,
        retryable: bool = False,
        hint: str = "",
    ) -> None:
        super().__init__(message, hint)
        self.code = code
        self.api_message = ""  # TikTok's own words, when it gave some
        self.log_id = log_id
        self.http_status = http_status
        self.retryable = retryable

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, http_status={self.http_status}, log_id={self.log_id!r})"


class ApiAuthError(ApiError, AuthError):
    """TikTok refused the token or its scopes (exit 3)."""

    exit_code = EXIT_AUTH


class ApiInputError(ApiError, InputError):
    """TikTok refused the request as invalid before anything was uploaded (exit 2)."""

    exit_code = EXIT_INPUT


class StorageError(ClipshipError):
    """A file in the data dir could not be written: permissions, a read-only or full disk."""

    exit_code = EXIT_API


def storage_error(path: object, exc: OSError) -> StorageError:
    """What to tell the user when writing `path` failed."""
    import errno

    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Give yourself write permission on that folder, or set CLIPSHIP_DATA_DIR to a folder of yours."
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "The disk is full: free some space and try again."
    else:
        hint = "Check the data dir (CLIPSHIP_DATA_DIR) and try again."
    return StorageError(f"Clipship could not write {path} ({reason}).", hint)


class UploadError(NetworkError):
    """The upload URL refused a chunk in a way retrying cannot fix (expired, unknown, out of sync)."""

    def __init__(self, message: str, hint: str = "", http_status: int = 0) -> None:
        super().__init__(message, hint)
        self.http_status = http_status


class DuplicateError(InputError):
    """The same file was already posted to the same account; post again only when the user confirms."""

    def __init__(self, message: str, hint: str = "", attempt: object = None) -> None:
        super().__init__(message, hint)
        self.attempt = attempt  # the earlier core.history.Attempt


class Detached(Cancelled):
    """The user stopped watching after every byte was sent: the outcome is TikTok's, and it may still publish."""


class PublishFailed(ClipshipError):
    """TikTok processed the upload and reported FAILED with a fail_reason (exit 1)."""

    exit_code = EXIT_FAILED

    def __init__(self, fail_reason: str, publish_id: str = "", result: object = None) -> None:
        info = describe_fail_reason(fail_reason)
        super().__init__(
            f"TikTok could not publish the video ({fail_reason or 'no reason given'}): {info.sentence}", info.hint
        )
        self.plain = f"TikTok could not publish the video. {info.sentence}"
        self.fail_reason = fail_reason
        self.publish_id = publish_id
        self.retryable = info.retryable
        self.result = result  # the core.models.PublishResult, when the pipeline has one


class ErrorInfo:
    """What an error code means for the user: a sentence, the next step, and whether retrying can help."""

    __slots__ = ("sentence", "hint", "retryable", "kind")

    def __init__(self, sentence: str, hint: str, retryable: bool = False, kind: str = "api") -> None:
        self.sentence = sentence
        self.hint = hint
        self.retryable = retryable
        self.kind = kind  # "api" (exit 4), "auth" (exit 3), "input" (exit 2)


_TRY_LATER = "Wait a while (the limit resets within 24 hours) and try again."
CANNOT_POST_NOW = "TikTok says this account cannot post now."

# Every documented error.code (tiktok-api.md §4-5), with what to tell the user.
ERROR_CODES: dict[str, ErrorInfo] = {
    "access_token_invalid": ErrorInfo(
        "TikTok refused the access token (expired or revoked).", "Sign in again with 'clipship login'.", kind="auth"
    ),
    "scope_not_authorized": ErrorInfo(
        "The TikTok account did not grant Clipship the permission this needs.",
        "Sign in again and allow posting (video.publish / video.upload) on TikTok's consent page.",
        kind="auth",
    ),
    "scope_permission_missed": ErrorInfo(
        "The request needs a permission the sign-in did not include.",
        "Sign in again and allow every permission Clipship asks for.",
        kind="auth",
    ),
    "invalid_param": ErrorInfo(
        "TikTok rejected the request as invalid.", "Check the post settings and the file, then try again.", kind="input"
    ),
    "invalid_params": ErrorInfo(
        "TikTok rejected the request as invalid.", "Check the post settings and the file, then try again.", kind="input"
    ),
    "invalid_file_upload": ErrorInfo(
        "TikTok rejected the uploaded file.", "Check the file with 'clipship check VIDEO' and try again.", kind="input"
    ),
    "privacy_level_option_mismatch": ErrorInfo(
        "The chosen privacy level is not one this account offers.",
        "Pick one of the privacy levels TikTok lists for the account.",
        kind="input",
    ),
    "app_version_check_failed": ErrorInfo(
        "The TikTok app on the phone is too old for this kind of upload.", "Update the TikTok app and try again."
    ),
    "spam_risk_too_many_posts": ErrorInfo(
        CANNOT_POST_NOW + " It reached TikTok's daily limit of posts through apps.", _TRY_LATER, retryable=True
    ),
    "spam_risk_user_banned_from_posting": ErrorInfo(
        CANNOT_POST_NOW + " TikTok has banned it from posting.",
        "Check the account's standing in the TikTok app; retrying will not help.",
    ),
    "spam_risk_too_many_pending_share": ErrorInfo(
        CANNOT_POST_NOW + " Five drafts are already waiting in the TikTok inbox (the 24-hour limit).",
        "Open the TikTok app, finish or delete the pending drafts, or try again tomorrow.",
        retryable=True,
    ),
    "reached_active_user_cap": ErrorInfo(
        CANNOT_POST_NOW + " This app reached TikTok's daily limit of posting accounts.", _TRY_LATER, retryable=True
    ),
    "unaudited_client_can_only_post_to_private_accounts": ErrorInfo(
        "This app is not yet audited by TikTok, so it can only post to private accounts.",
        "Switch the TikTok account to private (TikTok app: Settings > Privacy > Private account) and try again.",
    ),
    "url_ownership_unverified": ErrorInfo(
        "TikTok has not verified ownership of the video's URL.", "Upload the file from this computer instead."
    ),
    "invalid_publish_id": ErrorInfo(
        "TikTok does not know this publish id.", "Check the id (see 'clipship history').", kind="input"
    ),
    "token_not_authorized_for_specified_publish_id": ErrorInfo(
        "This publish id belongs to another account.", "Sign in as the account that made the post.", kind="auth"
    ),
    "publish_not_cancellable": ErrorInfo("This post can no longer be cancelled.", "Wait for it to finish."),
    "rate_limit_exceeded": ErrorInfo(
        "TikTok's rate limit was exceeded.", "Wait a minute and try again.", retryable=True
    ),
    "internal_error": ErrorInfo("TikTok had an internal error.", "Try again in a few minutes.", retryable=True),
}

# Every documented status/fetch fail_reason (tiktok-api.md §4), plus two seen only in third-party code.
FAIL_REASONS: dict[str, ErrorInfo] = {
    "file_format_check_failed": ErrorInfo(
        "TikTok does not accept the file's format.", "Export it as MP4 (H.264), MOV or WebM and post again."
    ),
    "duration_check_failed": ErrorInfo(
        "The video is too long or too short for this account.", "Trim it to the allowed length and post again."
    ),
    "frame_rate_check_failed": ErrorInfo(
        "The video's frame rate is outside 23-60 fps.", "Re-encode it at 24, 25, 30 or 60 fps and post again."
    ),
    "video_frame_rate_check_failed": ErrorInfo(
        "The video's frame rate is outside 23-60 fps.", "Re-encode it at 24, 25, 30 or 60 fps and post again."
    ),
    "picture_size_check_failed": ErrorInfo(
        "The picture size is outside TikTok's limits (360-4096 px per side).", "Resize the video and post again."
    ),
    "internal": ErrorInfo("TikTok had an internal error while processing.", "Post the video again.", retryable=True),
    "video_pull_failed": ErrorInfo(
        "TikTok could not download the video.", "Check the URL and post again.", retryable=True
    ),
    "photo_pull_failed": ErrorInfo(
        "TikTok could not download the photos.", "Check the URLs and post again.", retryable=True
    ),
    "publish_cancelled": ErrorInfo("The post was cancelled.", "Post again if that was not intended."),
    "auth_removed": ErrorInfo(
        "The account removed Clipship's access while the video was processing.",
        "Sign in again if you want to post from Clipship.",
    ),
    "spam_risk_too_many_posts": ERROR_CODES["spam_risk_too_many_posts"],
    "spam_risk_user_banned_from_posting": ERROR_CODES["spam_risk_user_banned_from_posting"],
    "spam_risk_text": ErrorInfo(
        "TikTok judged the caption as spam.", "Change the caption (fewer hashtags, mentions or links) and post again."
    ),
    "spam_risk": ErrorInfo("TikTok judged the post as risky.", "Retrying as is will not help."),
    "publish_attempt_limit_exceeded": ErrorInfo("Too many publish attempts.", _TRY_LATER, retryable=True),
}


def describe_error_code(code: str) -> ErrorInfo:
    """The table entry for a TikTok error.code; unknown codes read as a generic API failure."""
    known = ERROR_CODES.get(code)
    if known is not None:
        return known
    return ErrorInfo(f"TikTok answered with an error ({code or 'unknown'}).", "Try again later.")


def describe_fail_reason(reason: str) -> ErrorInfo:
    """The table entry for a status/fetch fail_reason; unknown reasons read as a generic failure."""
    known = FAIL_REASONS.get(reason)
    if known is not None:
        return known
    return ErrorInfo("TikTok reported a failure.", "Check the video with 'clipship check VIDEO' and post again.")


def api_error(code: str, api_message: str = "", log_id: str = "", http_status: int = 0) -> ApiError:
    """Build the typed exception for a TikTok error envelope: the user sentence first, TikTok's own words after."""
    info = describe_error_code(code)
    detail = f"TikTok: {code}"
    if api_message:
        detail += f", {api_message.strip()}"
    if log_id:
        detail += f"; log_id {log_id}"
    message = f"{info.sentence} ({detail})"
    retryable = info.retryable or http_status >= 500
    cls: type[ApiError] = ApiError
    if info.kind == "auth":
        cls = ApiAuthError
    elif info.kind == "input":
        cls = ApiInputError
    error = cls(code, message, log_id=log_id, http_status=http_status, retryable=retryable, hint=info.hint)
    error.plain = info.sentence
    error.api_message = api_message.strip()
    return error
