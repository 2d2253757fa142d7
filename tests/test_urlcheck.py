"""The checks of media URLs before a PULL_FROM_URL post: formats by content, prefixes, and real ranged GETs
against the sandbox's https media host."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core.imagefmt import photo_fail_reason, photo_problem, sniff
from core.sandbox.mediahost import DEMO_MEDIA
from core.urlcheck import check_urls, parse_prefixes, static_problems, under_prefix, url_prefix


@pytest.mark.parametrize(
    ("name", "fmt", "size"),
    [
        ("photo_1080x1920.jpg", "JPEG", (1080, 1920)),
        ("photo_720x720.jpg", "JPEG", (720, 720)),
        ("photo_1080x1080.webp", "WEBP", (1080, 1080)),
        ("photo_640x640.png", "PNG", (640, 640)),
        ("photo_2000x2000.jpg", "JPEG", (2000, 2000)),
        ("clip_720x1280.mp4", "MP4", (0, 0)),
    ],
)
def test_sniff_reads_format_and_size_from_content(name: str, fmt: str, size: tuple[int, int]) -> None:
    found = sniff((DEMO_MEDIA / name).read_bytes()[:65536])
    assert (found.format, (found.width, found.height)) == (fmt, size)


def test_sniff_by_content_not_name(media: Path) -> None:
    assert sniff((media / "png_renamed.mp4").read_bytes()).format == "PNG"
    assert sniff((media / "text_renamed.mp4").read_bytes()).format == ""
    assert sniff((media / "vp9_720x1280_30fps.webm").read_bytes()).format == "WEBM"
    assert sniff((media / "h264_720x1280_30fps.mov").read_bytes()).format == "MOV"


def test_photo_rules() -> None:
    jpeg = sniff((DEMO_MEDIA / "photo_1080x1920.jpg").read_bytes())
    assert photo_problem(jpeg, 12_000) == "" and photo_fail_reason(jpeg, 12_000) is None
    assert "20 MB" in photo_problem(jpeg, 21 * 1024 * 1024)
    assert photo_fail_reason(jpeg, 21 * 1024 * 1024) == "picture_size_check_failed"
    big = sniff((DEMO_MEDIA / "photo_2000x2000.jpg").read_bytes())
    assert "2000x2000" in photo_problem(big, 1000) and photo_fail_reason(big, 1000) == "picture_size_check_failed"
    png = sniff((DEMO_MEDIA / "photo_640x640.png").read_bytes())
    assert "PNG" in photo_problem(png, 1000) and photo_fail_reason(png, 1000) == "file_format_check_failed"


def test_static_rules_and_prefixes() -> None:
    assert url_prefix("https://cdn.example.com/a/b/photo.jpg") == "https://cdn.example.com/a/b/"
    assert parse_prefixes("https://a.example/x/, https://b.example/\nc.example") == (
        "https://a.example/x/",
        "https://b.example/",
        "c.example",
    )
    assert under_prefix("https://a.example/x/1.jpg", ["https://a.example/x/"])
    assert not under_prefix("https://a.example/xy/1.jpg", ["https://a.example/x"])  # a folder, not a string prefix
    assert under_prefix("https://c.example/any/1.jpg", ["c.example"])  # a verified domain covers its paths
    assert not under_prefix("https://evil.example/c.example/1.jpg", ["c.example"])

    def first(url: str, prefixes: tuple[str, ...] = ()) -> str:
        problems = static_problems(url, prefixes)
        return problems[0].text() if problems else ""

    assert "only https" in first("http://a.example/1.jpg")
    assert "IP address" in first("https://192.0.2.7/1.jpg") and "IP address" in first("https://[::1]/1.jpg")
    assert "user name or password" in first("https://u:p@a.example/1.jpg")
    refused = first("https://b.example/p/1.jpg", ("https://a.example/",))
    assert "not under any of your verified URL prefixes" in refused and "https://b.example/p/" in refused
    assert first("https://a.example/p/1.jpg", ("https://a.example/",)) == ""
    assert first("https://a.example/p/1.jpg") == ""  # no prefixes listed: TikTok decides


def test_check_urls_fetches_the_head_of_each_url(sandbox: Any) -> None:
    base, ca = sandbox.media_base_url, sandbox.media_ca
    good = [f"{base}/media/photo_720x720.jpg", f"{base}/media/photo_1080x1080.webp"]
    report = check_urls(good, "photo", verify=ca)
    assert report.problems == [] and report.warnings == []
    bad = {
        f"{base}/media/photo_640x640.png": "PNG",
        f"{base}/media/photo_2000x2000.jpg": "2000x2000",
        f"{base}/big.jpg": "21.0 MB",
        f"{base}/redirect/photo_720x720.jpg": "redirects (HTTP 302",
        f"{base}/media/missing.jpg": "HTTP 404",
    }
    report = check_urls(list(bad), "photo", verify=ca)
    assert len(report.problems) == len(bad)
    for problem in report.problems:
        assert bad[problem.url] in problem.message and problem.fix
    big = [r for r in sandbox.request_log if r.path == "/big.jpg"]
    assert big and all(r.status == 206 for r in big)  # a ranged GET: 1 MiB of the 21 MiB was read
    video = check_urls([f"{base}/media/clip_720x1280.mp4", f"{base}/media/photo_720x720.jpg"], "video", verify=ca)
    assert [p.url for p in video.problems] == [f"{base}/media/photo_720x720.jpg"]
    assert "MP4, MOV or WebM" in video.problems[0].message
    small = check_urls([f"{base}/media/clip_200x200.mp4"], "video", verify=ca)  # MediaInfo on the first MiB
    assert "200x200 pixels" in small.problems[0].message


def test_unreachable_urls_warn_and_do_not_block(sandbox: Any) -> None:
    """TikTok downloads from its side: what this computer cannot reach or trust is a warning, not a refusal."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    urls = [
        f"https://localhost:{port}/nothing-listens.jpg",
        f"{sandbox.media_base_url}/media/photo_640x640.png",  # untrusted certificate: content not checked
        "https://host.invalid/photo.jpg",
    ]
    report = check_urls(urls, "photo", verify=True)
    assert report.problems == [] and len(report.warnings) == 3
    assert any("not trusted" in w for w in report.warnings) and all("not checked" in w for w in report.warnings)


def test_a_url_that_never_answers_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.urlcheck as urlcheck

    monkeypatch.setattr(urlcheck, "TOTAL_BUDGET_S", 1.0)
    monkeypatch.setattr(urlcheck, "READ_BUDGET_S", 5.0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # takes the connection, never answers the TLS handshake
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        report = check_urls([f"https://localhost:{listener.getsockname()[1]}/x.jpg"], "photo")
        assert time.monotonic() - started < 3.0
        assert report.problems == [] and "in time" in report.warnings[0]
    finally:
        stop.set()
        thread.join()
        for sock in accepted:
            sock.close()
        listener.close()
