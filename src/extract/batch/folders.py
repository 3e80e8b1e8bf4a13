"""The output folder's safety: checked before any work, and every write kept inside it.

OUT must be a writable folder that is not DIR, and its docs/ and tables/ must not be links
elsewhere (else one line and exit 2); every output path is checked again after resolving
links; JSON in OUT/docs that the manifest does not list is removed at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from extract.batch.inputs import display_name, inside
from extract.manifest import DOCS_DIR, MANIFEST_NAME, TABLES_DIR, remove_file


class OutputPathError(ValueError):
    """An output path that would land outside OUT (by its name or through a symbolic link)."""


def resolve_output(out: Path, name: str) -> Path:
    """OUT/<name>, refusing anything that would land outside OUT, also through links.

    The check is made on the name and again after resolving every symbolic link on the way
    (OUT/docs being a link elsewhere must not write there). Raises OutputPathError.
    """
    root = Path(os.path.abspath(out))
    target = Path(os.path.abspath(root / name))
    if os.path.commonpath([root, target]) != str(root) or target == root:
        raise OutputPathError(f"output path leaves the output folder: {name!r}")
    real_root = os.path.realpath(root)
    real_target = os.path.realpath(target)
    if not inside(real_target, real_root) or real_target == real_root:
        raise OutputPathError(f"output path leads outside the output folder through a link: {name!r}")
    return target


def remove_output(out: Path, name: str | None) -> None:
    """Remove OUT/<name> if it is there (never anything outside OUT)."""
    if name:
        try:
            remove_file(resolve_output(out, name))
        except OutputPathError:
            pass


class FolderError(Exception):
    """DIR or OUT cannot be used; the message is one line for the operator (exit 2)."""


def prepare_output_folder(out: Path, subfolders: Iterable[str] = ()) -> Path:
    """Create OUT if needed and prove it is a writable folder, before any work is done.

    Raises FolderError when OUT is a file, cannot be created or written, or when one of
    `subfolders` (or manifest.jsonl) exists as something other than what a batch writes.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FolderError(f"the output folder {display_name(str(out))} is a file, not a folder; "
                          "choose another path for -o")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FolderError(f"cannot create the output folder {display_name(str(out))} "
                          f"({error.strerror or 'error'}); choose another path for -o") from error
    probe = out / f".kehoach-write-test.{os.getpid()}"
    try:
        with open(probe, "w", encoding="utf-8") as handle:
            handle.write("ok")
        probe.unlink()
    except OSError as error:
        raise FolderError(f"cannot write into the output folder {display_name(str(out))} "
                          f"({error.strerror or 'error'}); choose a writable folder for -o") from error
    real_out = os.path.realpath(out)
    for name in subfolders:
        path = out / name
        if path.is_symlink() or (path.exists() and not path.is_dir()) or (
                path.exists() and not inside(os.path.realpath(path), real_out)):
            raise FolderError(f"{display_name(str(path))} must be a folder inside the output folder, "
                              "not a file or a link elsewhere; remove it or choose another path for -o")
    return out


def check_batch_folders(directory: Path, out: Path) -> None:
    """The batch's folders, checked at start: DIR a folder, OUT usable and not DIR itself."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FolderError(f"the input folder {display_name(str(directory))} is not a folder")
    if Path(out).exists() and os.path.realpath(out) == os.path.realpath(directory):
        raise FolderError("the output folder is the input folder; choose another path for -o "
                          "(outside the input folder)")
    prepare_output_folder(out, (DOCS_DIR, TABLES_DIR))
    manifest = Path(out) / MANIFEST_NAME
    if manifest.is_symlink() or (manifest.exists() and not manifest.is_file()):
        raise FolderError(f"{display_name(str(manifest))} is not a regular file; remove or rename it "
                          "and run again")


def remove_unlisted_outputs(out: Path, entries: list[dict]) -> list[str]:
    """Remove JSON files under OUT/docs that no manifest line lists as its output (left by a
    batch of another folder into the same OUT, or by an interrupted run), and temporary files
    of killed workers. Returns the removed OUT-relative paths, sorted. Links are not followed."""
    listed = {entry["output"] for entry in entries if entry.get("output")}
    docs = Path(out) / DOCS_DIR
    if docs.is_symlink() or not docs.is_dir():
        return []
    removed = []
    for folder, subfolders, files in os.walk(docs, followlinks=False):
        for name in files:
            path = Path(folder) / name
            relative = path.relative_to(out).as_posix()
            stale_json = name.endswith(".json") and relative not in listed
            temporary = name.startswith(".") and name.endswith(".tmp")
            if (stale_json or temporary) and not path.is_symlink():
                remove_file(path)
                removed.append(relative)
    for folder, _subfolders, _files in sorted(os.walk(docs, followlinks=False), reverse=True):
        if Path(folder) != docs:
            try:
                os.rmdir(folder)          # only succeeds on folders left empty
            except OSError:
                pass
    return sorted(removed)
