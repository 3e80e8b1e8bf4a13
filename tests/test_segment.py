from extract.normalize import normalize_document
from extract.segment import segment
from extract.structures import Cell, Paragraph, RawDocument, Row, Table

HEADER = ["TT", "Chỉ tiêu", "Đơn vị", "Kết quả", "Cơ quan chủ trì"]


def row(*cells, page=None, bold=False):
    return Row([Cell(c, bold=bold) for c in cells], page=page)


def plan(*blocks):
    return segment(normalize_document(RawDocument("txt", [
        Paragraph("Số: 12/KH-UBND"), Paragraph("Hà Tĩnh, ngày 05 tháng 3 năm 2026"),
        Paragraph("KẾ HOẠCH", bold=True), Paragraph("Chuyển đổi số năm 2026", bold=True),
        Paragraph("Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;"),
        *blocks,
    ])))


def test_parts_of_the_document():
    seg = plan(
        Paragraph("I. MỤC TIÊU"), Paragraph("1. Mục tiêu chung: nâng cao năng lực số."),
        Paragraph("a) Về hạ tầng"), Paragraph("- 100% xã có cáp quang."),
        Paragraph("2.1. Về dữ liệu"), Paragraph("2.1.1. Dữ liệu dân cư"), Paragraph("2.2. Về nhân lực"),
        Paragraph("II. TỔ CHỨC THỰC HIỆN"), Paragraph("Trên đây là Kế hoạch chuyển đổi số."),
        Paragraph("Nơi nhận:"), Paragraph("- Sở Nội vụ;"), Paragraph("- Lưu: VT."),
        Paragraph("KT. CHỦ TỊCH"), Paragraph("PHÓ CHỦ TỊCH"), Paragraph("Nguyễn Văn An"),
    )
    assert [l.text for l in seg.header] == ["Số: 12/KH-UBND", "Hà Tĩnh, ngày 05 tháng 3 năm 2026"]
    assert [l.text for l in seg.title_lines] == ["Chuyển đổi số năm 2026"]
    assert len(seg.preamble) == 1
    tree = [(s.level, s.number, s.heading, s.kind) for s in seg.sections]
    assert tree == [
        (1, "I", "MỤC TIÊU", "body"), (2, "1", "Mục tiêu chung", "body"), (3, "a", "Về hạ tầng", "body"),
        (4, "2.1", "Về dữ liệu", "body"), (5, "2.1.1", "Dữ liệu dân cư", "body"), (4, "2.2", "Về nhân lực", "body"),
        (1, "II", "TỔ CHỨC THỰC HIỆN", "body"), (1, None, "Nơi nhận", "closing"),
        (1, None, "KT. CHỦ TỊCH", "closing"),
    ]
    assert seg.sections[1].inline_text == "nâng cao năng lực số."
    assert [l.text for l in seg.recipients] == ["- Sở Nội vụ;", "- Lưu: VT."]
    assert [l.text for l in seg.signature] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]


def test_heading_offsets_quote_the_heading():
    seg = plan(Paragraph("I. MỤC TIÊU"), Paragraph("2. Nhiệm vụ cụ thể: xem phụ lục"))
    for node in seg.sections:
        assert seg.text.text[node.heading_start:node.heading_end] == node.heading


def appendix(*rows_or_tables):
    return plan(Paragraph("I. NHIỆM VỤ"), Paragraph("Nơi nhận:"), Paragraph("- Lưu: VT."),
                Paragraph("CHỦ TỊCH"), Paragraph("Lê Thị Hoa"),
                Paragraph("Phụ lục I", bold=True), Paragraph("CHỈ TIÊU NĂM 2026", bold=True),
                Paragraph("(Kèm theo Kế hoạch số 12/KH-UBND ngày 05/3/2026 của UBND tỉnh Hà Tĩnh)"),
                *rows_or_tables)


def test_appendix_and_repeated_header_dropped_with_continuation_joined():
    seg = appendix(Table([
        row(*HEADER),
        row("1", "Tỷ lệ hồ sơ xử lý trên môi trường", "%", "100", "Sở Nội vụ"),
        row(*HEADER),
        row("", "điện tử", "", "", ""),
        row("2", "Tỷ lệ dịch vụ công trực tuyến", "%", "≥80", "Văn phòng UBND tỉnh"),
    ]))
    [appx] = seg.appendices
    assert (appx.label, appx.number, appx.title) == ("Phụ lục I", "I", "CHỈ TIÊU NĂM 2026")
    assert appx.attached_to.startswith("Kèm theo Kế hoạch số 12/KH-UBND")
    [table] = seg.tables
    assert table.header == HEADER
    assert [r.text(1) for r in table.rows] == ["Tỷ lệ hồ sơ xử lý trên môi trường điện tử",
                                               "Tỷ lệ dịch vụ công trực tuyến"]
    assert len(table.rows[0].lines) == 2


def test_sub_rows_stay_rows_and_pdf_fragments_are_stitched():
    seg = appendix(
        Table([row(*HEADER, page=3), row("1", "Tỷ lệ văn bản xử lý toàn trình", "%", "", "Sở Nội vụ", page=3),
               row("", "Cấp tỉnh", "%", "≥70", "", page=3)], page=3),
        Table([row(*HEADER, page=4), row("", "Cấp xã", "%", "≥70", "", page=4),
               row("2", "Số sáng kiến", "sáng kiến", "01", "Sở Khoa học và Công nghệ", page=4)], page=4),
    )
    [table] = seg.tables
    assert [r.text(1) for r in table.rows] == ["Tỷ lệ văn bản xử lý toàn trình", "Cấp tỉnh", "Cấp xã", "Số sáng kiến"]
    assert table.rows[2].after_break
    assert table.rows[2].lines[0].page == 4


def test_body_mention_of_an_appendix_is_not_an_appendix():
    seg = plan(Paragraph("I. NHIỆM VỤ"), Paragraph("(Có Phụ lục số 01: Danh mục sáng kiến kèm theo)"),
               Paragraph("Phụ lục 2 kèm theo Kế hoạch này quy định chi tiết các nhiệm vụ của từng cơ quan, đơn vị trong năm."))
    assert seg.appendices == []
