"""The history database: schema and WAL, attempts and events, duplicates, threads, fingerprints."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from core.attempt import TRANSITIONS, State, TransitionError
from core.history import SCHEMA_VERSION, History, HistoryError, fingerprint
from core.models import PostSettings
from tests.engine_helpers import make_video


def record(h: History, publish_id: str, path: Path, account: str = "acct", status: str = "INITIATED") -> int:
    """An attempt that reached `status` through the state machine's own path."""
    attempt = h.create(
        path=path,
        file_size=path.stat().st_size,
        file_fingerprint=fingerprint(path),
        account=account,
        api_base="http://api",
        sandbox=True,
        settings=PostSettings(privacy_level="SELF_ONLY", title="t"),
        chunk_size=path.stat().st_size,
        chunk_count=1,
    )
    target = State(status)
    h.transition(attempt.id, State.INITIATED, publish_id=publish_id, log_id="L0", upload_url="http://u/x")
    path_to = {
        State.INITIATED: [],
        State.UPLOADING: [State.UPLOADING],
        State.INTERRUPTED: [State.INTERRUPTED],
        State.PROCESSING: [State.UPLOADING, State.PROCESSING],
        State.PUBLISHED: [State.UPLOADING, State.PROCESSING, State.PUBLISHED],
        State.FAILED: [State.UPLOADING, State.PROCESSING, State.FAILED],
        State.ABANDONED: [State.ABANDONED],
        State.UPLOADED: [State.UPLOADING, State.UPLOADED],
    }[target]
    for step in path_to:
        h.transition(attempt.id, step)
    return attempt.id


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
        aid = record(h, "p1", video)
        h.transition(aid, State.UPLOADING, acked_bytes=0)
        h.transition(aid, State.PROCESSING, log_id="L1")
        h.transition(aid, State.PROCESSING, log_id="L2")  # same state: no new event
        h.transition(aid, State.PUBLISHED, post_ids=("7000000000000000001",), log_id="L3", username="me")
    with History.in_dir(tmp_path) as h:
        a = h.get("p1")
        assert a is not None and a.id == aid
        assert a.status == "PUBLISH_COMPLETE" and a.post_ids == ("7000000000000000001",)
        assert a.post_url == "https://www.tiktok.com/@me/video/7000000000000000001"
        assert a.log_ids == ("L0", "L1", "L2", "L3") and a.sandbox and a.settings["title"] == "t"
        assert [s for _, s, _ in h.events("p1")] == [
            "CHECKING",
            "INITIATED",
            "UPLOADING",
            "PROCESSING_UPLOAD",
            "PUBLISH_COMPLETE",
        ]
        times = [t for t, _, _ in h.events("p1")]
        assert times == sorted(times)
        out = a.to_json()
        assert out["post_ids"] == ["7000000000000000001"] and "upload_url" not in out
        assert out["post_url"] == a.post_url


def test_failures_keep_their_reason(tmp_path: Path, media: Path) -> None:
    with History.in_dir(tmp_path) as h:
        aid = record(h, "p1", media / "h264_720x1280_30fps.mp4", status="PROCESSING_UPLOAD")
        h.transition(aid, State.FAILED, fail_reason="spam_risk_text")
        h.transition(aid, State.FAILED, error="later note")
        a = h.get("p1")
        assert a is not None and a.fail_reason == "spam_risk_text" and a.error == "later note"


@pytest.mark.parametrize("old", list(State))
@pytest.mark.parametrize("new", list(State))
def test_every_transition_follows_the_table(tmp_path: Path, media: Path, old: State, new: State) -> None:
    """One table decides every move; each (old, new) pair is tried on a real record."""
    video = media / "h264_720x1280_30fps.mp4"
    with History.in_dir(tmp_path) as h:
        if old == State.CHECKING:
            aid = h.create(
                path=video,
                file_size=1,
                file_fingerprint="f",
                account="a",
                api_base="b",
                sandbox=True,
                settings=PostSettings(),
                chunk_size=1,
                chunk_count=1,
            ).id
        elif old == State.DOWNLOADING:  # a PULL_FROM_URL post: init goes straight to TikTok's download
            aid = h.create(
                path="https://media.example/a.jpg",
                file_size=0,
                file_fingerprint="url:x",
                account="a",
                api_base="b",
                sandbox=True,
                settings=PostSettings(),
                chunk_size=0,
                chunk_count=0,
                kind="photos",
                urls=("https://media.example/a.jpg",),
            ).id
            h.transition(aid, State.DOWNLOADING, publish_id="p_pub_url~x")
        elif old == State.CANCELLED:
            aid = record(h, "x", video, status="INITIATED")
            h._db.execute("UPDATE attempts SET status = 'CANCELLED' WHERE id = ?", (aid,))
        elif old == State.INBOX:
            aid = record(h, "x", video, status="PROCESSING_UPLOAD")
            h.transition(aid, State.INBOX)
        else:
            aid = record(h, "x", video, status=old.value)
        allowed = new == old or new in TRANSITIONS[old]
        if allowed:
            assert h.transition(aid, new).state == new
        else:
            with pytest.raises(TransitionError):
                h.transition(aid, new)
            assert h.get_id(aid).state == old  # type: ignore[union-attr]


def test_find_posted_only_counts_what_reached_tiktok(tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    key = fingerprint(video)
    with History.in_dir(tmp_path) as h:
        record(h, "interrupted", video, status="INTERRUPTED")
        record(h, "failed", video, status="FAILED")
        assert h.find_posted(key, "acct", "http://api") is None
        record(h, "done", video, status="PUBLISH_COMPLETE")
        found = h.find_posted(key, "acct", "http://api")
        assert found is not None and found.publish_id == "done"
        assert h.find_posted(key, "acct", "http://api", draft=True) is None  # a draft is not a post
        assert h.find_posted(key, "other", "http://api") is None
        assert h.find_posted(key, "acct", "http://elsewhere") is None
        assert [a.publish_id for a in h.attempts()] == ["done", "failed", "interrupted"]


def test_a_dead_process_leaves_a_true_record(tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    with History.in_dir(tmp_path) as h:
        uploading = record(h, "up", video, status="UPLOADING")
        checking = h.create(
            path=video,
            file_size=1,
            file_fingerprint="f",
            account="a",
            api_base="b",
            sandbox=True,
            settings=PostSettings(),
            chunk_size=1,
            chunk_count=1,
        ).id
        assert h.recover() == []  # this process is alive: nothing to recover
        h._db.execute("UPDATE attempts SET owner_pid = 999999999")  # no such process
        changed = {a.id: a.state for a in h.recover()}
        assert changed == {uploading: State.INTERRUPTED, checking: State.ABANDONED}


def test_wave1_history_is_migrated(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "history.db")
    db.executescript(
        """
        CREATE TABLE attempts (id INTEGER PRIMARY KEY, publish_id TEXT NOT NULL UNIQUE, created_at REAL NOT NULL,
          updated_at REAL NOT NULL, file_path TEXT NOT NULL, file_size INTEGER NOT NULL, fingerprint TEXT NOT NULL,
          account TEXT NOT NULL, api_base TEXT NOT NULL, sandbox INTEGER NOT NULL, draft INTEGER NOT NULL,
          settings_json TEXT NOT NULL, chunk_size INTEGER NOT NULL, chunk_count INTEGER NOT NULL,
          status TEXT NOT NULL, fail_reason TEXT, error TEXT, post_ids_json TEXT NOT NULL DEFAULT '[]',
          log_ids_json TEXT NOT NULL DEFAULT '[]');
        CREATE TABLE events (id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL REFERENCES attempts (id),
          at REAL NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
        INSERT INTO attempts VALUES (1, 'p-up', 1, 1, '/v.mp4', 10, '10:123:abc', 'a', 's', 1, 0, '{}', 10, 1,
          'UPLOADING', NULL, NULL, '[]', '[]');
        INSERT INTO attempts VALUES (2, 'p-done', 2, 2, '/v.mp4', 10, '10:456:abc', 'a', 's', 1, 0, '{}', 10, 1,
          'PUBLISH_COMPLETE', NULL, NULL, '["7"]', '[]');
        INSERT INTO events VALUES (1, 1, 1, 'UPLOADING', '');
        PRAGMA user_version = 1;
        """
    )
    db.close()
    with History.in_dir(tmp_path) as h:
        up, done = h.get("p-up"), h.get("p-done")
        assert up is not None and done is not None
        assert up.state == State.INTERRUPTED and not up.resumable()  # no upload URL was kept: check, never resume
        assert done.state == State.PUBLISHED and done.post_ids == ("7",)
        assert up.fingerprint == done.fingerprint == "10:abc"  # the mtime is no longer part of it
        assert [s for _, s, _ in h.events("p-up")] == ["UPLOADING"]


def test_fingerprint_sees_content_and_size(tmp_path: Path) -> None:
    a = make_video(tmp_path / "a.mp4", 5_000_000)
    b = make_video(tmp_path / "b.mp4", 5_000_000)
    assert fingerprint(a) == fingerprint(b)  # same bytes, same fingerprint (wherever the copy lives)
    with open(b, "r+b") as fh:
        fh.seek(5_000_000 - 20)
        fh.write(b"x")
    assert fingerprint(a) != fingerprint(b)  # a change in the last MiB
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
                    aid = record(h, pid, video)
                    h.transition(aid, State.UPLOADING)
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


def test_a_damaged_history_is_set_aside_and_its_readable_rows_kept(tmp_path: Path, media: Path) -> None:
    video = media / "h264_720x1280_30fps.mp4"
    with History.in_dir(tmp_path) as h:
        for n in range(60):
            record(h, f"p{n}", video, status="PUBLISH_COMPLETE")
        h._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = tmp_path / "history.db"
    data = bytearray(db.read_bytes())
    rng = __import__("random").Random(5)
    for i in range(4096, len(data)):  # keep the first 4 KB (header and schema), randomise the rest
        data[i] = rng.randrange(256)
    db.write_bytes(bytes(data))
    with History.in_dir(tmp_path) as h:
        assert "damaged" in h.notice and "kept aside" in h.notice
        kept = h.attempts(500)
        assert all(a.status == "PUBLISH_COMPLETE" for a in kept)
        aid = record(h, "after", video)  # the history works again
        assert h.get_id(aid) is not None
    assert list(tmp_path.glob("history.db.damaged-*"))


def test_a_row_with_bad_json_does_not_block_anything(tmp_path: Path, media: Path) -> None:
    with History.in_dir(tmp_path) as h:
        record(h, "bad", media / "h264_720x1280_30fps.mp4")
        h._db.execute("UPDATE attempts SET settings_json = '{not json', post_ids_json = '7'")
        (a,) = h.attempts()
        assert a.settings == {} and a.post_ids == ()
