"""`post-photos` as a user runs it: subprocesses against the sandbox (its https media host holds the photos)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.engine_helpers import cli_env

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"publish_id", "status", "fail_reason", "post_ids", "post_url", "elapsed_s"}
INIT = "/v2/post/publish/content/init/"


@pytest.fixture
def sb(sandbox: Any) -> Any:
    sandbox.config.processing_delay_s = 0.2
    sandbox.config.moderation_delay_s = 0.2
    return sandbox


@pytest.fixture
def env(sb: Any, tmp_path: Path) -> dict[str, str]:
    out = cli_env(sb, tmp_path / "cli-data")
    out["CLIPSHIP_MEDIA_CA"] = sb.media_ca  # this computer can check the sandbox's media host
    return out


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def one_object(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout + out.stderr
    obj = json.loads(lines[0])
    assert isinstance(obj, dict) and KEYS <= set(obj)
    return obj


def url(sb: Any, path: str) -> str:
    return f"{sb.media_base_url}/{path}"


def inits(sb: Any) -> list[Any]:
    return [r for r in sb.request_log if r.path == INIT]


def test_photo_direct_post(env: dict[str, str], sb: Any) -> None:
    urls = [url(sb, "media/photo_1080x1920.jpg"), url(sb, "media/photo_1080x1080.webp")]
    out = run(
        env, "post-photos", *urls, "--privacy", "PUBLIC_TO_EVERYONE", "--title", "Two 📸", "--description",
        "a #carousel", "--cover-index", "1", "--auto-music", "--no-comment", "--your-brand", "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "PUBLISH_COMPLETE" and obj["fail_reason"] is None and obj["elapsed_s"] > 0
    assert obj["publish_id"].startswith("p_pub_url~v2.")
    assert obj["post_ids"] and obj["post_url"].endswith(obj["post_ids"][0])  # public: the link once moderated
    pub = sb.state.publishes[obj["publish_id"]]
    assert pub.urls == urls and pub.media_type == "PHOTO" and pub.kind == "direct"
    assert pub.post_info == {
        "title": "Two 📸",
        "description": "a #carousel",
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "disable_comment": True,
        "auto_add_music": True,
        "brand_content_toggle": False,
        "brand_organic_toggle": True,
    }
    assert "downloading" in out.stderr.lower() and env["CLIPSHIP_ACCESS_TOKEN"] not in out.stdout + out.stderr
    history = run(env, "history", "--json")
    record = json.loads(history.stdout)[0]
    assert record["kind"] == "photos" and record["urls"] == urls and record["status"] == "PUBLISH_COMPLETE"
    assert "2 photos from localhost" in run(env, "history").stdout


def test_photo_draft_goes_to_the_inbox(env: dict[str, str], sb: Any) -> None:
    out = run(env, "post-photos", url(sb, "media/photo_720x720.jpg"), "--draft", "--title", "later", "--json")
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "SEND_TO_USER_INBOX" and obj["publish_id"].startswith("p_inbox_url~v2.")
    assert sb.state.publishes[obj["publish_id"]].kind == "inbox"


def test_no_wait_returns_while_tiktok_downloads(env: dict[str, str], sb: Any) -> None:
    out = run(
        env, "post-photos", url(sb, "slow/photo_720x720.jpg?s=3"), "--privacy", "SELF_ONLY", "--no-wait", "--json"
    )
    assert out.returncode == 0, out.stderr
    obj = one_object(out)
    assert obj["status"] == "PROCESSING_DOWNLOAD"
    status = run(env, "status", obj["publish_id"], "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["status"] == "PUBLISH_COMPLETE"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "privacy"),  # neither --privacy nor --draft
        (("--privacy", "SELF_ONLY", "--draft"), "not allowed with"),
        (("--privacy", "EVERYONE"), "Unknown privacy level"),
        (("--privacy", "SELF_ONLY", "--title", "x" * 91), "title is 91"),
        (("--privacy", "SELF_ONLY", "--title", "😀" * 46), "title is 92"),  # UTF-16 units
        (("--privacy", "SELF_ONLY", "--description", "d" * 4001), "description is 4001"),
        (("--privacy", "SELF_ONLY", "--cover-index", "2"), "cover index 2"),
        (("--privacy", "SELF_ONLY", "--cover-index", "-1"), "cover-index"),
        (("--privacy", "SELF_ONLY", "--branded-content"), "Branded content"),
        (("--draft", "--no-comment"), "only to direct posts"),
    ],
)
def test_bad_input_exits_2_with_nothing_sent(env: dict[str, str], sb: Any, args: tuple[str, ...], words: str) -> None:
    urls = [url(sb, "media/photo_720x720.jpg"), url(sb, "media/photo_1080x1920.jpg")]
    out = run(env, "post-photos", *urls, *args)
    assert out.returncode == 2, out.stderr
    assert words in out.stderr and "Traceback" not in out.stderr
    assert not inits(sb) and not [r for r in sb.request_log if r.path.startswith("/v2/")]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("http://localhost/a.jpg", "only https"),
        ("https://127.0.0.1/a.jpg", "IP address"),
        ("media/photo_640x640.png", "PNG"),
        ("media/photo_2000x2000.jpg", "2000x2000"),
        ("big.jpg", "20 MB"),
        ("redirect/photo_720x720.jpg", "redirects"),
        ("media/gone.jpg", "HTTP 404"),
    ],
)
def test_bad_urls_exit_2_with_their_fix(env: dict[str, str], sb: Any, target: str, words: str) -> None:
    wrong = target if target.startswith("http") else url(sb, target)
    out = run(env, "post-photos", url(sb, "media/photo_720x720.jpg"), wrong, "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 2, out.stderr
    assert words in out.stderr and wrong in out.stderr and "Nothing was sent" in out.stderr
    assert one_object(out)["error"]["exit_code"] == 2
    assert not inits(sb)


def test_count_limits(env: dict[str, str], sb: Any) -> None:
    out = run(env, "post-photos", "--privacy", "SELF_ONLY")
    assert out.returncode == 2 and "URL" in out.stderr
    many = [url(sb, "media/photo_720x720.jpg")] * 36
    out = run(env, "post-photos", *many, "--privacy", "SELF_ONLY")
    assert out.returncode == 2 and "1 to 35 images; 36" in out.stderr and not inits(sb)


def test_unverified_prefix_from_tiktok_exits_2_naming_it(env: dict[str, str], sb: Any) -> None:
    sb.config.verified_url_prefixes = ("https://cdn.example.com/",)
    photo = url(sb, "media/photo_720x720.jpg")
    out = run(env, "post-photos", photo, "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 2, out.stderr
    assert f"{sb.media_base_url}/media/" in out.stderr and "developer portal" in out.stderr
    assert one_object(out)["error"]["code"] == "url_ownership_unverified"
    assert [r.status for r in inits(sb)] == [403]


def test_verified_prefixes_setting_refuses_before_sending(env: dict[str, str], sb: Any) -> None:
    assert run(env, "config", "set", "verified_url_prefixes", "https://cdn.example.com/p/").returncode == 0
    out = run(env, "post-photos", url(sb, "media/photo_720x720.jpg"), "--privacy", "SELF_ONLY")
    assert out.returncode == 2 and "verified URL prefixes" in out.stderr and f"{sb.media_base_url}/media/" in out.stderr
    assert not inits(sb)


def test_pull_failure_reported_by_tiktok_exits_1(env: dict[str, str], sb: Any) -> None:
    """The photo was there when Clipship looked, and gone when TikTok fetched it."""
    out = run(env, "post-photos", url(sb, "once/t1/photo_720x720.jpg"), "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 1, out.stderr
    obj = one_object(out)
    assert (obj["status"], obj["fail_reason"]) == ("FAILED", "photo_pull_failed")
    assert "could not download the photos" in out.stderr
    assert "could not publish the photos" in out.stderr and "the video" not in out.stderr


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("media/photo_640x640.png", "file_format_check_failed"),
        ("media/photo_2000x2000.jpg", "picture_size_check_failed"),
    ],
)
def test_unchecked_urls_warn_and_tiktok_decides(env: dict[str, str], sb: Any, path: str, reason: str) -> None:
    """Where this computer cannot check a URL (here: it does not trust the host), TikTok's verdict is the answer."""
    del env["CLIPSHIP_MEDIA_CA"]
    out = run(env, "post-photos", url(sb, path), "--privacy", "SELF_ONLY", "--json")
    assert out.returncode == 1, out.stderr
    assert "Warning:" in out.stderr and "not checked" in out.stderr
    assert one_object(out)["fail_reason"] == reason


def test_history_schema_2_gains_kind_and_urls(tmp_path: Path) -> None:
    """A history written before URL posts opens as schema 3: its attempts are file videos with no URLs."""
    import sqlite3

    from core.history import _SCHEMA, SCHEMA_VERSION, History

    old = _SCHEMA.replace(",\n    kind TEXT NOT NULL DEFAULT 'video',\n    urls_json TEXT NOT NULL DEFAULT '[]'", "")
    assert "kind" not in old
    with sqlite3.connect(tmp_path / "history.db") as db:
        db.executescript(old + "; PRAGMA user_version = 2;")
        db.execute(
            "INSERT INTO attempts (publish_id, created_at, updated_at, file_path, file_size, fingerprint, account,"
            " api_base, sandbox, draft, settings_json, chunk_size, chunk_count, status)"
            " VALUES ('v1', 1, 1, '/v.mp4', 10, 'f', 'a', 'b', 1, 0, '{}', 10, 1, 'PUBLISH_COMPLETE')"
        )
    with History.in_dir(tmp_path) as history:
        (attempt,) = history.attempts()
        assert (attempt.kind, attempt.urls, attempt.publish_id) == ("video", (), "v1")
        assert history._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3


def test_embedded_sandbox_serves_the_demo_photos(tmp_path: Path) -> None:
    """`--sandbox`: the app trusts the embedded sandbox's media host and its prefix is the verified one."""
    from core.context import open_context
    from core.session import Session

    with open_context(sandbox=True) as ctx:
        assert ctx.sandbox is not None and ctx.config.media_ca == ctx.sandbox.media_ca
        base = ctx.sandbox.media_base_url
        assert base.startswith("https://localhost:") and ctx.config.verified_url_prefixes == (base + "/",)
        with Session(ctx) as session:
            report = session.check_urls("photo", (f"{base}/media/photo_720x720.jpg", f"{base}/media/photo_640x640.png"))
    assert [p.url.rsplit("/", 1)[1] for p in report.problems] == ["photo_640x640.png"] and not report.warnings


def test_a_lost_answer_to_the_init_is_recorded_as_sent_not_as_not_posted(
    env: dict[str, str], sb: Any, tmp_path: Path
) -> None:
    """TikTok takes the post and starts downloading, but its answer never arrives: the record and every message say
    the post may appear (it does), never "not posted"."""
    from core.attempt import State
    from core.history import History
    from core.session import describe

    sb.config.drop_init_response = 1
    out = run(env, "post-photos", url(sb, "media/photo_720x720.jpg"), "--privacy", "SELF_ONLY")
    assert out.returncode == 4, out.stderr
    assert "may have received the post" in out.stderr and "Nothing was posted" not in out.stderr
    history = History.in_dir(tmp_path / "cli-data")
    try:
        (attempt,) = history.attempts()
        assert attempt.state == State.UPLOADED and attempt.publish_id is None
        headline, detail = describe(attempt)
        assert headline == "Sent; outcome not known" and "may appear" in detail
    finally:
        history.close()
    # TikTok did post it: "not posted" would have been untrue.
    published = [p for p in sb.world.state.publishes.values() if p.media_type == "PHOTO"]
    assert len(published) == 1
    listing = run(env, "history")  # the next run (recovery, reconcile) keeps it that way
    assert listing.returncode == 0 and "Not posted" not in listing.stdout
    history = History.in_dir(tmp_path / "cli-data")
    try:
        assert history.attempts()[0].state == State.UPLOADED
    finally:
        history.close()
