"""Problems a PDF's pages raise about where their text came from: OCR, repairs, nothing.

- `ocr_used` (info): pages read by OCR and their mean word confidence (0–100).
- `ocr_low_confidence` (warning): lines OCR read with a mean word confidence below
  extract.load.ocr.LOW_CONFIDENCE, quoted, so that a person checks them against the scan.
- `text_layer_repaired` (info): pages whose text layer was repaired (fake bold, spaces).
- `text_layer_missing`: pages with images and no usable text that OCR could not read (error
  when nothing at all was read), with the reason.
"""

from __future__ import annotations

from extract.load.ocr import LOW_CONFIDENCE
from extract.models import ProblemCode, Severity
from extract.structures import LoadProblem

_REPAIR_NAMES = {"fake_bold": "glyphs printed twice (fake bold) de-duplicated",
                 "spaces_from_gaps": "words split at the gaps (no space glyphs)",
                 "cid_text": "text without a character map ((cid:N)) replaced by OCR"}
_QUOTED_LINES = 12


def page_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3, 5'."""
    parts: list[str] = []
    for number in numbers:
        if parts and number == last + 1:
            first = parts[-1].split("-")[0]
            parts[-1] = f"{first}-{number}"
        else:
            parts.append(str(number))
        last = number
    return ", ".join(parts)


def page_problems(pages) -> list[LoadProblem]:
    """LoadProblems for a PDF's `_PageContent`s (see module docstring)."""
    problems: list[LoadProblem] = []
    read = [content for content in pages if content.ocr is not None]
    if read:
        words = [word for content in read for word in content.ocr.words]
        mean = sum(word["conf"] for word in words) / len(words) if words else 0.0
        problems.append(LoadProblem(
            ProblemCode.ocr_used, Severity.info,
            f"text of page(s) {page_ranges([c.number for c in read])} read by OCR (Tesseract, Vietnamese); "
            f"mean word confidence {mean:.1f}"))
        low = [(content.number, line) for content in read for line in content.ocr.low_lines]
        if low:
            quoted = "; ".join(f"p. {number}: '{line[:60]}'" for number, line in low[:_QUOTED_LINES])
            more = f" and {len(low) - _QUOTED_LINES} more" if len(low) > _QUOTED_LINES else ""
            problems.append(LoadProblem(
                ProblemCode.ocr_low_confidence, Severity.warning,
                f"{len(low)} OCR line(s) read with confidence below {LOW_CONFIDENCE:.0f}, check them "
                f"against the scan: {quoted}{more}"))
    repaired: dict[str, list[int]] = {}
    for content in pages:
        for repair in content.repairs:
            repaired.setdefault(repair, []).append(content.number)
    for repair, numbers in repaired.items():
        problems.append(LoadProblem(ProblemCode.text_layer_repaired, Severity.info,
                                    f"page(s) {page_ranges(numbers)}: {_REPAIR_NAMES[repair]}"))
    unread = [message for content in pages for message in content.unread_columns]
    if unread:
        problems.append(LoadProblem(ProblemCode.table_shape, Severity.warning,
                                    "text in columns without rulings was kept as paragraphs, check for a table: "
                                    + "; ".join(unread[:5])))
    nothing = not any(content.lines or content.items for content in pages)
    severity = Severity.error if nothing else Severity.warning
    missing = [content for content in pages if content.ocr is None and content.ocr_missing
               and not content.lines and not content.items]
    if missing:
        problems.append(LoadProblem(
            ProblemCode.text_layer_missing, severity,
            f"page(s) {page_ranges([c.number for c in missing])} have no usable text layer (scanned images?) "
            f"and could not be read: {missing[0].ocr_missing}"))
    blank = [content for content in read if not content.ocr.words]
    if blank:
        problems.append(LoadProblem(
            ProblemCode.text_layer_missing, severity,
            f"page(s) {page_ranges([c.number for c in blank])} have no text layer and OCR found no text on them"))
    if nothing and not missing and not blank:
        problems.append(LoadProblem(ProblemCode.text_layer_missing, Severity.error,
                                    "the PDF has no text: no text layer and no page images"))
    return problems
