"""underthesea is loaded without its package __init__ (which imports every pipeline it has),
and the package stays importable as usual afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("underthesea")

SENTENCES = ["Trung tâm Y tế khu vực Mường Khương phối hợp thực hiện",
             "Chi cục Thống kê khu vực XII chủ trì, tham mưu báo cáo"]

PROBE = """
import json, sys
from extract.nlp import _underthesea
word_tokenize, tagger = _underthesea()
tokens = [word_tokenize(text, use_token_normalize=False) for text in json.loads(sys.argv[1])]
from extract.nlp import agency_tagger
agency_tagger().agency_prefix_end("Trung tâm Y tế khu vực Mường Khương cấp mã định danh")  # tokenizer and tagger
light = sorted(name for name in ("underthesea.pipeline.classification", "underthesea.pipeline.ner",
                                 "underthesea.pipeline.chunking", "underthesea.agent") if name in sys.modules)
import underthesea                      # the real package, after the light import
full = [underthesea.word_tokenize(text, use_token_normalize=False) for text in json.loads(sys.argv[1])]
from underthesea import ner
print(json.dumps({"light": light, "tokens": tokens, "full": full, "pos_tag": callable(underthesea.pos_tag) and callable(ner)}))
"""


def test_light_import_tokenizes_as_the_package_does_and_leaves_it_importable():
    import json

    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(SENTENCES)], capture_output=True, text=True,
                            check=True)
    found = json.loads(result.stdout)
    assert found["light"] == [], "pipelines the tagger does not use were imported"
    assert found["tokens"] == found["full"] and found["pos_tag"]
    assert found["tokens"][0][:2] == ["Trung tâm", "Y tế"]
