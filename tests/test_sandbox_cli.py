"""`python main.py sandbox` as a developer runs it, and the byte sink used by the upload benchmark."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from test_sandbox_support import pattern, running

from core.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent


def test_sandbox_command_serves_until_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "sb"
    proc = subprocess.Popen(
        [sys.executable, "main.py", "sandbox", "--port", "0", "--state-dir", str(state)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        base = lines[0].split(" at ")[1].strip()
        assert base.startswith("http://127.0.0.1:")
        assert any(f"CLIPSHIP_AUTH_URL={base}/v2/auth/authorize/" in line for line in lines)
        assert any("CLIPSHIP_CLIENT_KEY=sbaw" in line for line in lines)
        answer = requests.get(base + "/v2/user/info/?fields=open_id", timeout=10)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "access_token_invalid"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Sandbox stopped." in out and "Traceback" not in err
    assert (state / "state.json").is_file()


def test_bad_port_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["sandbox", "--port", "70000"]) == 2
    assert "not a port number" in capsys.readouterr().err


def test_port_in_use_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli_main(["sandbox", "--port", str(port), "--state-dir", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "Traceback" not in err


def test_reset_forgets_the_state(tmp_path: Path) -> None:
    state = tmp_path / "sb"
    with running(state) as sb:
        sb.issue_token(open_id="someone")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "main.py", "sandbox", "--reset", "--state-dir", str(state)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)  # stops as cleanly as Ctrl-C
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "Sandbox stopped." in out
    assert "someone" not in (state / "state.json").read_text()


def test_byte_sink(tmp_path: Path) -> None:
    body = pattern(3_000_000)
    with running(tmp_path / "sb", enable_sink=True) as sb, requests.Session() as session:
        answer = session.put(sb.base_url + "/sink/", data=body, timeout=10)
        assert answer.status_code == 201 and answer.json() == {"bytes": len(body)}
        assert (sb.state_dir / "sink.bin").read_bytes() == body  # the same disk work as an upload
        answer = session.put(sb.base_url + "/sink/?discard=1", data=body, timeout=10)
        assert answer.status_code == 201 and answer.json()["bytes"] == len(body)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_can_feed_the_sink(tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(pattern(2_000_000))
    with running(tmp_path / "sb", enable_sink=True) as sb:
        done = subprocess.run(
            ["curl", "-sS", "-T", str(src), sb.base_url + "/sink/"], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0 and json.loads(done.stdout) == {"bytes": 2_000_000}
        assert (sb.state_dir / "sink.bin").read_bytes() == src.read_bytes()
