"""HTTP transport shared by the API client and the uploader: connections another thread can cut at once.

A request blocked in send() (the server stopped reading) or recv() (the server never answers) looks at no flag;
shutting its socket down is the only way to stop it at once. So Cancel, Ctrl-C and SIGTERM stop within a
fraction of a second whatever the server does; the read timeout is not the cancel path.
"""

from __future__ import annotations

import socket
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CANCEL_POLL_S = 0.05  # how often a cancel watcher looks at the cancel event


class TrackingAdapter(HTTPAdapter):
    """An HTTPAdapter that remembers its live connections, so that another thread can cut them.

    A PUT blocked in send() (the server stopped reading) or in recv() (the server never answers) does not look at
    any flag; shutting its socket down is the only way to stop it at once. That is how Cancel stays within a
    second whatever the server does (the read timeout is not the cancel path).
    """

    def __init__(self) -> None:
        self.live: weakref.WeakSet[Any] = weakref.WeakSet()
        super().__init__(pool_connections=2, pool_maxsize=4, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        live = self.live

        class Pool(HTTPConnectionPool):
            def _new_conn(self) -> Any:
                conn = super()._new_conn()
                live.add(conn)
                return conn

        class TlsPool(HTTPSConnectionPool):
            def _new_conn(self) -> Any:
                conn = super()._new_conn()
                live.add(conn)
                return conn

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TlsPool}

    def cut(self) -> None:
        """Shut down every live socket (thread-safe; a blocked send or recv returns with an error)."""
        for conn in list(self.live):
            sock = getattr(conn, "sock", None)
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@contextmanager
def cut_on_cancel(adapter: TrackingAdapter, cancel: threading.Event | None) -> Iterator[None]:
    """While the block runs, a set `cancel` cuts the adapter's connections within CANCEL_POLL_S."""
    if cancel is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(CANCEL_POLL_S):
                adapter.cut()
                return

    watcher = threading.Thread(target=watch, name="clipship-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(1.0)


def tracking_session() -> tuple[requests.Session, TrackingAdapter]:
    """A session whose connections `cut_on_cancel` can cut. Callers pass allow_redirects=False: a 3xx must not
    carry a token or an upload to another host."""
    session = requests.Session()
    adapter = TrackingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter
