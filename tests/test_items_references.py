"""extract.items.references on its own: the documents a plan cites, once per number, with
the role the clause gives them."""

from items_inputs import quoted, segmented
from extract.items.references import extract_references, find_mentions

PLAN = """UBND THỊ TRẤN PHONG THỔ
Số: 31/KH-UBND
Phong Thổ, ngày 02 tháng 3 năm 2026

**KẾ HOẠCH**

**Cải cách hành chính năm 2026**

Căn cứ Luật Tổ chức chính quyền địa phương năm 2025; Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ và Quyết định số 1234/QĐ-UBND ngày 02 tháng 01 năm 2026 của UBND tỉnh Lai Châu;

Kế hoạch này thay thế Kế hoạch số 05/KH-UBND ngày 10/01/2025 của UBND thị trấn. Quyết định số 1234 / QĐ-UBND nêu trên được phổ biến rộng rãi.

I. MỤC ĐÍCH

Thực hiện Kế hoạch số 31/KH-UBND, các cơ quan tổ chức tuyên truyền.
"""


def _references():
    seg, prov = segmented(PLAN)
    return seg, {r.number or r.type: r for r in extract_references(seg, prov, own_number="31/KH-UBND")}


def test_each_number_once_with_the_fullest_citation():
    seg, refs = _references()
    decision = refs["1234/QĐ-UBND"]         # cited twice, once with stray spaces
    assert (decision.type, decision.date, decision.issuer) == ("quyet_dinh", "2026-01-02", "UBND tỉnh Lai Châu")
    assert len([r for r in refs.values() if r.type == "quyet_dinh"]) == 1
    assert all(quoted(seg, s) == s.quote for s in decision.sources)


def test_items_a_basis_clause_lists_are_all_basis():
    _, refs = _references()
    decree = refs["118/2025/NĐ-CP"]
    assert (decree.type, decree.date, decree.issuer, decree.role) == ("nghi_dinh", "2025-06-09", "Chính phủ", "basis")
    assert refs["luat"].role == "basis"             # a law cited by name, without a number
    assert refs["1234/QĐ-UBND"].role == "basis"     # after "và": the same clause


def test_a_replaced_plan_and_the_plan_s_own_number():
    _, refs = _references()
    assert refs["05/KH-UBND"].role == "replaces"
    assert "31/KH-UBND" not in refs               # the plan's own number is not a reference


def test_find_mentions_reads_date_in_words_and_issuer():
    mention = find_mentions("theo Chỉ thị số 09/CT-UBND ngày 5 tháng 8 năm 2025 của Chủ tịch UBND tỉnh về "
                            "tăng cường kỷ luật")[0]
    assert (mention.type, mention.number, mention.date, mention.issuer) == (
        "chi_thi", "09/CT-UBND", "2025-08-05", "Chủ tịch UBND tỉnh")


def test_a_number_without_a_type_word_is_typed_by_its_symbol():
    mention = find_mentions("theo tinh thần 766/QĐ-TTg của Thủ tướng")[0]
    assert (mention.type, mention.number) == ("quyet_dinh", "766/QĐ-TTg")


def test_a_code_with_a_letter_read_twice_is_the_known_code():
    mention = find_mentions("Quyết định số 06/QĐĐ-TTTg ngày 06/01/2022 của Thủ tướng Chính phủ")[0]
    assert (mention.type, mention.number) == ("quyet_dinh", "06/QĐ-TTg")
    assert find_mentions("Công văn số 1520/UBND-KGVX")[0].number == "1520/UBND-KGVX"   # unknown codes stay


SCANNED = PLAN.replace("I. MỤC ĐÍCH", "I. MỤC ĐÍCH\n\nTheo Nghị định số 118/2025/NĐ-CR, triển khai đúng Nghị định số "
                                        "118/2025/NĐ-CP.")


def test_a_scan_s_misread_number_joins_the_number_cited_more_often():
    seg, prov = segmented(SCANNED, ocr=True)
    numbers = {r.number: r for r in extract_references(seg, prov, own_number="31/KH-UBND")}
    assert "118/2025/NĐ-CR" not in numbers and len(numbers["118/2025/NĐ-CP"].sources) == 3
    assert all(quoted(seg, s) == s.quote for s in numbers["118/2025/NĐ-CP"].sources)
    two = SCANNED.replace("Theo Nghị định số 118/2025/NĐ-CR", "Theo Kế hoạch số 05/KH-UBNDT")
    seg, prov = segmented(two, ocr=True)    # one letter more at the end: another document
    assert {"05/KH-UBND", "05/KH-UBNDT"} <= {r.number for r in extract_references(seg, prov, own_number="31/KH-UBND")}
    seg, prov = segmented(SCANNED)          # typed text: two numbers as written
    assert "118/2025/NĐ-CR" in {r.number for r in extract_references(seg, prov, own_number="31/KH-UBND")}


def test_a_law_cited_with_its_number_is_keyed_by_it():
    law, decree = find_mentions("Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16/6/2025 và "
                                "Nghị định số 13/2023/NĐ-CP ngày 17/4/2023;")
    assert (law.type, law.number, law.date) == ("luat", "72/2025/QH15", "2025-06-16")
    assert (decree.type, decree.number) == ("nghi_dinh", "13/2023/NĐ-CP")
    named, _ = find_mentions("Căn cứ Luật Chuyển đổi số năm 2025 và Nghị định số 13/2023/NĐ-CP;")
    assert (named.number, named.name) == (None, "Luật Chuyển đổi số năm 2025")     # ends before the decree


def test_an_issuer_ends_before_another_document_named_after_va():
    mention = find_mentions("Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị và Đề án 06 trên địa bàn xã")[0]
    assert mention.issuer == "Bộ Chính trị"
