"""Bounds on what one PDF may expand to while pdfminer reads it.

pdfminer inflates each stream whole (`zlib.decompress`) when it is first used, so a few
megabytes of Flate data can become gigabytes, and a font's ToUnicode map is parsed in pure
Python (a 16 MB map takes half a minute). Inside `bounded()`:

- every Flate stream is inflated with a running budget (`KEHOACH_PDF_MAX_INFLATED`, default
  256 MiB of decoded bytes per document); streams decoded by other filters are charged
  after decoding;
- a character map (ToUnicode or an embedded CMap) larger than `MAX_CMAP_BYTES` is refused;
- pdfminer's recovery of a Flate stream with a bad checksum, quadratic in its size, is
  replaced by a linear one.

Exceeding a bound raises `LoadError(LoadFailure.too_large, …)` out of `bounded()`, even where pdfminer
itself would catch the exception and carry on. Outside `bounded()` pdfminer behaves as shipped.
"""

from __future__ import annotations

import io
import zlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

from extract.load.errors import LoadError, LoadFailure
from extract.load.limits import DEFAULT_MAX_INFLATED, MAX_INFLATED_ENV  # noqa: F401 (documented here)

MAX_CMAP_BYTES = 4 * 1024 * 1024
_CHUNK = 1 << 20       # compressed bytes fed at a time
_STEP = 8 << 20        # inflated bytes asked for at a time


@dataclass(slots=True)
class _Budget:
    remaining: int
    limit: int
    tripped: LoadError | None = None

    def trip(self, error: LoadError) -> LoadError:
        if self.tripped is None:
            self.tripped = error
        return self.tripped

    def charge(self, size: int) -> None:
        self.remaining -= size
        if self.remaining < 0:
            raise self.trip(_inflation_error(self.limit))


_current: ContextVar[_Budget | None] = ContextVar("pdf_budget", default=None)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _inflation_error(limit: int) -> LoadError:
    return LoadError(LoadFailure.too_large, f"the PDF expands to more than {_megabytes(limit)} of content when opened "
                                  f"(a compression bomb or a damaged file), so it was not read; "
                                  f"export it again from the original document")


def _cmap_error(size: int) -> LoadError:
    return LoadError(LoadFailure.too_large, f"the PDF holds a font character map of {_megabytes(size)} "
                                  f"(the limit is {_megabytes(MAX_CMAP_BYTES)}), so it was not read; "
                                  f"export it again from the original document")


def _inflate(data: bytes, budget: _Budget, *, strict: bool) -> bytes:
    """Flate-decode `data` within the budget. `strict`: an incomplete or bad stream raises
    zlib.error (as zlib.decompress does); otherwise what inflated before the damage is kept."""
    if budget.tripped is not None:
        raise budget.tripped
    inflater = zlib.decompressobj()
    out = []
    pending = memoryview(data)
    try:
        while pending and not inflater.eof:
            chunk, pending = pending[:_CHUNK], pending[_CHUNK:]
            while chunk and not inflater.eof:
                # inflated in steps: memory stays near the budget (one big call doubles it)
                piece = inflater.decompress(chunk, min(_STEP, budget.remaining + 1))
                budget.charge(len(piece))
                out.append(piece)
                chunk = inflater.unconsumed_tail
        if strict and not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
    except zlib.error:
        if strict:
            raise
    return b"".join(out)


class _BoundedZlib:
    """Stands in for the zlib module inside pdfminer.pdftypes while a budget is active."""

    error = zlib.error

    def __getattr__(self, name: str):
        return getattr(zlib, name)

    @staticmethod
    def decompress(data: bytes, *args, **kwargs) -> bytes:
        budget = _current.get()
        if budget is None:
            return zlib.decompress(data, *args, **kwargs)
        return _inflate(data, budget, strict=True)


def _decompress_corrupted(data: bytes) -> bytes:
    """Linear stand-in for pdfminer's byte-by-byte recovery of a stream with a bad checksum."""
    budget = _current.get() or _Budget(1 << 62, 1 << 62)
    return _inflate(data, budget, strict=False)


def _install() -> None:
    """Patch pdfminer once per process (idempotent)."""
    from pdfminer import pdffont, pdftypes

    if getattr(pdftypes, "_kehoach_bounded", False):
        return
    pdftypes.zlib = _BoundedZlib()
    pdftypes.decompress_corrupted = _decompress_corrupted
    original_decode = pdftypes.PDFStream.decode
    flate = pdftypes.LITERALS_FLATE_DECODE

    def decode(stream) -> None:
        budget = _current.get()
        if budget is not None and budget.tripped is not None:
            raise budget.tripped
        original_decode(stream)
        if budget is not None and stream.data is not None:
            filters = [name for name, _params in stream.get_filters()]
            if filters and any(name not in flate for name in filters):
                budget.charge(len(stream.data))   # Flate output was charged while inflating

    pdftypes.PDFStream.decode = decode

    parser = pdffont.CMapParser

    class BoundedCMapParser(parser):
        def __init__(self, cmap, fp, *args, **kwargs):
            budget = _current.get()
            if budget is not None and isinstance(fp, io.BytesIO):
                size = fp.getbuffer().nbytes
                if size > MAX_CMAP_BYTES:
                    raise budget.trip(_cmap_error(size))
            super().__init__(cmap, fp, *args, **kwargs)

    pdffont.CMapParser = BoundedCMapParser
    pdftypes._kehoach_bounded = True


@contextmanager
def bounded(limit: int = DEFAULT_MAX_INFLATED) -> Iterator[None]:
    """Run pdfminer with this document's limits: at most `limit` decoded stream bytes (the run's
    Limits.max_inflated). Raises LoadError('too_large') if one trips."""
    _install()
    budget = _Budget(limit, limit)
    token = _current.set(budget)
    try:
        yield
    except Exception:
        if budget.tripped is not None:
            raise budget.tripped from None
        raise
    finally:
        _current.reset(token)
    if budget.tripped is not None:
        raise budget.tripped
