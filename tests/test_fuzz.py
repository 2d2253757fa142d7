"""Property-based fuzzing of every parser of outside input (bounded examples, so CI stays quick).

The loopback sign-in callback, the settings file, history rows, the sandbox's Content-Range handling, WHEN
times for the queue, and media facts from pymediainfo: whatever arrives, each answers with a value or a typed
error (ClipshipError), never a crash.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.auth.loopback import LoopbackReceiver
from core.config import SETTINGS, load_settings
from core.errors import ClipshipError
from core.history import History, _attempt
from core.media import Limits, preflight
from core.queue import parse_when

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@FAST
@given(st.text(max_size=200))
def test_loopback_callback_judges_any_request_line(path: str) -> None:
    receiver = LoopbackReceiver("the-state")
    status, title, text = receiver.handle("/callback/?" + path)
    assert status in (200, 400, 404) and title and text
    status, _, _ = receiver.handle(path)
    assert status in (200, 400, 404)


@FAST
@given(st.dictionaries(st.sampled_from([s.name for s in SETTINGS] + ["other"]), json_values, max_size=6))
def test_any_settings_file_gives_valid_settings(tmp_path_factory: pytest.TempPathFactory, stored: Any) -> None:
    folder = tmp_path_factory.mktemp("settings")
    (folder / "settings.json").write_text(json.dumps(stored, allow_nan=True))
    values = load_settings(folder)
    for setting in SETTINGS:
        assert setting.check(values[setting.name]) == values[setting.name]


@FAST
@given(st.binary(max_size=300))
def test_any_settings_bytes_give_the_defaults_or_valid_values(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    folder = tmp_path_factory.mktemp("settings")
    (folder / "settings.json").write_bytes(raw)
    values = load_settings(folder)
    assert set(values) == {s.name for s in SETTINGS}


@FAST
@given(
    st.text(max_size=40),
    st.text(max_size=40),
    st.text(max_size=40),
    st.text(max_size=40),
    st.sampled_from(["CHECKING", "UPLOADING", "PUBLISH_COMPLETE", "ERROR", "INITIALIZED", "FAILED"]),
)
def test_any_history_row_reads(settings_json: str, request_json: str, post_ids: str, log_ids: str, status: str) -> None:
    with History.memory() as history:
        history._db.execute(
            "INSERT INTO attempts (publish_id, created_at, updated_at, file_path, file_size, fingerprint, account,"
            " api_base, sandbox, draft, settings_json, request_json, chunk_size, chunk_count, status,"
            " post_ids_json, log_ids_json) VALUES ('p', 0, 0, '/v', 1, 'f', 'a', 'b', 0, 0, ?, ?, 1, 1, ?, ?, ?)",
            (settings_json, request_json, status, post_ids, log_ids),
        )
        history._db.row_factory = sqlite3.Row
        (row,) = history._db.execute("SELECT * FROM attempts").fetchall()
        attempt = _attempt(row)
        assert isinstance(attempt.settings, dict) and isinstance(attempt.post_ids, tuple)
        json.dumps(attempt.to_json())


@FAST
@given(st.text(max_size=60))
def test_any_when_is_a_time_or_a_clear_error(text: str) -> None:
    try:
        value = parse_when(text, 1_800_000_000.0)
    except ClipshipError as exc:
        assert exc.message and exc.exit_code == 2
    else:
        assert isinstance(value, float)


@pytest.fixture(scope="module")
def upload_target(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from core.sandbox import Sandbox
    from tests.test_sandbox_support import quiet_config

    sb = Sandbox(tmp_path_factory.mktemp("fuzz-sb"), quiet_config())
    sb.start()
    token = sb.issue_token()["access_token"]
    body = {
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": 1000, "chunk_size": 1000, "total_chunk_count": 1},
    }
    init = requests.post(
        sb.base_url + "/v2/post/publish/video/init/",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["data"]
    yield sb, init["upload_url"]
    sb.stop()


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda a, b, c: f"bytes {a}-{b}/{c}",
            st.integers(-5, 2000),
            st.integers(-5, 2000),
            st.integers(-5, 2000),
        ),
    ),
    st.integers(0, 1200),
)
def test_sandbox_content_range_handling(upload_target: Any, content_range: str, length: int) -> None:
    sb, url = upload_target
    if any(ord(ch) < 32 or ord(ch) > 126 for ch in content_range):
        content_range = content_range.encode("ascii", "replace").decode().replace("\n", " ").replace("\r", " ")
    headers = {"Content-Type": "video/mp4", "Content-Range": content_range}
    try:
        answer = requests.put(url, data=b"\0" * length, headers=headers, timeout=10)
    except requests.RequestException:
        return  # a header requests itself refuses to send
    assert answer.status_code in (201, 206, 400, 416), answer.status_code
    assert requests.get(sb.base_url + "/v2/user/info/", timeout=10).status_code == 401  # still serving


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=0, max_size=4000))
def test_media_facts_from_any_bytes(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("media")) / "x.mp4"
    path.write_bytes(raw)
    report = preflight(path, Limits())
    assert not report.accepted or report.facts is not None
    json.dumps(report.to_dict())
