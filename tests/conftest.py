from functools import cache
from pathlib import Path

import pytest

from extract.pipeline import extract_path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLDEN = ROOT / "golden"


def corpus_documents() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix in {".txt", ".docx", ".pdf"})


def corpus_plans() -> list[str]:
    return sorted({p.stem for p in corpus_documents()})


@cache
def extracted(path: Path):
    """Each corpus document is extracted once per test session."""
    return extract_path(path)


@pytest.fixture(autouse=True, scope="session")
def _run_from_root():
    import os
    previous = os.getcwd()
    os.chdir(ROOT)
    yield
    os.chdir(previous)
