"""The one fuzzy one-to-one matcher (extract.matching) that merge, evaluate and compare share,
and the one accent-folding function."""

from hypothesis import given, strategies as st

from extract.canonical.agencies import canonical_agency_name
from extract.matching import fold_accents, pair_matrix, pair_one_to_one, pair_scored


def test_fold_accents_drops_tone_marks_and_the_stroke_of_d():
    assert fold_accents("Sở Khoa học và Công nghệ") == "So Khoa hoc va Cong nghe"
    assert fold_accents("Đảng ủy đặc khu") == "Dang uy dac khu"
    assert fold_accents("ĐOÀN THANH NIÊN") == "DOAN THANH NIEN"


def test_fold_accents_keeps_what_is_not_a_diacritic():
    assert fold_accents("KH&CN 2026 - 70%") == "KH&CN 2026 - 70%"
    assert fold_accents("") == ""


@given(st.text(alphabet="aăâđeêoôơuưyĐÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬ -", max_size=30))
def test_fold_accents_is_idempotent_and_keeps_length_of_precomposed_text(text):
    folded = fold_accents(text)
    assert fold_accents(folded) == folded
    assert len(folded) == len(text)        # one letter each: no mark is left over or dropped with its letter
    assert folded.isascii()


def test_best_score_wins_then_document_order():
    # left 0 and left 1 both want right 0; left 1 scores higher and takes it
    pairs = pair_scored([(0, 0, 80.0), (1, 0, 90.0), (0, 1, 70.0)])
    assert pairs == {1: (0, 90.0), 0: (1, 70.0)}
    # a tie goes to the earlier left item, then the earlier right item
    assert pair_scored([(1, 0, 75.0), (0, 0, 75.0)]) == {0: (0, 75.0)}
    assert pair_scored([(0, 1, 75.0), (0, 0, 75.0)]) == {0: (0, 75.0)}


def test_pairs_below_the_threshold_are_never_made():
    assert pair_one_to_one(["a"], ["b"], lambda a, b: 59.9, 60) == {}
    assert pair_matrix([[60.0]], 60) == {0: (0, 60.0)}
    assert pair_matrix([], 60) == {}


@given(st.lists(st.lists(st.integers(0, 5), min_size=3, max_size=3), min_size=0, max_size=5))
def test_matrix_and_scored_pairing_agree_and_are_one_to_one(matrix):
    threshold = 2
    from_matrix = pair_matrix(matrix, threshold) if matrix else {}
    cells = [(li, ri, float(v)) for li, row in enumerate(matrix) for ri, v in enumerate(row) if v >= threshold]
    assert from_matrix == pair_scored(cells)
    rights = [ri for ri, _ in from_matrix.values()]
    assert len(rights) == len(set(rights))


def test_agency_lookup_without_diacritics_uses_the_same_folding():
    # a plan typed without diacritics still names the gazetteer's agency
    assert canonical_agency_name("So Khoa hoc va Cong nghe") == "Sở Khoa học và Công nghệ"
