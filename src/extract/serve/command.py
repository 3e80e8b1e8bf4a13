"""The `kehoach serve` command (registered by extract.cli; FastAPI is imported only here)."""

from __future__ import annotations

import multiprocessing.util
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from extract.load import limits


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (localhost only by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", "-j", min=1, help="Extraction worker processes.")] = 2,
    batch_workers: Annotated[int, typer.Option(min=1, help="Worker processes of a running batch.")] = 2,
    timeout: Annotated[float, typer.Option(min=0, help="Time limit per document in seconds (0: none).")] = 60.0,
    max_memory: Annotated[int, typer.Option(min=0, help="Memory in MB a worker may add for one document (0: no limit).")] = 1024,
    max_bytes: Annotated[Optional[int], typer.Option(min=1, help="Largest document in bytes (sets KEHOACH_MAX_BYTES).")] = None,
    max_request_bytes: Annotated[int, typer.Option(min=1, help="Largest request body in bytes (batches, ZIPs).")] = 512 * 1024 * 1024,
    review_dir: Annotated[Path, typer.Option(help="Folder where reviewed documents are saved as golden files.")] = Path("reviewed"),
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="Rules only, without the NLP stage.")] = False,
) -> None:
    """Serve the HTTP API (POST /extract, /batches; OpenAPI at /openapi.json) and the review
    page (http://HOST:PORT/)."""
    try:
        import uvicorn

        from extract.serve.app import Settings, create_app
        from extract.serve.uploads import private_folder
    except ImportError as error:
        typer.echo(f"kehoach serve needs its extra: pip install -e '.[serve]' ({error})", err=True)
        raise typer.Exit(1)
    if max_bytes is not None:
        os.environ[limits.MAX_BYTES_ENV] = str(max_bytes)   # Settings.max_bytes below; the batch runner reads it too
    work = private_folder()
    # multiprocessing keeps its fork server's socket in a folder of its own, which it removes at
    # exit: settle that folder before the temporary folder is moved below.
    multiprocessing.util.get_temp_dir()
    # Starlette spools large uploads to temporary files, and workers' helpers (LibreOffice)
    # write temporary files: keep them in the private folder too.
    spool = work / "spool"
    spool.mkdir(mode=0o700)
    os.environ["TMPDIR"] = str(spool)
    tempfile.tempdir = str(spool)
    settings = Settings(workers=workers, batch_workers=batch_workers, timeout=timeout, memory_mb=max_memory,
                        max_bytes=limits.max_bytes(), max_request_bytes=max_request_bytes,
                        nlp=not no_nlp, review_dir=review_dir.resolve(), work_dir=work)
    app = create_app(settings)
    typer.echo(f"kehoach serve: http://{host}:{port}/ (review page), /openapi.json; "
               f"reviews saved in {review_dir}", err=True)
    # uvicorn shuts down gracefully on SIGTERM, then raises it again with the handler it found:
    # make that handler an exit, so that the private folder is removed below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        from extract.serve.uploads import remove_tree
        remove_tree(work)
