"""The sandbox's demo pages: front page, a creator's profile with their posts, video playback with ranges."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import requests
from test_sandbox_support import api, pattern, running

from core.sandbox import DEMO_OPEN_ID, SANDBOX_CLIENT_KEY


def test_front_page_lists_accounts(tmp_path: Path) -> None:
    with running(tmp_path / "s") as sb:
        assert requests.get(sb.base_url + "/", timeout=10).status_code == 403  # without the printed link's key
        page = requests.get(sb.pages_url, timeout=10)
        assert page.status_code == 200 and SANDBOX_CLIENT_KEY in page.text
        assert f"/profile/?open_id={quote(DEMO_OPEN_ID)}&key=" in page.text and "Sandbox Creator" in page.text


def test_profile_shows_posts_and_plays_the_video(tmp_path: Path) -> None:
    body = pattern(5000)
    with running(tmp_path / "s") as sb, api(sb) as client:
        data = client.init(len(body), privacy="PUBLIC_TO_EVERYONE", title="My <first> post").json()["data"]
        assert client.put(data["upload_url"], body, 0, len(body), ctype="video/webm").status_code == 201
        key = f"&key={quote(sb.view_key)}"
        page = requests.get(sb.base_url + f"/profile/?open_id={quote(DEMO_OPEN_ID)}{key}", timeout=10)
        assert page.status_code == 200
        assert "My &lt;first&gt; post" in page.text and "PUBLISH_COMPLETE" in page.text and "Everyone" in page.text
        src = f"/video/?publish_id={quote(data['publish_id'])}{key}"
        assert src in page.text
        assert requests.get(sb.base_url + src.replace(key, ""), timeout=10).status_code == 403  # only to the app
        whole = requests.get(sb.base_url + src, timeout=10)
        assert whole.status_code == 200 and whole.content == body
        assert whole.headers["Content-Type"] == "video/webm"
        part = requests.get(sb.base_url + src, headers={"Range": "bytes=100-199"}, timeout=10)
        assert part.status_code == 206 and part.content == body[100:200]
        assert part.headers["Content-Range"] == "bytes 100-199/5000"
        tail = requests.get(sb.base_url + src, headers={"Range": "bytes=-10"}, timeout=10)
        assert tail.content == body[-10:]
        beyond = requests.get(sb.base_url + src, headers={"Range": "bytes=6000-"}, timeout=10)
        assert beyond.status_code == 416
        head = requests.head(sb.base_url + src, timeout=10)
        assert head.status_code == 200 and head.headers["Content-Length"] == "5000" and head.content == b""


def test_unknown_profile_and_video_are_404(tmp_path: Path) -> None:
    with running(tmp_path / "s") as sb, api(sb) as client:
        key = f"&key={quote(sb.view_key)}"
        assert requests.get(sb.base_url + f"/profile/?open_id=nobody{key}", timeout=10).status_code == 404
        assert requests.get(sb.base_url + f"/video/?publish_id=v_pub_file~v2-1.1{key}", timeout=10).status_code == 404
        publish_id = client.init(1000).json()["data"]["publish_id"]  # not uploaded yet: nothing to play
        url = sb.base_url + f"/video/?publish_id={quote(publish_id)}{key}"
        assert requests.get(url, timeout=10).status_code == 404


def test_only_loopback_hosts_and_no_sink_by_default(tmp_path: Path) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    with running(tmp_path / "s") as sb:
        assert requests.get(sb.pages_url, headers={"Host": "evil.example"}, timeout=10).status_code == 421
        assert requests.get(sb.pages_url, headers={"Host": f"localhost:{sb.port}"}, timeout=10).status_code == 200
        answer = requests.post(sb.base_url + "/sink/", data=b"x" * 5_000_000, timeout=10)
        assert answer.status_code == 404 and not (sb.state_dir / "sink.bin").exists()
