"""extract.items.provenance on its own: every source points back to the exact quote and its
page."""

from extract.items.provenance import Provenance
from extract.structures import Line, TextDocument


def _document() -> TextDocument:
    lines = ["KẾ HOẠCH", "  Ứng dụng công nghệ số trong nông nghiệp  ", "Phụ lục"]
    text = "\n".join(lines)
    out, start = [], 0
    for page, line in zip((1, 1, 2), lines):
        out.append(Line(text=line, start=start, end=start + len(line), page=page))
        start += len(line) + 1
    return TextDocument(text=text, lines=out, format="pdf", pages=2)


def test_a_span_is_trimmed_and_quotes_the_text_exactly():
    document = _document()
    source = Provenance(document).span(9, 9 + 44)
    assert source.quote == "Ứng dụng công nghệ số trong nông nghiệp"
    assert document.text[source.start:source.end] == source.quote
    assert source.page == 1


def test_a_line_on_a_later_page_has_its_page():
    document = _document()
    prov = Provenance(document)
    last = document.lines[-1]
    assert prov.line(last).page == 2 and prov.line(last).quote == "Phụ lục"
    assert prov.line_at(last.start) is last and prov.line_at(last.start - 1) is document.lines[1]


def test_lines_give_one_source_each():
    document = _document()
    assert [s.quote for s in Provenance(document).lines(document.lines)] == [
        "KẾ HOẠCH", "Ứng dụng công nghệ số trong nông nghiệp", "Phụ lục"]
