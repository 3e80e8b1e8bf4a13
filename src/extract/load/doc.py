"""Legacy formats (.doc, and RTF/ODT) through LibreOffice headless, then the DOCX reader."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from extract.load import limits
from extract.load.docx import load_docx
from extract.load.errors import LoadError, LoadFailure
from extract.structures import RawDocument

INSTALL_HINT = "apt-get install libreoffice-writer-nogui"


def soffice_path() -> str | None:
    """The path of LibreOffice's soffice (or libreoffice) on PATH, None when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: Path, target_format: str, outdir: Path, timeout: float = limits.SOFFICE_TIMEOUT_S) -> Path:
    """Convert `source` with soffice into `outdir`; a private profile per call (parallel-safe)."""
    binary = soffice_path()
    if binary is None:
        raise LoadError(LoadFailure.doc_unsupported, f"legacy .doc needs LibreOffice: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="kehoach-soffice-profile-") as profile:
        command = [
            binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
            "--convert-to", target_format, "--outdir", str(outdir), str(source),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=timeout,
                                       env={**os.environ, "HOME": profile}, preexec_fn=_lift_memory_cap)
        except subprocess.TimeoutExpired as exc:
            raise LoadError(LoadFailure.doc_convert_failed, f"LibreOffice did not convert the file within {timeout:.0f} s") from exc
    produced = outdir / (source.stem + "." + target_format.split(":")[0])
    if completed.returncode != 0 or not produced.exists():
        raise LoadError(LoadFailure.doc_convert_failed, "LibreOffice could not convert the file (damaged, or not a Word "
                                              "document); open it in Word and save it as DOCX")
    return produced


def _lift_memory_cap() -> None:
    """In the LibreOffice child: the batch worker's address-space cap is for documents parsed
    in Python, not for LibreOffice (which maps far more); its own time limit still holds."""
    import resource

    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    except (ValueError, OSError):
        pass


def load_via_soffice(data: bytes, suffix: str) -> RawDocument:
    """Write `data` to a private folder, convert it to DOCX, read it as format 'doc'."""
    if soffice_path() is None:
        raise LoadError(LoadFailure.doc_unsupported, f"legacy .doc needs LibreOffice: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="kehoach-doc-") as work:
        source = Path(work) / f"input{suffix}"
        source.write_bytes(data)
        outdir = Path(work) / "out"
        outdir.mkdir()
        converted = convert(source, "docx", outdir)
        return load_docx(converted.read_bytes(), "doc")
