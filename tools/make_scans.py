"""Scans of the corpus: each corpus PDF printed, stamped and scanned, as image-only PDFs.

For every corpus/<plan>.pdf two variants go to corpus/scans/:

- `<plan>.scan.pdf`: a clean office scan — 200 dpi, leaning 0.5–1°, light noise, a red
  round seal over the signature block, JPEG quality 55;
- `<plan>.phone.pdf`: a poor phone photo — 150 dpi, leaning 1.5–2°, uneven light, blur,
  heavy noise, the seal, JPEG quality 35.

Pages are grayscale except the one carrying the seal. Random choices are seeded by the plan's
name: reruns give the same files. Goldens: golden/<plan>.<variant>.pdf.json, derived from the
plan's PDF golden (same items; the source says OCR). Usage: python tools/make_scans.py [PLAN...]
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SCANS = CORPUS / "scans"
GOLDEN = ROOT / "golden"

VARIANTS = {
    "scan": {"dpi": 200, "skew": (0.5, 1.0), "noise": 3.0, "blur": 0.0, "light": 0.0, "quality": 30},
    "phone": {"dpi": 150, "skew": (1.5, 2.0), "noise": 8.0, "blur": 0.6, "light": 0.25, "quality": 25},
}
SEAL_RED = (200, 30, 40)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def signature_box(pdf_path: Path) -> tuple[int, tuple[float, float, float, float]]:
    """(page index, box in points) of the signature block: the right-hand words below the
    'Nơi nhận' line of the closing; the foot of the last page when there is none."""
    with pdfplumber.open(pdf_path) as pdf:
        for index in range(len(pdf.pages) - 1, -1, -1):
            page = pdf.pages[index]
            words = page.extract_words()
            for first, second in zip(words, words[1:]):
                if first["text"] == "Nơi" and second["text"].startswith("nhận"):
                    right = [w for w in words if w["x0"] > page.width / 2 and w["top"] >= first["top"] - 2]
                    if right:
                        return index, (min(w["x0"] for w in right), min(w["top"] for w in right),
                                       max(w["x1"] for w in right), max(w["bottom"] for w in right))
        last = pdf.pages[-1]
        return len(pdf.pages) - 1, (last.width * 0.55, last.height * 0.7, last.width * 0.9, last.height * 0.85)


def draw_seal(image: Image.Image, centre: tuple[int, int], radius: int, rng: random.Random) -> Image.Image:
    """A red round seal (two rings, a star, text around) multiplied over the page like ink."""
    seal = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    x, y = centre
    for ring, width in ((radius, max(radius // 14, 3)), (int(radius * 0.72), max(radius // 30, 2))):
        draw.ellipse((x - ring, y - ring, x + ring, y + ring), outline=SEAL_RED, width=width)
    star = [(x + radius * 0.25 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
             y - radius * 0.25 * math.sin(math.pi / 2 + k * 4 * math.pi / 5)) for k in range(5)]
    draw.polygon(star, fill=SEAL_RED)
    font = ImageFont.truetype(FONT, max(radius // 7, 8))
    label = "ỦY BAN NHÂN DÂN * TỈNH *"
    for k, letter in enumerate(label):
        angle = math.pi * (0.95 - 1.9 * k / len(label))
        draw.text((x + radius * 0.86 * math.cos(angle), y - radius * 0.86 * math.sin(angle)),
                  letter, fill=SEAL_RED, font=font, anchor="mm")
    seal = seal.rotate(rng.uniform(-30, 30), center=centre, fillcolor=(255, 255, 255))
    page = np.asarray(image.convert("RGB"), dtype=np.float32)
    ink = np.asarray(seal, dtype=np.float32)
    return Image.fromarray((page * ink / 255.0).astype(np.uint8))


def degrade(image: Image.Image, settings: dict, rng: random.Random) -> Image.Image:
    """Lean, uneven light, blur, noise: what a scanner or a phone does to a printed page."""
    angle = rng.uniform(*settings["skew"]) * rng.choice((-1, 1))
    fill = (255, 255, 255) if image.mode == "RGB" else 255
    image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=fill)
    if settings["blur"]:
        image = image.filter(ImageFilter.GaussianBlur(settings["blur"]))
    pixels = np.asarray(image, dtype=np.float32)
    random_pixels = np.random.default_rng(rng.randrange(2 ** 31))
    # Dust and toner specks: dark dots of 1-3 pixels, more of them the worse the capture.
    height, width = pixels.shape[:2]
    count = int(height * width * settings["noise"] * 1e-5)
    ys, xs = random_pixels.integers(0, height - 3, count), random_pixels.integers(0, width - 3, count)
    sizes = random_pixels.integers(1, 4, count)
    for y, x, size in zip(ys, xs, sizes):
        pixels[y:y + size, x:x + size] = random_pixels.uniform(20, 120)
    # Sensor grain, coarse enough to survive the JPEG.
    grain = random_pixels.normal(0, settings["noise"], (height // 4 + 1, width // 4 + 1))
    grain = np.kron(grain, np.ones((4, 4)))[:height, :width]
    pixels = pixels + (grain[..., None] if pixels.ndim == 3 else grain)
    if settings["light"]:
        height, width = pixels.shape[:2]
        ramp = 1.0 - settings["light"] * np.linspace(0, 1, width)[None, :] * np.linspace(0.3, 1, height)[:, None]
        pixels = pixels * (ramp[..., None] if pixels.ndim == 3 else ramp)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def make_scan(pdf_path: Path, variant: str) -> bytes:
    """The image-only PDF of one variant of one corpus PDF."""
    settings = VARIANTS[variant]
    rng = random.Random(int(hashlib.sha256(f"{pdf_path.stem}/{variant}".encode()).hexdigest()[:12], 16))
    seal_page, (x0, top, x1, bottom) = signature_box(pdf_path)
    scale = settings["dpi"] / 72.0
    pages = []
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
            page.close()
            if index == seal_page:
                # over the signer's title, the left half of the seal on the block's left edge
                radius = int(0.75 * 72 * scale)
                centre = (int(x0 * scale + radius * 0.6), int((top + bottom) / 2 * scale))
                image = draw_seal(image, centre, radius, rng)
            image = degrade(image, settings, rng)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=settings["quality"], optimize=True)
            pages.append(Image.open(io.BytesIO(buffer.getvalue())))
    finally:
        document.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=settings["dpi"])
    # Pillow stamps the creation time: drop it so that reruns give identical bytes.
    data = out.getvalue()
    return _strip_dates(data)


def _strip_dates(data: bytes) -> bytes:
    import re
    return re.sub(rb"/(CreationDate|ModDate) \(D:[0-9Z+'-]+\)", lambda m: b"/" + m.group(1) + b" (D:20260101000000Z)",
                  data)


# The plans whose scans are committed and scored by `kehoach eval golden` (and CI, against
# golden/baseline.json); the other plans' scan goldens go to golden/scans-extra/ (score them
# with `kehoach eval golden/scans-extra`), so that the baseline holds whatever was made.
COMMITTED = {"heldout-ea-drang-xa-2026", "heldout-ca-mau-tinh-2026", "heldout-thach-ha-xa-2026",
             "heldout-chieng-mai-xa-2026", "heldout-an-hai-phuong-2026"}


def make_golden(plan: str, variant: str) -> None:
    """golden/<plan>.<variant>.pdf.json (golden/scans-extra/ for plans not committed): the
    PDF golden, its source naming the scan."""
    golden = json.loads((GOLDEN / f"{plan}.pdf.json").read_text(encoding="utf-8"))
    scan = SCANS / f"{plan}.{variant}.pdf"
    golden["source"]["file"] = scan.relative_to(ROOT).as_posix()
    golden["source"]["sha256"] = hashlib.sha256(scan.read_bytes()).hexdigest()
    golden["source"]["ocr"] = True
    folder = GOLDEN if plan in COMMITTED else GOLDEN / "scans-extra"
    folder.mkdir(exist_ok=True)
    (folder / f"{plan}.{variant}.pdf.json").write_text(
        json.dumps(golden, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(plans: list[str]) -> None:
    SCANS.mkdir(exist_ok=True)
    for pdf_path in sorted(CORPUS.glob("*.pdf")):
        if plans and pdf_path.stem not in plans:
            continue
        for variant in VARIANTS:
            target = SCANS / f"{pdf_path.stem}.{variant}.pdf"
            target.write_bytes(make_scan(pdf_path, variant))
            make_golden(pdf_path.stem, variant)
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
