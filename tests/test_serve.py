"""`kehoach serve`: the HTTP API (httpx through FastAPI's TestClient), its limits and errors,
batches with ZIPs, and saving a review as a golden file that the evaluator scores."""

from __future__ import annotations

import html
import io
import json
import random
import re
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import given, settings as hypothesis_settings, strategies as st  # noqa: E402

from conftest import CORPUS, ROOT, extracted  # noqa: E402
from extract.evaluate import evaluate, score_document  # noqa: E402
from extract.models import Document  # noqa: E402
from extract.pipeline import extract_path  # noqa: E402
from extract.serve.app import create_app  # noqa: E402
from extract.serve.uploads import UploadRefused, unpack_zip  # noqa: E402
from extract.write import document_json  # noqa: E402
from serve_helpers import serve_settings  # noqa: E402

DOCX = CORPUS / "binh-lu-xa-2026.docx"
TEXT = CORPUS / "tan-ha-xa-bcd-2026.txt"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    settings = serve_settings(tmp, max_bytes=2 * 1024 * 1024, max_request_bytes=4 * 1024 * 1024)
    with TestClient(create_app(settings)) as client:
        yield client, settings


def upload(path: Path, name: str | None = None):
    return {"file": (name or path.name, path.read_bytes())}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert "Traceback" not in response.text and body["message"]
    return body


def test_health_reports_workers_and_memory(served):
    client, _ = served
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["workers"] == 1
    assert body["memory_kb"]["server"] > 0 and len(body["memory_kb"]) == 2


def test_extract_gives_the_command_lines_json(served):
    client, _ = served
    response = client.post("/extract", files=upload(DOCX))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    expected = extracted(DOCX).model_copy(deep=True)
    expected.source.file = DOCX.name        # the client's name, not a server path
    assert response.text == document_json(expected)


def test_extract_names_the_source_by_the_clients_file_name_made_safe(served):
    client, _ = served
    response = client.post("/extract", files=upload(TEXT, "../../etc/kế hoạch?.txt"))
    assert response.status_code == 200
    assert response.json()["source"]["file"] == "kế hoạch_.txt"


@pytest.mark.parametrize(("content", "status", "code"), [
    (b"", 422, "empty"),
    (b"PK\x03\x04" + b"\x00" * 64, 422, "corrupt_docx"),
    (b"%PDF-1.7\n%%EOF", 422, "corrupt_pdf"),
    (b"x" * (2 * 1024 * 1024 + 1), 413, "too_large"),
])
def test_bad_input_is_a_4xx_with_the_loaders_reason(served, content, status, code):
    client, _ = served
    response = client.post("/extract", files={"file": ("plan.docx", content)})
    assert_error(response, status, code)


def test_request_over_the_body_limit_is_refused(served):
    client, _ = served
    response = client.post("/extract", files={"file": ("big.txt", b"a" * (4 * 1024 * 1024 + 10))})
    assert_error(response, 413, "too_large")


def test_missing_file_and_unknown_routes_are_json_errors(served):
    client, _ = served
    assert_error(client.post("/extract", data={"x": "1"}), 422, "invalid_request")
    assert_error(client.get("/batches/nope"), 404, "not_found")
    assert_error(client.get("/reviews/nope"), 404, "not_found")


def test_openapi_is_published_without_cdn_pages(served):
    client, _ = served
    schema = client.get("/openapi.json").json()
    assert {"/extract", "/batches", "/batches/{batch_id}", "/health"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 404     # Swagger UI would load scripts from a CDN


def test_a_document_past_the_time_limit_fails_and_the_server_goes_on(tmp_path):
    settings = serve_settings(tmp_path, timeout=0.05)
    with TestClient(create_app(settings)) as client:
        slow = client.post("/extract", files=upload(CORPUS / "quang-tri-tinh-2026.pdf"))
        assert_error(slow, 422, "timeout")
        assert client.get("/health").json()["status"] == "ok"


def test_a_document_past_the_memory_limit_fails_and_the_server_goes_on(tmp_path):
    settings = serve_settings(tmp_path, memory_mb=1, timeout=30)
    with TestClient(create_app(settings)) as client:
        response = client.post("/extract", files=upload(CORPUS / "quang-tri-tinh-2026.pdf"))
        assert response.status_code == 422, response.text
        assert response.json()["code"] in ("out_of_memory", "worker_crashed")
        assert client.get("/health").json()["status"] == "ok"   # the server is not taken down


def test_a_worker_killed_while_idle_is_replaced_before_it_gets_a_document(served):
    client, _ = served
    pool = client.app.state.pool
    (pid,) = [int(p) for p in pool.memory()]
    import os
    import signal
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert client.post("/extract", files=upload(TEXT)).status_code == 200   # served by its replacement
    assert [int(p) for p in pool.memory()] != [pid]


# ---------------------------------------------------------------------------- batches

def zip_bytes(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def wait_for(client, batch_id: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/batches/{batch_id}").json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError("the batch did not finish")


def test_batch_of_a_zip_and_a_file_gives_progress_manifest_and_documents(served):
    client, _ = served
    archive = zip_bytes({"plans/a.docx": DOCX.read_bytes(), "plans/sub/b.txt": TEXT.read_bytes(),
                         "plans/photo.png": b"x", "__MACOSX/._a.docx": b"junk", "bad.pdf": b"%PDF-1.4 broken"})
    response = client.post("/batches", files=[("files", ("upload.zip", archive)),
                                              ("files", ("c.txt", TEXT.read_bytes()))])
    assert response.status_code == 202
    started = response.json()
    assert started["total"] == 5 and started["status"] in ("queued", "running", "done")
    status = wait_for(client, started["id"])
    assert status["status"] == "done" and status["done"] == status["total"] == 5
    lines = {line["file"]: line for line in status["manifest"]}
    assert set(lines) == {"upload/plans/a.docx", "upload/plans/sub/b.txt", "upload/plans/photo.png",
                          "upload/bad.pdf", "c.txt"}
    assert lines["upload/bad.pdf"]["reason"] == "corrupt_pdf"
    assert lines["upload/plans/photo.png"]["reason"] == "unsupported_extension"
    assert status["counts"] == {"ok": 3, "failed": 1, "skipped": 1}
    document = client.get(f"/batches/{started['id']}/{'documents'}/{lines['upload/plans/a.docx']['output']}").json()
    assert document["source"]["file"] == "upload/plans/a.docx"
    assert Document.model_validate(document).indicators == extracted(DOCX).indicators
    assert_error(client.get(f"/batches/{started['id']}/documents/../in/c.txt"), 404, "not_found")


@pytest.mark.parametrize(("members", "symlink", "code"), [
    ({"../evil.txt": b"x"}, None, "unsafe_zip"),
    ({"/etc/evil.txt": b"x"}, None, "unsafe_zip"),
    ({"ok.txt": b"x"}, "link", "unsafe_zip"),
    ({"zeros.txt": b"\x00" * (3 * 1024 * 1024)}, None, "zip_bomb"),
])
def test_hostile_zips_are_refused_before_anything_leaves_the_folder(served, tmp_path, members, symlink, code):
    client, _ = served
    response = client.post("/batches", files={"files": ("x.zip", zip_bytes(members, symlink))})
    assert_error(response, 422, code)
    target = tmp_path / "unpacked"
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes(members, symlink))
    with pytest.raises(UploadRefused):
        unpack_zip(path, target, max_bytes=2 * 1024 * 1024)
    assert not (tmp_path / "evil.txt").exists()


def test_a_zip_member_over_the_size_limit_is_listed_too_large_without_being_expanded(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"big.txt": random.Random(0).randbytes(2 * 1024 * 1024)}))   # 2 MB, not compressible
    (written,) = unpack_zip(path, tmp_path / "out", max_bytes=1024 * 1024)
    assert written.stat().st_size == 1024 * 1024 + 1


# ----------------------------------------------------------------------------- review

def test_review_saves_a_golden_that_the_evaluator_scores(served, monkeypatch):
    client, settings = served
    response = client.post("/reviews", files=upload(DOCX), follow_redirects=False)
    assert response.status_code == 303
    page_url = response.headers["location"]
    page = client.get(page_url)
    assert page.status_code == 200 and "Chỉ tiêu" in page.text
    original = extracted(DOCX).model_dump(mode="json")
    corrections = [
        {"path": "/indicators/0/targets/0/value", "value": "99,5"},
        {"path": "/indicators/0/lead", "value": "Sở Khoa học và Công nghệ"},
        {"path": "/document/title", "value": original["document"]["title"] + " (đã sửa)"},
    ]
    saved = client.post(page_url + "/golden", json={"reviewer": "Nguyễn Văn A", "corrections": corrections,
                                                    "wrong": ["/tasks/0"]})
    assert saved.status_code == 200, saved.text
    result = saved.json()
    assert result["corrections"] == 3 and result["removed"] == 1
    golden_path = settings.review_dir / Path(result["golden"]).name
    assert golden_path.is_file() and golden_path.parent == settings.review_dir
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    Document.model_validate(golden)
    assert golden["indicators"][0]["targets"][0]["value"] == 99.5
    assert golden["indicators"][0]["lead"][0]["name"] == "Sở Khoa học và Công nghệ"
    assert len(golden["tasks"]) == len(original["tasks"]) - 1
    assert all(score.f1 == 1.0 for score in score_document(golden, golden).values())
    changed = score_document(golden, original)
    assert changed["targets"].f1 < 1.0 and changed["metadata"].f1 < 1.0 and changed["tasks"].precision < 1.0
    record = json.loads(Path(settings.review_dir / (Path(result["golden"]).name[:-5] + ".review.json"))
                        .read_text(encoding="utf-8"))
    assert record["reviewer"] == "Nguyễn Văn A" and record["reviewed_at"].endswith("Z")
    assert {c["path"] for c in record["corrections"]} == {c["path"] for c in corrections}
    assert record["removed"][0]["id"] == original["tasks"][0]["id"]
    # `kehoach eval <review folder>`: the golden names the saved copy of the document
    monkeypatch.chdir(ROOT)
    report = evaluate(settings.review_dir, extract_path, root=ROOT)
    assert report.failures == {} and set(report.by_document) == {Path(result["golden"]).name}
    scores = report.by_document[Path(result["golden"]).name]
    assert scores["targets"].f1 < 1.0 and scores["sections"].f1 == 1.0
    assert golden["indicators"][0]["name"] == original["indicators"][0]["name"]


@pytest.mark.parametrize(("body", "code"), [
    ({"reviewer": "A", "corrections": [{"path": "/source/sha256", "value": "x"}]}, "invalid_correction"),
    ({"reviewer": "A", "corrections": [{"path": "/indicators/0/targets/0/value", "value": "nhiều"}]},
     "invalid_correction"),
    ({"reviewer": "A", "corrections": [{"path": "/indicators/0/targets/0/comparator", "value": "~"}]},
     "invalid_correction"),
    ({"reviewer": "A", "corrections": [{"path": "/indicators/9999/name", "value": "x"}]}, "invalid_correction"),
    ({"reviewer": "A", "wrong": ["/document"]}, "invalid_correction"),
    ({"reviewer": "", "corrections": []}, "invalid_request"),
])
def test_corrections_the_contract_refuses_are_422(served, body, code):
    client, _ = served
    page_url = client.post("/reviews", files=upload(TEXT), follow_redirects=False).headers["location"]
    assert_error(client.post(page_url + "/golden", json=body), 422, code)


def test_review_of_a_pdf_serves_its_page_images(served):
    client, _ = served
    pdf = CORPUS / "minh-xuan-phuong-2026.pdf"
    page_url = client.post("/reviews", files=upload(pdf), follow_redirects=False).headers["location"]
    image = client.get(page_url + "/pages/1.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    spans = [span for match in re.finditer(r'data-spans="([^"]*)"', client.get(page_url).text)
             for span in json.loads(html.unescape(match.group(1)))]
    located = [span for span in spans if span["box"]]
    assert spans and len(located) >= 0.8 * len(spans)        # where each quote lies on its page
    assert all(span["box"][0] == span["page"] and 0 <= span["box"][1] < span["box"][3] <= 1 for span in located)
    assert_error(client.get(page_url + "/pages/999.png"), 404, "not_found")


def test_a_failed_review_upload_shows_a_page_to_a_person(served):
    client, _ = served
    response = client.post("/reviews", files={"file": ("x.docx", b"")}, headers={"accept": "text/html"})
    assert response.status_code == 422 and "empty" in response.text and "<html" in response.text


# ------------------------------------------------------------------ page model, CLI hook

def test_page_model_flags_problems_and_low_confidence_ocr_items():
    from extract.serve.review import page_model

    document = extracted(TEXT).model_dump(mode="json")
    text = "x" * 100_000
    first, second, third = (document["indicators"] + document["tasks"])[:3]
    first["sources"][0]["confidence"] = 0.42                      # a per-source OCR confidence
    second["flags"] = ["low_confidence"]                          # a per-item flag
    span = third["sources"][0]
    document["problems"].append({"code": "ocr_low_confidence", "severity": "warning", "message": "OCR",
                                 "sources": [dict(span)]})
    model = page_model(document, text)
    items = {item["id"]: item for item in model["indicators"] + model["tasks"]}
    assert items[first["id"]]["low_confidence"] and items[second["id"]]["low_confidence"]
    assert items[third["id"]]["low_confidence"] and items[third["id"]]["problem"]
    others = [item for item in items.values() if item["id"] not in (first["id"], second["id"], third["id"])]
    assert not any(item["low_confidence"] for item in others)


def test_offsets_are_given_in_the_browsers_utf16_units():
    from extract.serve.review import utf16_offsets

    text = "a😀bc"       # one character outside the BMP counts two UTF-16 units
    to_utf16 = utf16_offsets(text)
    assert [to_utf16(i) for i in range(5)] == [0, 1, 3, 4, 5]
    assert utf16_offsets("Kế hoạch")(5) == 5


def test_the_command_line_does_not_load_the_web_stack_and_serves_localhost_by_default():
    import subprocess
    import sys

    from typer.testing import CliRunner

    from extract.cli import app

    loaded = subprocess.run([sys.executable, "-c", "import sys, extract.cli; print('fastapi' in sys.modules)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"
    help_text = CliRunner().invoke(app, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text and "--port" in help_text


def test_a_folder_upload_keeps_its_sub_folders_and_refuses_paths_that_leave_it(served):
    client, _ = served
    files = [("files", ("xa-a/plan.txt", TEXT.read_bytes())), ("files", ("xa-b/plan.txt", TEXT.read_bytes())),
             ("files", (".DS_Store", b"x"))]
    status = wait_for(client, client.post("/batches", files=files).json()["id"])
    assert [line["file"] for line in status["manifest"]] == ["xa-a/plan.txt", "xa-b/plan.txt"]
    assert status["counts"]["ok"] == 2
    response = client.post("/batches", files=[("files", ("../../escape.txt", b"x"))])
    assert_error(response, 422, "unsafe_path")


def test_kehoach_serve_starts_answers_and_leaves_no_upload_behind(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import httpx

    from serve_helpers import free_port

    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    server = subprocess.Popen([str(Path(sys.executable).with_name("kehoach")), "serve", "--port", str(port),
                               "--workers", "1", "--review-dir", str(tmp_path / "reviewed")], env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        response = httpx.post(f"http://127.0.0.1:{port}/extract", files=upload(TEXT), timeout=60)
        assert response.status_code == 200
        assert [p.name for p in tmp_path.glob("kehoach-serve-*")]     # uploads live in its private folder
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert not list(tmp_path.glob("kehoach-serve-*"))


def test_quote_patterns_tolerate_wrapping_dashes_and_table_cells():
    from extract.serve.workers import quote_patterns

    patterns = quote_patterns("1\tTỷ lệ hồ sơ được xử lý trực tuyến toàn trình trên môi trường điện tử\t%\t≥80")
    assert len(patterns) == 3 and patterns[0].count(r"\s*") == 11
    page_text = "Tỷ lệ hồ sơ được xử lý trực\ntuyến toàn trình trên môi trường"
    assert re.search(patterns[0], "Tỷ lệ hồ sơ được xử lý trực\ntuyến toàn trình trên môi trường điện")
    assert re.search(patterns[1], page_text)
    assert re.search(quote_patterns("Phòng Văn hóa - Xã hội")[0], "Phòng Văn hóa – Xã hội")


def test_references_and_assignments_can_be_corrected_and_marked_wrong(served):
    client, settings = served
    original = extracted(TEXT).model_dump(mode="json")
    assert original["document"]["references"] and len(original["assignments"]) >= 2
    page_url = client.post("/reviews", files=upload(TEXT), follow_redirects=False).headers["location"]
    page = client.get(page_url).text
    assert "Văn bản được trích dẫn" in page and "Phân công thực hiện" in page
    assert original["assignments"][0]["duties"][0] in html.unescape(page)
    reference = original["document"]["references"][0]
    new_role = "replaces" if reference["role"] != "replaces" else "mentioned"
    body = {"reviewer": "Lê C", "wrong": ["/assignments/1"], "corrections": [
        {"path": "/document/references/0/role", "value": new_role},
        {"path": "/document/references/0/date", "value": "2025-12-31"},
        {"path": "/assignments/0/agency", "value": "Công an xã"}]}
    saved = client.post(page_url + "/golden", json=body)
    assert saved.status_code == 200, saved.text
    golden = json.loads((settings.review_dir / Path(saved.json()["golden"]).name).read_text(encoding="utf-8"))
    assert golden["document"]["references"][0]["role"] == new_role
    assert golden["document"]["references"][0]["date"] == "2025-12-31"
    assert golden["assignments"][0]["agency"]["name"] == "Công an xã"
    assert len(golden["assignments"]) == len(original["assignments"]) - 1
    scores = score_document(golden, original)
    assert scores["references"].f1 < 1.0 and scores["assignments"].f1 < 1.0 and scores["targets"].f1 == 1.0
    bad = {"reviewer": "Lê C", "corrections": [{"path": "/document/references/0/role", "value": "source"}]}
    assert_error(client.post(page_url + "/golden", json=bad), 422, "invalid_correction")


# ------------------------------------------------------------------- properties (hypothesis)
WORD = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệ-0123456789%", min_size=1, max_size=8)


@given(words=st.lists(WORD, min_size=1, max_size=20), breaks=st.lists(st.sampled_from([" ", "\n", "  "]), min_size=20,
                                                                         max_size=20))
@hypothesis_settings(max_examples=60, deadline=None)
def test_a_quotes_first_pattern_finds_it_however_the_page_wraps_it(words, breaks):
    from extract.serve.workers import quote_patterns

    quote = " ".join(words)
    wrapped = "".join(word + gap for word, gap in zip(words, breaks)).strip()
    assert re.search(quote_patterns(quote)[0], wrapped)


@given(name=st.text(max_size=60))
@hypothesis_settings(max_examples=150, deadline=None)
def test_a_client_path_never_leaves_the_folder(name):
    from extract.serve.uploads import safe_relative_path

    try:
        relative = safe_relative_path(name)
    except UploadRefused:
        return
    if relative is None:
        return
    root = Path("/srv/upload")
    target = (root / relative).resolve()
    assert target.is_relative_to(root) and target != root
    assert not relative.is_absolute() and ".." not in relative.parts


def test_an_upload_is_loaded_within_the_limits_it_carries_not_the_environment(tmp_path, monkeypatch):
    from extract.load import LoadError, Limits
    from extract.serve.workers import UploadOptions, extract_upload

    path = tmp_path / "plan.txt"
    path.write_text("KẾ HOẠCH\nChuyển đổi số năm 2026\n", encoding="utf-8")
    monkeypatch.setenv("KEHOACH_MAX_BYTES", "10")
    document = extract_upload(path, UploadOptions(nlp=False, root=str(tmp_path), limits=Limits()))
    assert document.source.file == "plan.txt"
    with pytest.raises(LoadError) as error:
        extract_upload(path, UploadOptions(nlp=False, limits=Limits(max_bytes=20)))
    assert error.value.code == "too_large"
