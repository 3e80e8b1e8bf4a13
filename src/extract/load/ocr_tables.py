"""Ruled tables in a page image: the grid found from its lines, merged cells resolved.

OpenCV morphology: an opening with a long horizontal (vertical) kernel keeps only the
horizontal (vertical) ruling lines of the binarised page. Their positions make a grid; a
boundary between two grid cells exists where a ruling line covers most of it, and grid
cells without a boundary between them are one merged cell. The result is shaped like a
pdfplumber table (`cells` as (x0, top, x1, bottom), `bbox`) in PDF points, so the PDF reader
fills it with the OCR words under each cell and takes it down the same path as a digital
table. The lines are whitened out of the image before OCR (Tesseract reads them as '|').
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_LINE_FRACTION = 0.04     # a ruling line is at least this share of the page's width/height
BOUNDARY_COVER = 0.45        # a cell boundary exists where a line covers this much of it
MERGE_PX = 6                 # line positions closer than this many pixels are one line
INK_THRESHOLD = 200         # gray level below which a pixel is ink (the page is flattened)
LINE_INK_COVER = 0.9         # ... or where ink runs along this much of it (a faint, broken line)
UNDERLINE_REACH = 4.0        # points: a row line's end is this near a column line
UNDERLINE_ABOVE = 3.0        # points above a line looked at for the letters it underlines ...
UNDERLINE_INK = 0.3          # ... which ink this share of its columns at least


@dataclass(slots=True)
class ImageTable:
    """A table found in a page image, in PDF points (like pdfplumber's Table)."""

    cells: list[tuple[float, float, float, float]]
    bbox: tuple[float, float, float, float]
    # cells whose text is unsure: ink OCR read nothing from (a "%" or "1" lost), or a number
    # two readings of which differ (extract.load.ocr._check_number_cells)
    unread: set[tuple[float, float, float, float]] = field(default_factory=set)


def _positions(profile, threshold: float) -> list[int]:
    """Centres of the runs of `profile` above `threshold` (pixel indices)."""
    positions, start = [], None
    for index, value in enumerate(list(profile) + [0]):
        if value > threshold and start is None:
            start = index
        elif value <= threshold and start is not None:
            positions.append((start + index - 1) // 2)
            start = None
    merged: list[int] = []
    for position in positions:
        if merged and position - merged[-1] < MERGE_PX:
            merged[-1] = (merged[-1] + position) // 2
        else:
            merged.append(position)
    return merged


def _grid_cells(horizontal, vertical, x0: int, y0: int, ink=None) -> list[tuple[int, int, int, int]]:
    """Cells (x0, top, x1, bottom) in pixels of one table region's line masks. With the
    region's binary image `ink`, a boundary the line masks do not cover still exists where ink
    runs along LINE_INK_COVER of it (`_inked_boundary`)."""
    import numpy as np

    height, width = horizontal.shape
    ys = _positions(horizontal.max(axis=1).astype(np.int32) * (horizontal.sum(axis=1) > 0.1 * width),
                    0)
    xs = _positions(vertical.max(axis=0).astype(np.int32) * (vertical.sum(axis=0) > 0.1 * height), 0)
    if len(ys) < 2 or len(xs) < 2:
        return []
    rows, cols = len(ys) - 1, len(xs) - 1
    band = MERGE_PX // 2 + 1

    def covered(mask, fixed: int, lo: int, hi: int, along_rows: bool) -> bool:
        if hi - lo < 3:
            return True
        lo, hi = lo + 2, hi - 2
        if along_rows:      # a horizontal boundary at row `fixed`, columns lo..hi
            strip = mask[max(fixed - band, 0):fixed + band + 1, lo:hi].max(axis=0)
        else:               # a vertical boundary at column `fixed`, rows lo..hi
            strip = mask[lo:hi, max(fixed - band, 0):fixed + band + 1].max(axis=1)
        if bool(strip.size) and float(strip.mean()) >= BOUNDARY_COVER * 255:
            return True
        return ink is not None and _inked_boundary(ink, fixed, lo, hi, band, along_rows)

    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not covered(vertical, xs[c + 1], ys[r], ys[r + 1], along_rows=False):
                parent[find(r * cols + c + 1)] = find(r * cols + c)
            if r + 1 < rows and not covered(horizontal, ys[r + 1], xs[c], xs[c + 1], along_rows=True):
                parent[find((r + 1) * cols + c)] = find(r * cols + c)
    groups: dict[int, list[int]] = {}
    for index in range(rows * cols):
        groups.setdefault(find(index), []).append(index)
    cells = []
    for members in groups.values():
        r0 = min(m // cols for m in members)
        r1 = max(m // cols for m in members)
        c0 = min(m % cols for m in members)
        c1 = max(m % cols for m in members)
        cells.append((x0 + xs[c0], y0 + ys[r0], x0 + xs[c1 + 1], y0 + ys[r1 + 1]))
    cells.sort(key=lambda cell: (cell[1], cell[0]))
    return cells


def _inked_boundary(ink, fixed: int, lo: int, hi: int, band: int, along_rows: bool) -> bool:
    """Whether ink (a binary image, 255 = ink) runs along LINE_INK_COVER of a boundary within
    `band` pixels of it: a ruling line a phone photo left faint and broken, which the line
    masks' opening drops in pieces shorter than its kernel ("2" and "3" read as one index cell
    "23"). A number centred on the boundary of a merged cell inks far less of it."""
    if along_rows:
        strip = ink[max(fixed - band, 0):fixed + band + 1, lo:hi].max(axis=0)
    else:
        strip = ink[lo:hi, max(fixed - band, 0):fixed + band + 1].max(axis=1)
    return bool(strip.size) and float(strip.mean()) >= LINE_INK_COVER * 255


def _without_underlines(horizontal, vertical, binary, scale: float):
    """The horizontal line mask without the lines that underline text inside a cell: a piece
    that crosses no vertical ruling line, does not meet one at both ends (within
    UNDERLINE_REACH points) and runs under a row of letters (ink in UNDERLINE_INK of its columns in the UNDERLINE_ABOVE
    points just above it). Taken for a row line, an underline cut a long cell into one cell a
    line ("Cụ thể hóa chỉ tiêu “100% hồ sơ công việc tại cấp bộ" parted from the rest of its
    basis), and whitened out with the grid, it took the dots below and the descenders of the
    words over it ("tai cấn bô" for "tại cấp bộ"). A row line meets the column lines at its
    ends, and cell padding keeps the letters of the row above off it: on the phone scans a
    row line, whole or a broken piece of one, has ink above in a tenth of its columns at most,
    an underline in half of them."""
    import cv2
    import numpy as np

    count, labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    if count <= 1:
        return horizontal
    reach = max(int(round(UNDERLINE_REACH / scale)), 2)
    above = max(int(round(UNDERLINE_ABOVE / scale)), 2)
    height, width = horizontal.shape
    underlines = []
    for label in range(1, count):
        x, y, w, h, _area = (int(value) for value in stats[label])
        rows = slice(max(y - reach, 0), min(y + h + reach, height))
        ends = (vertical[rows, max(x - reach, 0):min(x + reach + 1, width)],
                vertical[rows, max(x + w - 1 - reach, 0):min(x + w + reach, width)])
        inside = vertical[rows, min(x + reach + 1, width):max(x + w - 1 - reach, 0)]
        if all(end.size and end.max() > 0 for end in ends) or (inside.size and inside.max() > 0):
            continue        # a row line: it meets column lines at its ends, or crosses one
        band = binary[max(y - above, 0):y, x:x + w]
        if band.size and float((band.max(axis=0) > 0).mean()) >= UNDERLINE_INK:
            underlines.append(label)
    if not underlines:
        return horizontal
    kept = horizontal.copy()
    kept[np.isin(labels, underlines)] = 0      # one pass over the page, not one per underline
    return kept


def find_tables(gray, scale: float):
    """Grid tables of a deskewed grayscale page (numpy uint8) -> (tables in PDF points,
    the image with the ruling lines whitened). `scale` converts pixels to points."""
    import cv2
    import numpy as np

    # the page is already flattened by ocr.clean: one threshold holds for light, thin lines
    if gray.dtype == np.uint8:      # the same mask, without a 64-bit array the size of the page
        binary = cv2.threshold(gray, INK_THRESHOLD - 1, 255, cv2.THRESH_BINARY_INV)[1]
    else:
        binary = ((gray < INK_THRESHOLD) * 255).astype(np.uint8)
    height, width = binary.shape
    h_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(int(width * MIN_LINE_FRACTION), 10), 1))
    v_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(int(height * MIN_LINE_FRACTION * 0.7), 10)))
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, h_kernel)
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, v_kernel)
    # bridge small breaks in scanned lines
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 3)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 15)))
    horizontal = _without_underlines(horizontal, vertical, binary, scale)
    grid = cv2.bitwise_or(horizontal, vertical)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(
        cv2.dilate(grid, np.ones((5, 5), np.uint8)), connectivity=8)
    tables: list[ImageTable] = []
    for label in range(1, count):
        x, y, w, h, _area = stats[label]
        if w < 0.2 * width or h < 0.03 * height:
            continue
        region = (slice(y, y + h), slice(x, x + w))
        cells = _grid_cells(horizontal[region], vertical[region], int(x), int(y), binary[region])
        if len(cells) < 2:
            continue
        points = [(x0 * scale, top * scale, x1 * scale, bottom * scale) for x0, top, x1, bottom in cells]
        tables.append(ImageTable(points, (x * scale, y * scale, (x + w) * scale, (y + h) * scale)))
    cleaned = gray.copy()
    cleaned[cv2.dilate(grid, np.ones((3, 3), np.uint8)) > 0] = 255
    tables.sort(key=lambda table: table.bbox[1])
    return tables, cleaned
