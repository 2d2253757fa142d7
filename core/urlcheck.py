"""The checks of media URLs before a PULL_FROM_URL post (tiktok-api.md §1.5, §2): TikTok says what is wrong
only after its download failed, so the app looks first.

Rules (each problem with its fix): https only; a host name, not an IP address; under one of the URL prefixes
verified in TikTok's developer portal (when the user listed them); no redirect; and, fetched by the app with a
ranged GET bounded in bytes and time, JPEG or WebP of at most 20 MB and 1080p for photos, an MP4/MOV/WebM
container for a video. A URL the app cannot reach (DNS, TLS, timeout) is not refused: TikTok fetches from its
own side, so that becomes a warning.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from core.imagefmt import VIDEO_FORMATS, photo_problem, sniff

HEAD_BYTES = 1024 * 1024  # how much of each URL the app reads
CONNECT_TIMEOUT_S = 3.0
READ_BUDGET_S = 6.0  # for the whole ranged GET of one URL
TOTAL_BUDGET_S = 20.0  # for all of a post's URLs
VIDEO_MAX_BYTES = 4_000_000_000  # tiktok-api.md §2: 4 GB
PORTAL_HINT = "verify it in TikTok's developer portal (your app > URL properties)"


@dataclass(frozen=True)
class UrlProblem:
    """Why one URL cannot be posted, and what to do about it."""

    url: str
    message: str
    fix: str

    def text(self) -> str:
        return f"{self.url}: {self.message}. {self.fix}"


@dataclass
class UrlReport:
    """The outcome of checking a post's URLs: blocking problems, and warnings that do not stop the post."""

    problems: list[UrlProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def url_prefix(url: str) -> str:
    """The URL prefix to verify for `url`: scheme, host and the folder of its path (https://host/path/)."""
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0] + "/" if "/" in parts.path else "/"
    return f"{parts.scheme}://{parts.netloc}{folder}"


def parse_prefixes(text: str) -> tuple[str, ...]:
    """The verified_url_prefixes setting (separated by spaces, commas or new lines) as a tuple."""
    return tuple(p for p in re.split(r"[\s,]+", text or "") if p)


def under_prefix(url: str, prefixes: Sequence[str]) -> bool:
    """Whether `url` starts with one of the verified prefixes (a bare domain prefix covers all of its paths)."""
    low = url.lower()
    for prefix in prefixes:
        p = prefix.lower()
        if "://" not in p:
            p = "https://" + p
        if urlsplit(p).path in ("", "/"):
            host = urlsplit(p).netloc
            if urlsplit(low).netloc == host:
                return True
        if low.startswith(p if p.endswith("/") or "?" in p else p + "/") or low == p:
            return True
    return False


def static_problems(url: str, prefixes: Sequence[str]) -> list[UrlProblem]:
    """The rules that need no request: https, a host name, a verified prefix (when prefixes are configured)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        shown = parts.scheme or "no scheme"
        return [UrlProblem(url, f"TikTok downloads only https URLs ({shown} given)", "Give an https:// address.")]
    host = parts.hostname or ""
    if not host:
        return [UrlProblem(url, "the URL has no host name", "Give a full https://host/path address.")]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [
            UrlProblem(
                url, "the host is an IP address, which TikTok refuses", "Use the host name of a domain you verified."
            )
        ]
    if parts.username or parts.password:
        return [UrlProblem(url, "the URL holds a user name or password", "Give a public address without them.")]
    if prefixes and not under_prefix(url, prefixes):
        return [
            UrlProblem(
                url,
                "it is not under any of your verified URL prefixes",
                f"Add {url_prefix(url)} to verified_url_prefixes after you {PORTAL_HINT}, or host the file there.",
            )
        ]
    return []


def _fetch_head(session: requests.Session, url: str, verify: bool | str) -> tuple[int, dict[str, str], bytes] | str:
    """(status, headers, first bytes) of a ranged GET, or a string saying why the URL could not be reached."""
    deadline = time.monotonic() + READ_BUDGET_S
    try:
        with session.get(
            url,
            headers={"Range": f"bytes=0-{HEAD_BYTES - 1}", "Accept-Encoding": "identity"},
            stream=True,
            allow_redirects=False,
            timeout=(CONNECT_TIMEOUT_S, READ_BUDGET_S),
            verify=verify,
        ) as resp:
            data = bytearray()
            if resp.status_code in (200, 206):
                for piece in resp.iter_content(64 * 1024):
                    data += piece
                    if len(data) >= HEAD_BYTES or time.monotonic() > deadline:
                        break
            return resp.status_code, dict(resp.headers), bytes(data[:HEAD_BYTES])
    except requests.exceptions.SSLError:
        return "its TLS certificate is not trusted here"
    except requests.Timeout:
        return "it did not answer in time"
    except requests.ConnectionError:
        return "it could not be reached"
    except requests.RequestException as exc:
        return f"the request failed ({type(exc).__name__})"


def _total_size(status: int, headers: dict[str, str]) -> int | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    if status == 206:
        match = re.match(r"bytes \d+-\d+/(\d+)", lowered.get("content-range", ""))
        return int(match.group(1)) if match else None
    try:
        return int(lowered["content-length"]) if status == 200 else None
    except (KeyError, ValueError):
        return None


def _content_problems(url: str, kind: str, session: requests.Session, verify: bool | str) -> UrlProblem | str:
    got = _fetch_head(session, url, verify)
    if isinstance(got, str):
        return f"{url}: {got} from this computer, so its content was not checked (TikTok downloads it itself)"
    status, headers, head = got
    if 300 <= status < 400:
        where = headers.get("Location") or headers.get("location") or "another address"
        return UrlProblem(
            url,
            f"it redirects (HTTP {status} to {where}), and TikTok does not follow redirects",
            "Give the final address of the file.",
        )
    if status in (404, 410):
        return UrlProblem(url, f"there is no file there (HTTP {status})", "Check the address.")
    if status not in (200, 206):
        return f"{url}: it answered HTTP {status} here, so its content was not checked"
    size = _total_size(status, headers)
    found = sniff(head)
    if kind == "photo":
        problem = photo_problem(found, size)
        if problem:
            return UrlProblem(url, problem, "Save the photo as a JPEG or WebP of at most 1080p and 20 MB.")
        return ""
    if found.format not in VIDEO_FORMATS:
        return UrlProblem(
            url,
            f"it is {found.format or 'not a video'}; TikTok takes MP4, MOV or WebM videos",
            "Export the video as MP4 (H.264) and give its address.",
        )
    if size is not None and size > VIDEO_MAX_BYTES:
        return UrlProblem(url, f"it is {size / 1e9:,.1f} GB; TikTok takes at most 4 GB", "Make the file smaller.")
    problem = _video_head_problem(head)
    return UrlProblem(url, problem, "Export the video as MP4 (H.264), 360-4096 px per side.") if problem else ""


VIDEO_CODECS = ("h264", "h265", "vp8", "vp9")


def _video_head_problem(head: bytes) -> str:
    """What MediaInfo reads in the first MiB of a video (its index is there when the file is 'fast start'): a codec
    or a picture size TikTok refuses. "" when fine or when the head does not tell."""
    import os
    import tempfile

    try:
        from core.media.probe import inspect

        with tempfile.TemporaryDirectory(prefix="clipship-head-") as folder:
            path = os.path.join(folder, "head")
            with open(path, "wb") as fh:
                fh.write(head)
            facts = inspect(path)
    except Exception:  # no MediaInfo, no temp dir: the container check above stands
        return ""
    if facts.unreadable or not facts.has_video:
        return ""
    codec = (facts.video_codec or "").lower()
    if codec and codec not in VIDEO_CODECS:
        return f"its video is {facts.video_codec}; TikTok takes H.264, H.265, VP8 or VP9"
    sides = [v for v in (facts.width, facts.height) if v]
    if len(sides) == 2 and not all(360 <= v <= 4096 for v in sides):
        return f"it is {facts.width}x{facts.height} pixels; TikTok takes 360-4096 px per side"
    return ""


def _fetch_all(urls: Sequence[str], kind: str, verify: bool | str) -> list[UrlProblem | str]:
    """_content_problems for each URL, 8 at a time on daemon threads, all within TOTAL_BUDGET_S (a name lookup
    that hangs is outside requests' timeouts; a thread still stuck then is left behind, and never delays exit)."""
    outcomes: list[UrlProblem | str] = [f"{u}: it did not answer in time, so its content was not checked" for u in urls]
    slots = threading.Semaphore(8)

    def work(index: int, url: str) -> None:
        with slots, requests.Session() as session:
            session.trust_env = False  # the app's own view of the URL, not a proxy's
            outcomes[index] = _content_problems(url, kind, session, verify)

    threads = [threading.Thread(target=work, args=(i, u), daemon=True) for i, u in enumerate(urls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TOTAL_BUDGET_S
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return list(outcomes)


def check_urls(
    urls: Sequence[str], kind: str, prefixes: Sequence[str] = (), verify: bool | str = True, fetch: bool = True
) -> UrlReport:
    """Every rule for a post's URLs (kind "photo" or "video"). Nothing is sent to TikTok here."""
    report = UrlReport()
    reachable = []
    for url in urls:
        problems = static_problems(url, prefixes)
        report.problems.extend(problems)
        if not problems:
            reachable.append(url)
    if not fetch or not reachable or report.problems:
        return report
    for outcome in _fetch_all(reachable, kind, verify):
        if isinstance(outcome, UrlProblem):
            report.problems.append(outcome)
        elif outcome:
            report.warnings.append(outcome)
    return report
