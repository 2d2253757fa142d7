"""The history database: schema and WAL, attempts and events, duplicates, threads, fingerprints."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from core.history import SCHEMA_VERSION, History, HistoryError, fingerprint
from core.models import PostSettings
from tests.engine_helpers import make_video


def record(h: History, publish_id: str, path: Path, account: str = "acct", status: str = "INITIALIZED") -> None:
    h.record_attempt(
        publish_id=publish_id,
        path=path,
        file_size=path.stat().st_size,
        file_fingerprint=fingerprint(path),
        account=account,
        api_base="http://api",
        sandbox=True,
        settings=PostSettings(privacy_level="SELF_ONLY", title="t"),
        chunk_size=path.stat().st_size,
        chunk_count=1,
        status=status,
        log_id="L0",
    )


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    with History.in_dir(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / "history.db")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.commit()
    finally:
        db.close()
    with pytest.raises(HistoryError):
        History.in_dir(tmp_path)


def test_attempt_lifecycle_survives_reopening(tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    with History.in_dir(tmp_path) as h:
        record(h, "p1", video)
        assert h.update("p1", "UPLOADING")
        assert h.update("p1", "PROCESSING_UPLOAD", log_id="L1")
        assert h.update("p1", "PROCESSING_UPLOAD", log_id="L2")  # same status: no new event
        assert h.update("p1", "PUBLISH_COMPLETE", post_ids=("7000000000000000001",), log_id="L3")
        assert not h.update("unknown", "FAILED")
    with History.in_dir(tmp_path) as h:
        a = h.get("p1")
        assert a is not None
        assert a.status == "PUBLISH_COMPLETE" and a.post_ids == ("7000000000000000001",)
        assert a.log_ids == ("L0", "L1", "L2", "L3") and a.sandbox and a.settings["title"] == "t"
        assert [s for _, s, _ in h.events("p1")] == [
            "INITIALIZED",
            "UPLOADING",
            "PROCESSING_UPLOAD",
            "PUBLISH_COMPLETE",
        ]
        times = [t for t, _, _ in h.events("p1")]
        assert times == sorted(times)
        assert a.to_json()["post_ids"] == ["7000000000000000001"]


def test_failures_keep_their_reason(tmp_path: Path, media: Path) -> None:
    with History.in_dir(tmp_path) as h:
        record(h, "p1", media / "h264_720x1280_30fps.mp4")
        h.update("p1", "FAILED", fail_reason="spam_risk_text")
        h.update("p1", "FAILED", error="later note")
        a = h.get("p1")
        assert a is not None and a.fail_reason == "spam_risk_text" and a.error == "later note"


def test_find_posted_only_counts_what_reached_tiktok(tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    key = fingerprint(video)
    with History.in_dir(tmp_path) as h:
        record(h, "cancelled", video, status="CANCELLED")
        record(h, "failed", video, status="FAILED")
        assert h.find_posted(key, "acct", "http://api") is None
        record(h, "done", video, status="PUBLISH_COMPLETE")
        found = h.find_posted(key, "acct", "http://api")
        assert found is not None and found.publish_id == "done"
        assert h.find_posted(key, "other", "http://api") is None
        assert h.find_posted(key, "acct", "http://elsewhere") is None
        assert [a.publish_id for a in h.attempts()] == ["done", "failed", "cancelled"]


def test_fingerprint_sees_content_and_size(tmp_path: Path) -> None:
    a = make_video(tmp_path / "a.mp4", 5_000_000)
    b = make_video(tmp_path / "b.mp4", 5_000_000)
    assert fingerprint(a).split(":")[2] == fingerprint(b).split(":")[2]  # same bytes, same hash part
    with open(b, "r+b") as fh:
        fh.seek(5_000_000 - 20)
        fh.write(b"x")
    assert fingerprint(a).split(":")[2] != fingerprint(b).split(":")[2]  # a change in the last MiB
    c = make_video(tmp_path / "c.mp4", 5_000_001)
    assert fingerprint(c).split(":")[0] == "5000001"


def test_threads_share_one_history(tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    errors: list[BaseException] = []
    with History.in_dir(tmp_path) as h:

        def work(n: int) -> None:
            try:
                for i in range(20):
                    pid = f"p{n}-{i}"
                    record(h, pid, video)
                    h.update(pid, "UPLOADED")
                    h.attempts(limit=5)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(h.attempts(limit=500)) == 80
