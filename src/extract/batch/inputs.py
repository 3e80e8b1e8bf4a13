"""Which files a batch reads, and the name of each one's JSON under OUT/docs.

Every entry under DIR becomes one `InputFile`, so that the manifest accounts for all of
them: documents to extract, and what is skipped (hidden, links leaving DIR, lock files,
another batch's output) or failed before opening (an unlistable folder), with the reason.
Output names come from the input's path relative to DIR, in safe characters, never
leaving OUT/docs; two files with the same name in different folders both survive.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from extract.load.errors import LoadFailure
from extract.manifest import DOCS_DIR, MANIFEST_NAME, SkipReason
from extract.rules import load_rules

# Characters kept in output file names besides letters and digits (any script).
SAFE_PUNCTUATION = frozenset(" -_.,()+")
# Separates a name from the hash that keeps a rewritten name unique; never a safe character,
# so a name that needed no rewriting can never look like one that did.
HASH_SEPARATOR = "~"
MAX_NAME_BYTES = 180

SKIP_MESSAGES = {
    SkipReason.hidden: "a hidden file or folder (its name starts with a dot); rename it to include it",
    SkipReason.outside_input: "a symbolic link to a file outside the input folder (not read); copy the file in instead",
    SkipReason.output_folder: "a batch's output folder, this run's or an earlier one's (not read as input)",
    SkipReason.unsupported_extension: "not a text document (by its extension)",
    SkipReason.office_lock_file: "an office program's lock file, not a document",
    SkipReason.symlink_to_folder: "a symbolic link to a folder (not followed)",
    SkipReason.not_a_regular_file: "not a regular file (FIFO, socket or device)",
}


@dataclass(frozen=True, slots=True)
class InputFile:
    """One manifest line to produce: a file under DIR (or a folder that could not be listed)."""

    relative: str                   # path relative to DIR, '/'-separated, as the OS gave it
    path: Path                      # the path to open
    output: str | None = None       # OUT-relative path of its JSON ('docs/...json')
    skip: SkipReason | None = None  # reason to list it without opening it
    fail: tuple[LoadFailure, str] | None = None  # (reason, message) known before opening it

    @property
    def display(self) -> str:
        """The relative path as valid text (display_name): the manifest's `file`."""
        return display_name(self.relative)


def display_name(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 shown as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _batch_rules() -> dict:
    return load_rules("batch")


def _skip_reason(name: str) -> SkipReason | None:
    rules = _batch_rules()
    if any(name.startswith(prefix) for prefix in rules["lock_file_prefixes"]):
        return SkipReason.office_lock_file
    suffix = name.rpartition(".")[2].lower() if "." in name else ""
    if suffix in rules["not_documents"]:
        return SkipReason.unsupported_extension
    return None


def inside(path: str, root: str) -> bool:
    """Whether the real path `path` is `root` or below it (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _is_output_folder(path: Path) -> bool:
    """A folder that a batch wrote (manifest.jsonl beside docs/): never read as input."""
    return (path / MANIFEST_NAME).is_file() and (path / DOCS_DIR).is_dir()


def walk_inputs(directory: Path, exclude: Iterable[Path] = ()) -> list[InputFile]:
    """Every entry under `directory` that the manifest must account for, sorted by path.

    The folders in `exclude` (our own output) are left out. Names starting with '.' are
    listed as skipped (`hidden`; a hidden folder as one line), and so is another batch's
    output folder (`output_folder`). Regular files and dangling symbolic links are inputs;
    a symbolic link whose target lies outside `directory` is skipped (`outside_input`) and
    never opened; symbolic links to folders are not followed, and they, FIFOs, sockets and
    devices are listed as skipped; a folder that cannot be listed is listed as failed.
    """
    directory = Path(directory)
    root = os.path.realpath(directory)
    excluded = {_identity(path) for path in exclude}
    excluded.discard(None)
    found: list[InputFile] = []

    def visit(folder: Path, prefix: str) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            found.append(InputFile(prefix.rstrip("/") or ".", folder,
                                   fail=(LoadFailure.unreadable, f"cannot list the folder: {error.strerror}")))
            return
        for entry in entries:
            relative = prefix + entry.name
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if _identity(path) in excluded:     # this batch's own OUT: listed, never read
                        found.append(InputFile(relative, path, skip=SkipReason.output_folder))
                        continue
                    if entry.name.startswith("."):
                        found.append(InputFile(relative, path, skip=SkipReason.hidden))
                    elif _is_output_folder(path):
                        found.append(InputFile(relative, path, skip=SkipReason.output_folder))
                    else:
                        visit(path, relative + "/")
                    continue
                if entry.name.startswith("."):
                    found.append(InputFile(relative, path, skip=SkipReason.hidden))
                    continue
                if entry.is_symlink() and not inside(os.path.realpath(path), root):
                    found.append(InputFile(relative, path, skip=SkipReason.outside_input))
                    continue
                if entry.is_symlink() and path.is_dir():
                    found.append(InputFile(relative, path, skip=SkipReason.symlink_to_folder))
                    continue
                if entry.is_file() or (entry.is_symlink() and not path.exists()):
                    found.append(InputFile(relative, path, skip=_skip_reason(entry.name)))
                    continue
            except OSError as error:
                found.append(InputFile(relative, path, fail=(LoadFailure.unreadable, f"cannot read: {error.strerror}")))
                continue
            found.append(InputFile(relative, path, skip=SkipReason.not_a_regular_file))

    visit(directory, "")
    found.sort(key=lambda item: item.relative)
    outputs = output_names(item.relative for item in found if item.skip is None and item.fail is None)
    return [
        InputFile(item.relative, item.path, outputs.get(item.relative), item.skip, item.fail)
        if item.skip is None and item.fail is None else item
        for item in found
    ]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _name_hash(relative: str, length: int = 8) -> str:
    return hashlib.sha1(relative.encode("utf-8", "surrogateescape")).hexdigest()[:length]


def safe_component(name: str) -> str:
    """One path component in safe characters (NFC, letters, digits, SAFE_PUNCTUATION), bounded."""
    text = unicodedata.normalize("NFC", name)
    cleaned = "".join(ch if ch.isalnum() or ch in SAFE_PUNCTUATION else "_" for ch in text)
    cleaned = cleaned.strip(" .") or "_"
    encoded = cleaned.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        cleaned = encoded[:MAX_NAME_BYTES].decode("utf-8", "ignore")
    return cleaned


def output_name(relative: str, hash_length: int = 0) -> str:
    """'docs/<relative path in safe characters>.json' for an input path relative to DIR.

    A path that had to be rewritten (unsafe characters, very long names) gets a hash of the
    original path, so distinct inputs never share an output. Absolute paths and '..' parts
    are refused: the result always stays inside OUT/docs.
    """
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):   # also refuses '/abs' and 'a//b'
        raise ValueError(f"not a relative path inside the input folder: {relative!r}")
    safe = "/".join(safe_component(part) for part in parts)
    if safe != relative or hash_length:
        safe += HASH_SEPARATOR + _name_hash(relative, hash_length or 8)
    return f"{DOCS_DIR}/{safe}.json"


def output_names(relatives: Iterable[str]) -> dict[str, str]:
    """Output names for a whole batch: collision-free even on case-insensitive file systems.

    Names that would collide ignoring case, or a file name that equals a folder of another
    output, are all given a longer hash of their own path; the result depends only on the set
    of inputs, never on their order.
    """
    names = {relative: output_name(relative) for relative in relatives}
    by_key: dict[str, list[str]] = {}
    for relative, name in names.items():
        by_key.setdefault(name.casefold(), []).append(relative)
    folders = {parent.casefold() for name in names.values() for parent in map(str, PurePosixPath(name).parents)}
    for key, group in by_key.items():
        if len(group) > 1 or key in folders:
            for relative in group:
                names[relative] = output_name(relative, hash_length=16)
    return names
