"""Safe access to the parts of a DOCX package: zip-bomb and XML-entity checks, hardened parsing."""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib

from lxml import etree

from extract.load import limits
from extract.load.errors import LoadError, LoadFailure

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT_REL = "/officeDocument"
MAIN_PART = "word/document.xml"

# No DTD, no entity expansion, no network: a DOCTYPE is refused before parsing anyway.
_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
    remove_comments=True, remove_pis=True,
)


# ISO/IEC 29500 Strict names its namespaces differently from Transitional (what Word writes by
# default); the elements are the same, so a Strict part is read after mapping them.
_STRICT_TO_TRANSITIONAL = (
    (b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
     b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/officeDocument/", b"http://schemas.openxmlformats.org/officeDocument/2006/"),
    (b"http://purl.oclc.org/ooxml/wordprocessingml/main", b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (b"http://purl.oclc.org/ooxml/drawingml/", b"http://schemas.openxmlformats.org/drawingml/2006/"),
)
_STRICT_MARK = b"http://purl.oclc.org/ooxml/"


def transitional(data: bytes) -> bytes:
    """An XML part of a Strict Open XML file with its namespaces mapped to Transitional ones."""
    if _STRICT_MARK not in data:
        return data
    for strict, usual in _STRICT_TO_TRANSITIONAL:
        data = data.replace(strict, usual)
    return data


# An integer as OOXML writes it: ASCII digits with an optional sign. str.isdigit() is not
# enough ('²'.isdigit() is True, int('²') fails), nor is int() (5,000 digits, "1.5", "1e20").
_XML_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_INTEGER_DIGITS = 18


def xml_int(value: str | None, default: int | None, low: int, high: int, *,
            clamp: bool = True) -> int | None:
    """An integer attribute or element text, bounded to [low, high].

    `value` is the raw string (None when absent). Anything that is not a plain decimal integer
    gives `default`, and so does a value below `low`; a value above `high` is clamped to it,
    or gives `default` when `clamp` is False (a statistic such as a page count: an absurd one
    is unknown, not huge).
    """
    if value is None:
        return default
    text = value.strip()
    if not _XML_INTEGER.fullmatch(text):
        return default
    negative = text.startswith("-")
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > _MAX_INTEGER_DIGITS:
        number = low - 1 if negative else high + 1
    else:
        number = -int(digits) if negative else int(digits)
    if low <= number <= high:
        return number
    if number < low or not clamp:
        return default
    return high


class Package:
    """An opened DOCX zip whose declared sizes were checked before anything is inflated."""

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except _ZIP_ERRORS as exc:
            raise LoadError(LoadFailure.corrupt_docx, DAMAGED_DOCX) from exc
        check_size_records(data, infos)
        check_zip_sizes(infos)
        self.infos = {info.filename: info for info in infos}

    def has(self, name: str) -> bool:
        """Whether the package holds a part of that name."""
        return name in self.infos

    def read(self, name: str) -> bytes:
        """The bytes of a part. Raises LoadError(corrupt_docx) for damaged members."""
        info = self.infos[name]
        try:
            with self.zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except _ZIP_ERRORS as exc:
            raise LoadError(LoadFailure.corrupt_docx, DAMAGED_DOCX) from exc
        if len(data) > info.file_size:   # its size record was damaged: the CRC cannot match
            raise LoadError(LoadFailure.corrupt_docx, DAMAGED_DOCX)
        return transitional(data) if name.endswith((".xml", ".rels")) else data

    def xml(self, name: str) -> etree._Element:
        """A part parsed as XML (see parse_xml). Raises LoadError."""
        return parse_xml(self.read(name), name)

    def crc(self, name: str) -> tuple[int, int]:
        """A part's (CRC-32, uncompressed size) as the ZIP directory records them."""
        info = self.infos[name]
        return info.CRC, info.file_size

    def main_part(self) -> str | None:
        """The main document part named by the package relationships (word/document.xml)."""
        if self.has("_rels/.rels"):
            try:
                rels = self.xml("_rels/.rels")
            except LoadError:
                rels = None
            if rels is not None:
                for rel in rels.iter("{%s}Relationship" % REL_NS):
                    if rel.get("Type", "").endswith(OFFICE_DOCUMENT_REL):
                        target = rel.get("Target", "").lstrip("/")
                        target = posixpath.normpath(target)
                        if self.has(target):
                            return target
        return MAIN_PART if self.has(MAIN_PART) else None

    def sibling(self, part: str, suffix: str) -> str:
        """The name of a part in the same folder as `part` (word/document.xml, 'footnotes.xml' ->
        word/footnotes.xml)."""
        return posixpath.join(posixpath.dirname(part), suffix)


DAMAGED_DOCX = ("the DOCX file is damaged (its ZIP container cannot be read); "
                "open it in Word and save it again, or send the original file")
# What zipfile raises for damaged containers: bad offsets (negative seeks), unsupported
# compression methods or versions, truncated data, bad CRCs.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError, OSError,
               NotImplementedError, RuntimeError, struct.error, OverflowError, IndexError, KeyError)
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")   # signature .. extra field length (30 bytes)


def check_size_records(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Each member's sizes in the central directory must agree with its local header.

    A flipped bit in one size record is damage (corrupt_docx), not a zip bomb; a real bomb
    declares the same huge size in both places and is caught by check_zip_sizes.
    """
    for info in infos:
        try:
            fields = _LOCAL_HEADER.unpack_from(data, info.header_offset)
        except struct.error as exc:
            raise LoadError(LoadFailure.corrupt_docx, DAMAGED_DOCX) from exc
        signature, flags, compressed, size = fields[0], fields[2], fields[7], fields[8]
        if signature != b"PK\x03\x04":
            raise LoadError(LoadFailure.corrupt_docx, DAMAGED_DOCX)
        if flags & 0x8 or 0xFFFFFFFF in (compressed, size):
            continue          # sizes in a data descriptor after the data, or in a ZIP64 extra field
        if (compressed, size) != (info.compress_size, info.file_size):
            raise LoadError(LoadFailure.corrupt_docx, DAMAGED_DOCX)


def check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a ZIP container that would inflate too far: too many members, too many declared bytes,
    or a compression ratio past limits.ZIP_MAX_RATIO. Raises LoadError(zip_bomb)."""
    if len(infos) > limits.ZIP_MAX_MEMBERS:
        raise LoadError(LoadFailure.zip_bomb, f"the ZIP container has {len(infos)} members (limit {limits.ZIP_MAX_MEMBERS})")
    total = sum(info.file_size for info in infos)
    if total > limits.ZIP_MAX_TOTAL_UNCOMPRESSED:
        raise LoadError(
            LoadFailure.zip_bomb,
            f"the ZIP container declares {total} uncompressed bytes (limit {limits.ZIP_MAX_TOTAL_UNCOMPRESSED})",
        )
    compressed = sum(info.compress_size for info in infos)
    for info in infos:
        if info.file_size >= limits.ZIP_RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.ZIP_MAX_RATIO:
                raise LoadError(
                    LoadFailure.zip_bomb,
                    f"{info.filename} would inflate {ratio:.0f}x (limit {limits.ZIP_MAX_RATIO}x)",
                )
    if total >= limits.ZIP_RATIO_MIN_SIZE and total / max(compressed, 1) > limits.ZIP_MAX_RATIO:
        raise LoadError(LoadFailure.zip_bomb, f"the ZIP container would inflate {total / max(compressed, 1):.0f}x")


def parse_xml(data: bytes, name: str) -> etree._Element:
    """A part's XML parsed safely (no DTDs, entities or network). Raises LoadError(xml_entities) for
    a DOCTYPE/ENTITY, LoadError(corrupt_docx) for invalid or empty XML."""
    head = data[:4096]
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data or b"<\x00!\x00D\x00O\x00C" in head:
        raise LoadError(LoadFailure.xml_entities, f"{name} declares a DOCTYPE/ENTITY (possible entity expansion bomb)")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise LoadError(LoadFailure.corrupt_docx, f"the DOCX file is damaged: its part {name} is not valid XML; "
                                        "open it in Word and save it again") from exc
    if root is None:
        raise LoadError(LoadFailure.corrupt_docx, f"the DOCX file is damaged: its part {name} is empty; "
                                        "open it in Word and save it again")
    return root
