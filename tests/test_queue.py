"""The posting queue: time rules on a fake clock, exactly-once under SIGKILL, caps, two runners, the CLI contract."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.context import AppContext
from core.errors import InputError
from core.history import History
from core.models import PostSettings
from core.queue import Queue, QueueError, parse_when, run_queue
from core.session import Session
from tests.engine_helpers import cli_env, make_video

ROOT = Path(__file__).resolve().parents[1]
PRIVATE = PostSettings(privacy_level="SELF_ONLY")


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(tmp_path: Path, clock: FakeClock) -> Iterator[Queue]:
    with History.in_dir(tmp_path / "data") as history:
        yield Queue(history, clock)


@pytest.fixture
def berlin() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_when_forms(berlin: None) -> None:
    now = 1_800_000_000.0
    assert parse_when("+90s", now) == now + 90
    assert parse_when("+15m", now) == now + 900
    assert parse_when("+2h", now) == now + 7200
    assert parse_when("2026-12-24T18:00:00+01:00", now) == parse_when("2026-12-24T17:00:00Z", now)
    assert parse_when("2026-12-24 18:00", now) == parse_when("2026-12-24T18:00:00+01:00", now)  # local: CET
    assert parse_when("2027-07-01 18:00", now) == parse_when("2027-07-01T18:00:00+02:00", now)  # local: CEST
    with pytest.raises(InputError, match="does not exist"):
        parse_when("2027-03-28 02:30", now)  # the clocks jump from 02:00 to 03:00
    with pytest.raises(InputError):
        parse_when("next tuesday", now)


def test_due_later_and_order(queue: Queue, clock: FakeClock, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    later = queue.add(video, PRIVATE, at=clock.now + 3600)
    first = queue.add(video, PRIVATE)
    second = queue.add(video, PRIVATE)
    earlier = queue.add(video, PRIVATE, at=clock.now - 10)  # missed while off: due, and first
    assert [i.state(clock.now) for i in (later, first, second, earlier)] == ["scheduled", "queued", "queued", "queued"]
    assert [i.id for i in queue.items()] == [earlier.id, later.id, first.id, second.id]  # timed ones by time
    taken = [queue.claim_next(), queue.claim_next(), queue.claim_next(), queue.claim_next()]
    assert [t.id if t else None for t in taken] == [earlier.id, first.id, second.id, None]  # never before its time
    clock.now += 3600
    claimed = queue.claim_next()
    assert claimed is not None and claimed.id == later.id and claimed.state(clock.now) == "posting"


def test_reorder_changes_the_posting_order(queue: Queue, clock: FakeClock, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    a = queue.add(video, PRIVATE)
    clock.now += 60  # added at different times: the user's order still wins
    b = queue.add(video, PRIVATE)
    clock.now += 60
    c = queue.add(video, PRIVATE)
    queue.reorder([c.id, a.id, b.id])
    assert [i.id for i in queue.items()] == [c.id, a.id, b.id]
    assert [queue.claim_next().id for _ in range(3)] == [c.id, a.id, b.id]  # type: ignore[union-attr]


def test_retry_puts_a_failed_item_back(queue: Queue, media: Path) -> None:
    item = queue.add(media / "h264_720x1280_30fps.mp4", PRIVATE, at=queue.clock() + 3600)
    with pytest.raises(QueueError):
        queue.retry(item.id)  # not failed
    queue.finish(item.id, "failed", error="The file changed after it was queued")
    again = queue.retry(item.id)
    assert again.state(queue.clock()) == "queued" and again.error is None and again.at is None


def test_remove_rules(queue: Queue, media: Path) -> None:
    item = queue.add(media / "h264_720x1280_30fps.mp4", PRIVATE)
    with pytest.raises(QueueError):
        queue.remove("nope")
    claimed = queue.claim_next()
    assert claimed is not None
    with pytest.raises(QueueError, match="being posted"):
        queue.remove(item.id)
    queue.finish(item.id, "published")
    with pytest.raises(QueueError, match="already posted"):
        queue.remove(item.id)


def test_a_file_changed_before_its_time_fails_the_item(
    queue: Queue, clock: FakeClock, tmp_path: Path, sandbox: Any
) -> None:
    video = make_video(tmp_path / "v.mp4", 6_000_000)
    item = queue.add(video, PRIVATE, at=clock.now + 60)
    with open(video, "r+b") as fh:
        fh.seek(5_999_000)
        fh.write(b"changed")
    clock.now += 61
    claimed = queue.claim_next()
    assert claimed is not None and claimed.id == item.id and "changed" in (queue.file_problem(claimed) or "")
    gone = queue.add(video, PRIVATE)
    video.unlink()
    assert "moved or deleted" in (queue.file_problem(gone) or "")


def _session(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    from core.config import Config

    monkeypatch.setenv("CLIPSHIP_ACCESS_TOKEN", sandbox.issue_token()["access_token"])
    config = Config(api_base=sandbox.base_url, data_dir=tmp_path / "data")
    return Session(AppContext(config), poll_intervals=(0.1,))


def test_run_posts_due_items_and_leaves_later_ones(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.config.processing_delay_s = 0.3
    with _session(sandbox, tmp_path, monkeypatch) as session:
        queue = Queue(session.history)
        videos = [make_video(tmp_path / f"v{n}.mp4", 6_000_000 + n * 1000) for n in range(3)]
        due = [queue.add(v, PRIVATE) for v in videos[:2]]
        later = queue.add(videos[2], PRIVATE, at=time.time() + 3600)
        summary = run_queue(session, queue, once=True, cancel=threading.Event(), poll_s=0.2)
        assert summary.exit_code == 0 and set(summary.outcomes) == {i.id for i in due}
        states = {i.id: i.state(time.time()) for i in queue.items()}
        assert states == {due[0].id: "published", due[1].id: "published", later.id: "scheduled"}
        assert len(sandbox.state.publishes) == 2


def test_a_posting_cap_makes_the_item_wait(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.config.creator_info_error = "spam_risk_too_many_posts"
    with _session(sandbox, tmp_path, monkeypatch) as session:
        queue = Queue(session.history)
        a = queue.add(make_video(tmp_path / "a.mp4", 6_000_000), PRIVATE)
        b = queue.add(make_video(tmp_path / "b.mp4", 6_001_000), PRIVATE)
        summary = run_queue(session, queue, once=True, cancel=threading.Event(), poll_s=0.2)
        assert summary.exit_code == 0 and summary.outcomes == {a.id: "waiting"}  # b not tried: same account
        item = queue.get(a.id)
        assert (
            item is not None
            and item.state(time.time()) == "waiting"
            and item.retry_at
            and "cannot post" in (item.error or "")
        )
        assert queue.get(b.id).state(time.time()) == "queued"  # type: ignore[union-attr]
        assert sandbox.state.publishes == {}


# -- the command line, as the hidden contract drives it -------------------------------------------------------


@pytest.fixture
def env(sandbox: Any, tmp_path: Path) -> dict[str, str]:
    sandbox.config.processing_delay_s = 0.3
    return cli_env(sandbox, tmp_path / "cli-data")


def cli(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "main.py"), *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)


def listing(env: dict[str, str]) -> list[dict[str, Any]]:
    out = cli(env, "queue", "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert isinstance(rows, list)
    return rows


def test_cli_add_list_remove_run(env: dict[str, str], sandbox: Any, tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    now_add = cli(env, "queue", "add", video, "--privacy", "SELF_ONLY", "--title", "q #1", "--json")
    assert now_add.returncode == 0, now_add.stderr
    first = json.loads(now_add.stdout)
    assert first["state"] == "queued" and first["at"] is None and isinstance(first["id"], str)
    later = json.loads(cli(env, "queue", "add", video, "--draft", "--at", "+2h", "--json").stdout)
    assert later["state"] == "scheduled" and later["at"].endswith("Z")
    gone = json.loads(cli(env, "queue", "add", video, "--privacy", "SELF_ONLY", "--json").stdout)
    past = json.loads(cli(env, "queue", "add", video, "--draft", "--at", "2020-01-01T00:00:00Z", "--json").stdout)
    assert past["state"] == "queued"
    bad = cli(env, "queue", "add", video, "--title", "no privacy")  # as `post` checks: exit 2, nothing added
    assert bad.returncode == 2 and "privacy" in bad.stderr.lower()
    assert cli(env, "queue", "add", tmp_path / "missing.mp4", "--draft").returncode == 2
    assert cli(env, "queue", "add", video, "--draft", "--at", "someday").returncode == 2
    assert cli(env, "queue", "remove", gone["id"]).returncode == 0
    assert cli(env, "queue", "remove", "no-such-id").returncode == 2
    rows = listing(env)
    assert [r["id"] for r in rows].count(first["id"]) == 1 and len(rows) == 4
    assert {r["id"]: r["state"] for r in rows}[gone["id"]] == "cancelled"
    for row in rows:
        assert {"id", "path", "state", "at", "publish_id", "status", "fail_reason", "error"} <= set(row)

    run = cli(env, "queue", "run", "--once", "--json")
    assert run.returncode == 0, run.stderr
    handled = {r["id"]: r for r in json.loads(run.stdout)}
    assert set(handled) == {first["id"], past["id"]}
    states = {r["id"]: r for r in listing(env)}
    assert states[first["id"]]["state"] == "published" and states[first["id"]]["status"] == "PUBLISH_COMPLETE"
    assert states[past["id"]]["state"] == "inbox"
    assert states[later["id"]]["state"] == "scheduled"  # never before its time
    assert cli(env, "queue", "remove", first["id"]).returncode == 2  # already posted
    assert sandbox.state.publishes[states[first["id"]]["publish_id"]].post_info["title"] == "q #1"


def test_cli_run_waits_for_a_scheduled_item_and_posts_it_at_its_time(env: dict[str, str], media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    item = json.loads(cli(env, "queue", "add", video, "--privacy", "SELF_ONLY", "--at", "+3s", "--json").stdout)
    cmd = [sys.executable, str(ROOT / "main.py"), "queue", "run"]
    started = time.time()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = {r["id"]: r for r in listing(env)}
        if rows[item["id"]]["state"] == "published":
            break
        time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert rows[item["id"]]["state"] == "published" and time.time() - started >= 3
    assert proc.returncode == 0


def test_two_runners_post_each_item_once(env: dict[str, str], sandbox: Any, tmp_path: Path) -> None:
    for n in range(4):
        video = make_video(tmp_path / f"two{n}.mp4", 6_000_000 + n * 1000)
        assert cli(env, "queue", "add", video, "--privacy", "SELF_ONLY").returncode == 0
    cmd = [sys.executable, str(ROOT / "main.py"), "queue", "run", "--once"]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    for proc in procs:
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    assert sorted(p.video_size for p in sandbox.state.publishes.values()) == [6_000_000 + n * 1000 for n in range(4)]
    assert {r["state"] for r in listing(env)} == {"published"}


def test_sigkill_anywhere_posts_each_item_exactly_once(env: dict[str, str], sandbox: Any, tmp_path: Path) -> None:
    """`queue run` killed at random instants, again and again, then left to finish: every item published once."""
    sandbox.config.processing_delay_s = 0.5
    sandbox.config.slow_chunk_delay_s = 0.3
    sizes = [12_000_000 + n * 1000 for n in range(4)]
    for n, size in enumerate(sizes):
        video = make_video(tmp_path / f"k{n}.mp4", size)
        assert cli(env, "queue", "add", video, "--privacy", "SELF_ONLY", "--chunk-size", "6000000").returncode == 0
    cmd = [sys.executable, str(ROOT / "main.py"), "queue", "run", "--once"]
    rng = random.Random(int(os.environ.get("CLIPSHIP_TEST_SEED", "7")))
    for _ in range(6):
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.3, 1.5))
        proc.kill()
        proc.communicate(timeout=30)
    sandbox.config.slow_chunk_delay_s = 0.0
    final = cli(env, "queue", "run", "--once")
    assert final.returncode == 0, final.stderr
    completed = sorted(p.video_size for p in sandbox.state.publishes.values() if p.completed_at is not None)
    assert completed == sizes  # none twice, none lost
    rows = listing(env)
    assert {r["state"] for r in rows} == {"published"}, [(r["state"], r["error"], r["status"]) for r in rows]


def test_missed_items_say_how_late_and_posts_are_counted(queue: Queue, clock: FakeClock, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    missed = queue.add(video, PRIVATE, at=clock.now - 7200)  # due while the computer was off
    on_time = queue.add(video, PRIVATE, at=clock.now - 60)
    assert missed.late_by(clock.now) == 7200 and on_time.late_by(clock.now) == 0
    assert queue.history.posts_since("", clock.now - 86400) == 0


def test_a_rate_limit_waits_and_goes_on(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP 429 on init beyond the client's own backoff: the item is given back, the runner waits, then posts it."""
    import core.queue
    from core.api import TikTokClient
    from core.config import Config
    from core.context import StaticToken

    monkeypatch.setattr(core.queue, "RATE_LIMIT_PAUSE_S", 0.2)
    sandbox.config.force_429 = {"video_init": 2}  # the first try and its one retry are refused
    token = sandbox.issue_token()["access_token"]
    config = Config(api_base=sandbox.base_url, data_dir=tmp_path / "data")

    def client(ctx: AppContext, account: str | None) -> TikTokClient:
        return TikTokClient(ctx.config, StaticToken(token), rate_limit_waits=(0.05,))

    with Session(AppContext(config), poll_intervals=(0.1,), client_factory=client) as session:
        queue = Queue(session.history)
        item = queue.add(make_video(tmp_path / "r.mp4", 6_000_000), PRIVATE)
        events: list[str] = []
        summary = run_queue(
            session, queue, once=True, cancel=threading.Event(), poll_s=0.2, on_event=lambda i, w: events.append(w)
        )
        assert summary.exit_code == 0 and summary.outcomes == {item.id: "published"}
        assert any("rate limit" in e for e in events)
