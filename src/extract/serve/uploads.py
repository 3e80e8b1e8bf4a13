"""Uploads of `kehoach serve`: kept in a private folder, bounded in size, ZIPs unpacked safely.

Nothing a client sends is written outside the server's private folder (mode 0700): file
names are made safe (extract.batch's rules for output names), ZIP members that try to leave
the folder, links and encrypted members refuse the archive, and sizes are counted while
bytes are written, never taken from a header or a ZIP directory on trust.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from extract.batch.inputs import safe_component
from extract.load import limits
from extract.load.errors import LoadFailure

CHUNK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 5000          # documents in one uploaded archive
MAX_ZIP_TOTAL = 1024 ** 3       # bytes written when unpacking one archive


class UploadRefused(Exception):
    """An upload that is refused as a whole: `code` (stable), HTTP `status`, `message`."""

    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def private_folder(parent: Path | None = None) -> Path:
    """A new folder only this user can enter (mode 0700), under `parent` or the system's."""
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="kehoach-serve-", dir=parent))


def safe_name(name: str | None, default: str = "upload") -> str:
    """The last component of a client's file name, in safe characters (never a path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = safe_component(base) if base else default
    return cleaned if cleaned not in ("", ".", "..", "_") else default


def unique_path(folder: Path, name: str) -> Path:
    """folder/name, or folder/stem-2.ext … when that is taken."""
    candidate = folder / name
    stem, dot, suffix = name.partition(".")
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{dot}{suffix}"
        number += 1
    return candidate


def copy_limited(source: BinaryIO, target: Path, max_bytes: int) -> int:
    """Copy a stream into `target` (created exclusively); at most `max_bytes + 1` bytes are
    written, so a file over the limit is recognisable as such. Returns the bytes written."""
    written = 0
    with open(target, "xb") as handle:
        while written <= max_bytes:
            chunk = source.read(min(CHUNK, max_bytes + 1 - written))
            if not chunk:
                break
            handle.write(chunk)
            written += len(chunk)
    return written


def save_upload(source: BinaryIO, folder: Path, name: str | None, max_bytes: int | None = None) -> Path:
    """Write one uploaded file into `folder` under a safe name. Raises UploadRefused
    (`too_large`, 413) past `max_bytes` (default: the loader's limit), removing what was written."""
    limit = limits.max_bytes() if max_bytes is None else max_bytes
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder, safe_name(name))
    if copy_limited(source, target, limit) > limit:
        target.unlink()
        raise UploadRefused(LoadFailure.too_large, f"{safe_name(name)} is larger than the limit of {limit} bytes", 413)
    return target


def is_zip_archive(path: Path) -> bool:
    """A ZIP that is not an Office document (DOCX/ODT are ZIPs too: they stay documents)."""
    with open(path, "rb") as handle:
        if handle.read(4) != ZIP_MAGIC:
            return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return not ({"[Content_Types].xml", "mimetype"} & names)


def unpack_zip(path: Path, folder: Path, max_bytes: int | None = None) -> list[Path]:
    """Unpack an uploaded archive of documents into `folder`; returns the files written.

    Members keep their folders (made safe); a member larger than `max_bytes` (default: the
    loader's limit) is written only up to the limit plus one byte, so that the batch lists it
    as `too_large` without it ever being expanded. Raises UploadRefused for an archive that
    cannot be read (`corrupt_zip`), tries to write outside the folder or through a link
    (`unsafe_zip`), is encrypted (`encrypted`), or expands past the limits (`zip_bomb`).
    """
    limit = limits.max_bytes() if max_bytes is None else max_bytes
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRefused("corrupt_zip", f"cannot read the ZIP archive: {error}") from error
    written: list[Path] = []
    total = 0
    root = Path(os.path.abspath(folder))
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadRefused(LoadFailure.zip_bomb, f"{len(members)} files in the archive; the limit is {MAX_ZIP_MEMBERS}")
        for info in members:
            relative = _member_path(info)
            if relative is None:
                continue   # hidden or system entries (__MACOSX/, .DS_Store)
            target = Path(os.path.abspath(root / relative))
            if os.path.commonpath([root, target]) != str(root):
                raise UploadRefused("unsafe_zip", f"a member would be written outside the folder: {info.filename!r}")
            if info.flag_bits & 0x1:
                raise UploadRefused(LoadFailure.encrypted, f"the archive member {info.filename!r} is encrypted")
            target.parent.mkdir(parents=True, exist_ok=True)
            target = unique_path(target.parent, target.name)
            try:
                with archive.open(info) as member:
                    size = copy_limited(member, target, min(limit, MAX_ZIP_TOTAL - total))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
                _remove_quietly(target)
                raise UploadRefused("corrupt_zip", f"cannot unpack {info.filename!r}: {error}") from error
            total += size
            if size > limits.ZIP_RATIO_MIN_SIZE and size > limits.ZIP_MAX_RATIO * max(info.compress_size, 1):
                raise UploadRefused(LoadFailure.zip_bomb, f"{info.filename!r} expands more than {limits.ZIP_MAX_RATIO} times")
            if total > MAX_ZIP_TOTAL:
                raise UploadRefused(LoadFailure.zip_bomb, f"the archive expands past {MAX_ZIP_TOTAL} bytes")
            written.append(target)
    return written


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """A member's path inside the folder (see `safe_relative_path`); links are refused."""
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UploadRefused("unsafe_zip", f"the archive holds a symbolic link: {info.filename!r}")
    return safe_relative_path(info.filename, "unsafe_zip")


def safe_relative_path(name: str, code: str = "unsafe_path") -> PurePosixPath | None:
    """A client's relative path ('plans/xa/a.docx', from a ZIP or a folder upload) in safe
    components; None for hidden and system entries (.DS_Store, __MACOSX/). Raises
    UploadRefused(`code`) for absolute paths, drive letters and '..' parts."""
    name = name.replace("\\", "/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if name.startswith("/") or (parts and ":" in parts[0]) or ".." in parts:
        raise UploadRefused(code, f"a file would be written outside the folder: {name!r}")
    if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return None
    return PurePosixPath(*(safe_component(part) for part in parts))


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def remove_tree(path: Path) -> None:
    """Remove a folder and everything under it; errors (already gone, busy) are ignored."""
    shutil.rmtree(path, ignore_errors=True)
