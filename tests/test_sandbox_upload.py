"""The sandbox's upload URL: header checks, sequential chunks (206/201/416), faults, bytes on disk, status machine."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from test_sandbox_support import MIB, Api, api, pattern, running, sha256

from core.sandbox import Sandbox
from core.sandbox import upload as upload_module

TWO = 10 * MIB  # the smallest file that may be sent in two chunks (5 MiB each)
HALF = 5 * MIB


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    with running(tmp_path / "state") as server:
        yield server


@pytest.fixture
def client(sb: Sandbox) -> Iterator[Api]:
    with api(sb) as c:
        yield c


@pytest.fixture(scope="module")
def two_chunks() -> bytes:
    return pattern(TWO, seed=2)


def start(client: Api, size: int, chunk: int | None = None, count: int = 1, **kw: object) -> tuple[str, str]:
    data = client.init(size, chunk, count, **kw).json()["data"]  # type: ignore[arg-type]
    return data["publish_id"], data["upload_url"]


def test_whole_file_upload(sb: Sandbox, client: Api) -> None:
    body = pattern(100_000)
    publish_id, url = start(client, len(body))
    answer = client.put(url, body, 0, len(body))
    assert answer.status_code == 201 and answer.content == b""
    assert answer.headers["Content-Range"] == "bytes 0-99999/100000"
    got = sb.received(publish_id)
    assert got.complete and got.size == 100_000 and got.sha256 == sha256(body)
    assert got.path.read_bytes() == body


def test_official_example_five_chunks(sb: Sandbox, client: Api) -> None:
    size, chunk = 50_000_123, 10_000_000
    body = pattern(size, seed=5)
    publish_id, url = start(client, size, chunk, 5)
    ranges = [
        (0, 9_999_999),
        (10_000_000, 19_999_999),
        (20_000_000, 29_999_999),
        (30_000_000, 39_999_999),
        (40_000_000, 50_000_122),
    ]
    statuses = []
    for first, last in ranges:
        answer = client.put(url, body[first : last + 1], first, size)
        statuses.append(answer.status_code)
        assert answer.headers["Content-Range"] == f"bytes 0-{last}/{size}"
        if first == 20_000_000:
            data = client.status(publish_id).json()["data"]
            assert data["status"] == "PROCESSING_UPLOAD" and data["uploaded_bytes"] == 30_000_000
    assert statuses == [206, 206, 206, 206, 201]
    assert sb.received(publish_id).sha256 == sha256(body)


def test_out_of_order_and_repeats(sb: Sandbox, client: Api, two_chunks: bytes) -> None:
    publish_id, url = start(client, TWO, HALF, 2)
    first, second = two_chunks[:HALF], two_chunks[HALF:]
    assert client.put(url, second, HALF, TWO).status_code == 416  # chunk 1 before chunk 0
    assert client.put(url, first[:-1], 1, TWO).status_code == 416  # wrong offset
    assert client.put(url, first, 0, TWO).status_code == 206
    again = client.put(url, first, 0, TWO)  # the same chunk again (a lost 206): same answer, nothing changes
    assert again.status_code == 206 and again.headers["Content-Range"] == f"bytes 0-{HALF - 1}/{TWO}"
    assert client.put(url, second, 0, TWO).status_code == 416  # same range, other bytes
    assert client.put(url, second, HALF, TWO).status_code == 201
    assert client.put(url, second, HALF, TWO).status_code == 201  # a lost 201, retried
    assert client.put(url, first, 0, TWO).status_code == 416  # the upload is finished
    got = sb.received(publish_id)
    assert got.size == TWO and got.sha256 == sha256(two_chunks)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/octet-stream", "Content-Range": "bytes 0-999/1000"},
        {"Content-Range": "bytes 0-999/1000"},
        {"Content-Type": "video/mp4"},
        {"Content-Type": "video/mp4", "Content-Range": "bytes=0-999/1000"},
        {"Content-Type": "video/mp4", "Content-Range": "bytes 0-999/*"},
        {"Content-Type": "video/mp4", "Content-Range": "bytes 0-999/1001"},  # total is not video_size
        {"Content-Type": "video/mp4", "Content-Range": "bytes 0-998/1000"},  # Content-Length is 1000
        {"Content-Type": "video/mp4", "Content-Range": "bytes 999-0/1000"},
    ],
)
def test_malformed_headers_are_400(sb: Sandbox, client: Api, headers: dict[str, str]) -> None:
    publish_id, url = start(client, 1000)
    answer = client.session.put(url, data=pattern(1000), headers=headers, timeout=10)
    assert answer.status_code == 400
    assert sb.received(publish_id).size == 0


@pytest.mark.parametrize("ctype", ["video/mp4", "video/quicktime", "video/webm"])
def test_documented_content_types(client: Api, ctype: str) -> None:
    _, url = start(client, 1000)
    assert client.put(url, pattern(1000), 0, 1000, ctype=ctype).status_code == 201


def test_short_body_is_400(sb: Sandbox, client: Api) -> None:
    publish_id, url = start(client, 1000)
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = (
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: video/mp4\r\n"
            "Content-Range: bytes 0-999/1000\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b"x" * 500)
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400")
    assert sb.received(publish_id).size == 0
    assert client.put(url, pattern(1000), 0, 1000).status_code == 201  # the upload is still usable


def test_expired_url_is_403(sb: Sandbox, client: Api) -> None:
    _, url = start(client, 1000)
    sb.config.upload_url_ttl = 0
    assert client.put(url, pattern(1000), 0, 1000).status_code == 403


def test_unknown_upload_is_404(sb: Sandbox, client: Api) -> None:
    _, url = start(client, 1000)
    wrong_token = url[: url.index("upload_token=") + len("upload_token=")] + "0" * 48
    assert client.put(wrong_token, pattern(1000), 0, 1000).status_code == 404
    assert (
        client.put(sb.upload_base_url + "/upload/?upload_id=1&upload_token=2", pattern(1000), 0, 1000).status_code
        == 404
    )
    entry = sb.request_log[-1]
    assert entry.path == "/upload/" and entry.status == 404


def test_chunk_5xx_then_accepted(sb: Sandbox, client: Api, two_chunks: bytes) -> None:
    sb.config.chunk_5xx = {1: 2}
    publish_id, url = start(client, TWO, HALF, 2)
    assert client.put(url, two_chunks[:HALF], 0, TWO).status_code == 206
    assert [client.put(url, two_chunks[HALF:], HALF, TWO).status_code for _ in range(3)] == [503, 503, 201]
    assert sb.received(publish_id).sha256 == sha256(two_chunks)


def test_chunk_reset_then_accepted(sb: Sandbox, client: Api, two_chunks: bytes) -> None:
    sb.config.chunk_reset = {0: 1}
    publish_id, url = start(client, TWO, HALF, 2)
    with pytest.raises(requests.ConnectionError):
        client.put(url, two_chunks[:HALF], 0, TWO)
    assert sb.received(publish_id).size == 0
    assert client.put(url, two_chunks[:HALF], 0, TWO).status_code == 206
    assert client.put(url, two_chunks[HALF:], HALF, TWO).status_code == 201
    got = sb.received(publish_id)
    assert got.sha256 == sha256(two_chunks) and got.path.stat().st_size == TWO


def test_slow_chunk_still_arrives(sb: Sandbox, client: Api) -> None:
    sb.config.slow_chunk_delay_s = 0.05
    body = pattern(3 * MIB)
    publish_id, url = start(client, len(body))
    assert client.put(url, body, 0, len(body)).status_code == 201
    assert sb.received(publish_id).sha256 == sha256(body)


# -- status after the upload -----------------------------------------------------------------------------


def upload_small(client: Api, **kw: object) -> str:
    body = pattern(1000)
    publish_id, url = start(client, 1000, **kw)
    assert client.put(url, body, 0, 1000).status_code == 201
    return publish_id


def test_public_post_completes_with_a_post_id(sb: Sandbox, client: Api) -> None:
    data = client.status(upload_small(client, privacy="PUBLIC_TO_EVERYONE")).json()["data"]
    assert data["status"] == "PUBLISH_COMPLETE" and data["uploaded_bytes"] == 1000
    ids = data["publicaly_available_post_id"]
    assert len(ids) == 1 and isinstance(ids[0], int) and ids[0] > 2**53
    assert "fail_reason" not in data


def test_private_post_has_no_post_id(client: Api) -> None:
    data = client.status(upload_small(client, privacy="SELF_ONLY")).json()["data"]
    assert data["status"] == "PUBLISH_COMPLETE" and data["publicaly_available_post_id"] == []


def test_moderation_delay_hides_the_post_id(sb: Sandbox, client: Api) -> None:
    sb.config.moderation_delay_s = 3600
    data = client.status(upload_small(client, privacy="PUBLIC_TO_EVERYONE")).json()["data"]
    assert data["status"] == "PUBLISH_COMPLETE" and data["publicaly_available_post_id"] == []


def test_processing_delay_keeps_processing_upload(sb: Sandbox, client: Api) -> None:
    sb.config.processing_delay_s = 3600
    publish_id = upload_small(client)
    data = client.status(publish_id).json()["data"]
    assert data["status"] == "PROCESSING_UPLOAD" and data["uploaded_bytes"] == 1000
    assert sb.publish_status(publish_id) == "PROCESSING_UPLOAD"


def test_inbox_upload_ends_in_the_inbox(sb: Sandbox, client: Api) -> None:
    publish_id = upload_small(client, inbox=True)
    data = client.status(publish_id).json()["data"]
    assert data["status"] == "SEND_TO_USER_INBOX" and data["publicaly_available_post_id"] == []


@pytest.mark.parametrize("reason", ["frame_rate_check_failed", "internal"])
def test_final_fail_reason(sb: Sandbox, client: Api, reason: str) -> None:
    sb.config.final_fail_reason = reason
    data = client.status(upload_small(client, privacy="PUBLIC_TO_EVERYONE")).json()["data"]
    assert data["status"] == "FAILED" and data["fail_reason"] == reason
    assert data["publicaly_available_post_id"] == []


def test_parallel_put_is_refused(sb: Sandbox, client: Api, two_chunks: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload_module, "CLAIM_WAIT_S", 0.05)
    sb.config.slow_chunk_delay_s = 0.5  # keeps chunk 0 in flight while the second PUT arrives
    publish_id, url = start(client, TWO, HALF, 2)
    results: list[int] = []
    worker = threading.Thread(target=lambda: results.append(client.put(url, two_chunks[:HALF], 0, TWO).status_code))
    worker.start()
    while not sb.world.upload_in_flight(publish_id) and worker.is_alive():
        time.sleep(0.01)
    with api(sb) as second:
        assert second.put(url, two_chunks[:HALF], 0, TWO).status_code == 416
    worker.join()
    assert results == [206]
    sb.config.slow_chunk_delay_s = 0.0
    assert client.put(url, two_chunks[HALF:], HALF, TWO).status_code == 201
    assert sb.received(publish_id).sha256 == sha256(two_chunks)


def test_restart_prunes_finished_bytes_but_keeps_the_record(tmp_path: Path) -> None:
    body = pattern(1000)
    with running(tmp_path / "state") as first, api(first) as c:
        publish_id = upload_small(c, privacy="PUBLIC_TO_EVERYONE")
        token = c.token
        assert first.received(publish_id).path.is_file() and first.received(publish_id).sha256 == sha256(body)
    with running(tmp_path / "state", keep_finished_uploads=0) as second:
        got = second.received(publish_id)
        assert got.complete and got.size == len(body) and not got.path.exists()
        again = Api(second, token)
        try:
            assert again.status(publish_id).json()["data"]["status"] == "PUBLISH_COMPLETE"
        finally:
            again.close()


MEDIA = Path(__file__).parent / "media"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("h264_720x1280_30fps.mp4", None),
        ("vp9_720x1280_30fps.webm", None),
        ("h264_720x1280_30fps.mov", None),
        ("h264_720x1280_10fps.mp4", "frame_rate_check_failed"),
        ("h264_5000x5000_30fps.mp4", "picture_size_check_failed"),
        ("h264_360x640_24fps_12min.mp4", "duration_check_failed"),
        ("audio_only.m4a", "file_format_check_failed"),
        ("png_renamed.mp4", "file_format_check_failed"),
    ],
)
def test_inspect_media_gives_tiktoks_fail_reasons(sb: Sandbox, client: Api, name: str, reason: str | None) -> None:
    sb.config.inspect_media = True
    body = (MEDIA / name).read_bytes()
    publish_id, url = start(client, len(body))
    assert client.put(url, body, 0, len(body)).status_code == 201
    data = client.status(publish_id).json()["data"]
    assert data["status"] == ("FAILED" if reason else "PUBLISH_COMPLETE")
    assert data.get("fail_reason") == reason


def test_inspect_media_skips_the_duration_for_drafts(sb: Sandbox, client: Api) -> None:
    sb.config.inspect_media = True
    body = (MEDIA / "h264_360x640_24fps_12min.mp4").read_bytes()
    publish_id, url = start(client, len(body), inbox=True)
    assert client.put(url, body, 0, len(body)).status_code == 201
    assert client.status(publish_id).json()["data"]["status"] == "SEND_TO_USER_INBOX"


def test_upload_url_is_on_its_own_origin(sb: Sandbox, client: Api) -> None:
    _, url = start(client, 1000)
    on_api_host = url.replace(sb.upload_base_url, sb.base_url)
    assert client.put(on_api_host, pattern(1000), 0, 1000).status_code == 404
    upload_host = Api(sb, client.token)
    try:
        answer = upload_host.session.post(
            sb.upload_base_url + "/v2/post/publish/creator_info/query/", headers=client.headers(), timeout=10
        )
        assert answer.status_code == 404
    finally:
        upload_host.close()
    assert client.put(url, pattern(1000), 0, 1000).status_code == 201


def test_concurrent_uploads_of_different_posts(sb: Sandbox, client: Api) -> None:
    bodies = [pattern(300_000 + i, seed=i) for i in range(4)]
    starts = [start(client, len(b)) for b in bodies]
    codes: list[int] = []

    def send(i: int) -> None:
        with api(sb) as own:
            codes.append(own.put(starts[i][1], bodies[i], 0, len(bodies[i])).status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [201] * 4
    assert [sb.received(p).sha256 for p, _ in starts] == [sha256(b) for b in bodies]


def test_a_64_mb_chunk_is_streamed_not_held(sb: Sandbox, client: Api, tmp_path: Path) -> None:
    size = 64_000_000
    src = tmp_path / "big.mp4"
    with src.open("wb") as fh:  # sparse: no time spent writing it
        fh.truncate(size)
    publish_id, url = start(client, size)
    headers = {"Content-Type": "video/mp4", "Content-Range": f"bytes 0-{size - 1}/{size}", "Content-Length": str(size)}
    tracemalloc.start()
    try:
        with src.open("rb") as fh:
            answer = client.session.put(url, data=fh, headers=headers, timeout=30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 201
    print(f"peak traced memory during a 64 MB chunk: {peak / MIB:.1f} MiB")
    assert peak < 8 * MIB  # the server holds 1 MiB pieces, never the 64 MB chunk
    zeros = hashlib.sha256()
    for _ in range(size // 1_000_000):
        zeros.update(bytes(1_000_000))
    assert sb.received(publish_id).sha256 == zeros.hexdigest()


def test_status_moves_from_processing_to_complete_to_public(sb: Sandbox, client: Api) -> None:
    sb.config.processing_delay_s, sb.config.moderation_delay_s = 3600, 3600
    publish_id, url = start(client, 1000, privacy="PUBLIC_TO_EVERYONE")
    assert client.status(publish_id).json()["data"]["uploaded_bytes"] == 0
    assert client.put(url, pattern(1000), 0, 1000).status_code == 201
    seen = [client.status(publish_id).json()["data"]]
    pub = sb.state.publishes[publish_id]
    pub.processing_delay_s = 0  # processing done
    seen.append(client.status(publish_id).json()["data"])
    pub.moderation_delay_s = 0  # moderation passed
    seen.append(client.status(publish_id).json()["data"])
    assert [(s["status"], len(s["publicaly_available_post_id"])) for s in seen] == [
        ("PROCESSING_UPLOAD", 0),
        ("PUBLISH_COMPLETE", 0),
        ("PUBLISH_COMPLETE", 1),
    ]


def test_nothing_secret_reaches_the_logs(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sb.config.chunk_5xx = {0: 1}  # an error path too
    token = sb.issue_token()
    client = Api(sb, token["access_token"])
    try:
        publish_id, url = start(client, 1000)
        client.put(url, pattern(1000), 0, 1000)
        client.put(url + "x", pattern(1000), 0, 1000)
        client.status(publish_id)
    finally:
        client.close()
    upload_token = url.split("upload_token=")[1]
    ours = [r.getMessage() + str(r.exc_info) for r in caplog.records if r.name.startswith("core.sandbox")]
    text = "\n".join(ours) + repr(sb.request_log)
    for secret in (token["access_token"], token["refresh_token"], upload_token):
        assert secret not in text


def test_lost_chunk_answer_then_the_same_chunk_again(sb: Sandbox, client: Api, two_chunks: bytes) -> None:
    sb.config.chunk_drop_response = {0: 1, 1: 1}
    publish_id, url = start(client, TWO, HALF, 2)
    with pytest.raises(requests.ConnectionError):
        client.put(url, two_chunks[:HALF], 0, TWO)
    assert sb.received(publish_id).size == HALF  # kept, though the client never heard
    assert client.put(url, two_chunks[:HALF], 0, TWO).status_code == 206
    with pytest.raises(requests.ConnectionError):
        client.put(url, two_chunks[HALF:], HALF, TWO)
    assert client.put(url, two_chunks[HALF:], HALF, TWO).status_code == 201
    got = sb.received(publish_id)
    assert got.complete and got.sha256 == sha256(two_chunks)
    assert [e.status for e in sb.request_log if e.path == "/upload/"] == [0, 206, 0, 201]


def test_discard_uploads_checks_every_chunk_but_stores_nothing(sb: Sandbox, client: Api, two_chunks: bytes) -> None:
    """The benchmark's mode: the protocol is unchanged, only the bytes are not kept."""
    sb.config.discard_uploads = True
    publish_id, url = start(client, TWO, HALF, 2)
    assert client.put(url, two_chunks[HALF:], HALF, TWO).status_code == 416  # order is still enforced
    assert client.put(url, two_chunks[:HALF], 0, TWO).status_code == 206
    assert client.put(url, two_chunks[:HALF], 0, TWO).status_code == 206  # a lost answer, retried: same answer
    assert client.put(url, two_chunks[HALF:], HALF, TWO).status_code == 201
    got = sb.received(publish_id)
    assert got.complete and got.size == TWO and got.path.stat().st_size == 0


def test_sha256_is_computed_from_the_stored_bytes_when_asked(sb: Sandbox, client: Api, two_chunks: bytes) -> None:
    publish_id, url = start(client, TWO, HALF, 2)
    assert client.put(url, two_chunks[:HALF], 0, TWO).status_code == 206
    assert sb.received(publish_id).sha256 == sha256(two_chunks[:HALF])  # so far
    assert client.put(url, two_chunks[HALF:], HALF, TWO).status_code == 201
    assert sb.received(publish_id).sha256 == sha256(two_chunks)
