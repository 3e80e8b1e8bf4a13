"""A real `kehoach serve` application on a free localhost port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from extract.serve.app import Settings, create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_settings(tmp: Path, **overrides) -> Settings:
    """Small, fast settings: one worker each, the review folder and the private folder in tmp."""
    values = dict(workers=1, batch_workers=1, timeout=30.0, review_dir=tmp / "reviewed", work_dir=tmp / "work")
    values.update(overrides)
    return Settings(**values)


@contextmanager
def running_server(settings: Settings) -> Iterator[str]:
    """Serve the app with uvicorn on 127.0.0.1 until the block ends; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
