"""The FastAPI application of `kehoach serve`: the HTTP API and the review page.

    GET  /health                          liveness, workers, memory
    POST /extract                         one file (multipart `file`) -> contract JSON
    POST /batches                         files and/or ZIPs (multipart `files`) -> 202, batch id
    GET  /batches/{id}                    progress and the manifest lines so far
    GET  /batches/{id}/documents/{output} one document's contract JSON (manifest `output`)
    GET  /                                the review page's upload form
    POST /reviews                         one file (multipart `file`) -> 303 to its review page
    GET  /reviews/{id}                    the review page
    GET  /reviews/{id}/pages/{n}.png      a PDF page image
    POST /reviews/{id}/golden             save corrections as a golden file
    GET  /openapi.json                    the API's OpenAPI description

Errors are JSON `{"code", "message"}`: the loader's and the batch's reason codes (empty,
corrupt_docx, zip_bomb, timeout, out_of_memory, worker_crashed …) with 4xx statuses, never a
traceback. Extraction always runs in worker processes (extract.serve.workers).
"""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from extract import EXTRACTOR
from extract.batch import resolve_output, run_batch, walk_inputs
from extract.load import limits
from extract.load.limits import Limits
from extract.load.errors import LoadFailure
from extract.manifest import RunFailure
from extract.models import Document
from extract.serve.review import (
    CorrectionError, ReviewSession, ReviewStore, ReviewSubmission, SavedGolden, page_model, review_rules,
    save_golden,
)
from extract.serve.uploads import (
    UploadRefused, is_zip_archive, private_folder, remove_tree, safe_name, safe_relative_path, save_upload,
    unpack_zip,
)
from extract.serve.workers import (
    ExtractionPool, PoolBroken, PoolBusy, UploadOptions, extract_upload, fork_context, prepare_worker, rss_kb,
)

STATIC = Path(__file__).resolve().parent / "static"
DOCUMENT_NAME = "document.json"

# HTTP status of a failed document, by reason; every other reason is 422 (the input's fault).
STATUS_BY_REASON = {LoadFailure.too_large: 413, LoadFailure.doc_unsupported: 415, RunFailure.internal_error: 500}


@dataclass
class Settings:
    """How the server runs (the `kehoach serve` options)."""

    workers: int = 2                 # extraction worker processes for /extract and reviews
    batch_workers: int = 2           # worker processes of one running batch
    timeout: float = 60.0            # seconds per document (0: none)
    memory_mb: int = 1024            # address space a worker may add per document (0: none)
    max_bytes: int = field(default_factory=limits.max_bytes)        # one document
    max_request_bytes: int = 512 * 1024 * 1024                      # one request body
    nlp: bool = True
    review_dir: Path = Path("reviewed")
    work_dir: Path | None = None     # private folder (a new one under the system's temp if None)
    keep_reviews: int = 50
    keep_batches: int = 20
    max_pages: int = 200             # PDF page images rendered for a review

    def loader_limits(self) -> Limits:
        """The loaders' limits of this server: `max_bytes` per document, the environment's PDF
        inflation budget (KEHOACH_PDF_MAX_INFLATED)."""
        return replace(limits.from_environment(), max_bytes=self.max_bytes)


class ErrorBody(BaseModel):
    """The JSON body of every error response."""

    code: str = Field(description="stable reason code (the batch manifest's reasons)")
    message: str


class Health(BaseModel):
    """GET /health: the server is up, its extractor and workers, and their memory."""

    status: Literal["ok"]
    extractor: str
    workers: int
    memory_kb: dict[str, int] = Field(description="resident memory of the server and each worker, KiB")


class ManifestLine(BaseModel):
    """One line of a batch's manifest (the format of extract.batch's manifest.jsonl)."""

    file: str
    status: Literal["ok", "failed", "skipped"]
    reason: str | None = None
    message: str | None = None
    output: str | None = None
    output_sha256: str | None = None
    sha256: str | None = None
    format: str | None = None
    pages: int | None = None
    counts: dict[str, int] | None = None
    seconds: float | None = None


class BatchStatus(BaseModel):
    """GET /batches/{id}: a batch's progress and the manifest lines settled so far."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    total: int = Field(description="files in the batch (manifest lines when done)")
    done: int = Field(description="files settled so far")
    counts: dict[str, int] = Field(description="files by status: ok, failed, skipped")
    manifest: list[ManifestLine] = Field(description="manifest lines settled so far, in input order when done")
    message: str | None = None


class ApiError(Exception):
    """An error answered as JSON {code, message} with HTTP `status`."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


ERROR_STATUSES = (400, 404, 413, 415, 422, 500, 503)
ERRORS = {status: {"model": ErrorBody} for status in ERROR_STATUSES}
# Routes that answer HTML or images still answer errors in JSON: say so in the OpenAPI.
JSON_ERRORS = {status: {"description": "error", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ErrorBody"}}}} for status in ERROR_STATUSES}


# -------------------------------------------------------------------------- batches

@dataclass
class BatchJob:
    """A batch started over HTTP: its folder (in/, out/), progress and manifest lines (thread-safe)."""

    id: str
    folder: Path
    total: int = 0
    status: str = "queued"
    entries: list[dict] = field(default_factory=list)
    message: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: dict) -> None:
        """Add one settled manifest line (called from the batch's thread)."""
        with self.lock:
            self.entries.append(entry)

    def view(self) -> BatchStatus:
        """The batch's status now, with counts by status."""
        with self.lock:
            entries = list(self.entries)
        counts = {status: sum(1 for e in entries if e["status"] == status) for status in ("ok", "failed", "skipped")}
        return BatchStatus(id=self.id, status=self.status, total=self.total, done=len(entries), counts=counts,
                           manifest=entries, message=self.message)


class BatchRunner:
    """Batches run one at a time (in a background thread) through extract.batch.run_batch."""

    def __init__(self, root: Path, settings: Settings):
        self.root = root
        self.settings = settings
        self.jobs: dict[str, BatchJob] = {}
        self.lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kehoach-batch")

    def create(self) -> BatchJob:
        """A new job with an empty private input folder (not yet queued)."""
        job = BatchJob(uuid.uuid4().hex, self.root / uuid.uuid4().hex)
        (job.folder / "in").mkdir(parents=True)
        return job

    def submit(self, job: BatchJob) -> None:
        """Queue a job whose inputs are in place; the oldest finished jobs beyond `keep_batches` are
        forgotten and their folders removed."""
        job.total = len(walk_inputs(job.folder / "in"))
        with self.lock:
            self.jobs[job.id] = job
            finished = [j for j in self.jobs.values() if j.status in ("done", "failed")]
            for old in finished[:max(0, len(self.jobs) - self.settings.keep_batches)]:
                self.jobs.pop(old.id)
                remove_tree(old.folder)
        self.executor.submit(self._run, job)

    def _run(self, job: BatchJob) -> None:
        job.status = "running"
        settings = self.settings
        inputs = job.folder / "in"
        try:
            result = run_batch(
                inputs, job.folder / "out", extract_fn=extract_upload,
                options=UploadOptions(nlp=settings.nlp, root=str(inputs), limits=settings.loader_limits()),
                workers=settings.batch_workers, timeout=settings.timeout,
                warm=partial(prepare_worker, settings.nlp, settings.memory_mb), context=_fork_method(settings.nlp),
                on_entry=job.record)
            with job.lock:
                job.entries = list(result.entries)   # input order, as the manifest
            job.status = "done"
        except Exception as error:  # the batch machinery itself failed: say so, keep serving
            job.status, job.message = "failed", f"{type(error).__name__}: {error}"

    def get(self, identifier: str) -> BatchJob | None:
        """The job of that id, or None (unknown or forgotten)."""
        with self.lock:
            return self.jobs.get(identifier)

    def close(self) -> None:
        """Stop taking batches; queued ones are cancelled, a running one is not waited for."""
        self.executor.shutdown(wait=False, cancel_futures=True)


def _fork_method(nlp: bool) -> str:
    fork_context(nlp)   # the warm fork server (extract.serve.warmed)
    return "forkserver"


# ----------------------------------------------------------------------- request size

class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413 `too_large`, counted as it
    arrives (Content-Length is checked first, but not trusted)."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = _error_response(413, LoadFailure.too_large, self._message())
            return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # an HTTPException, so that FastAPI's body parsing passes it on as it is
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"the request is larger than the limit of {self.max_bytes} bytes"


def _error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


# ------------------------------------------------------------------------------ app

def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; its worker processes start (warm) with the app's lifespan."""
    settings = settings or Settings()
    work = Path(settings.work_dir) if settings.work_dir else private_folder()
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o700)
    pool = ExtractionPool(settings.workers, timeout=settings.timeout, memory_mb=settings.memory_mb,
                          nlp=settings.nlp)
    reviews = ReviewStore(work / "reviews", keep=settings.keep_reviews)
    batches = BatchRunner(work / "batches", settings)
    uploads = work / "uploads"
    templates = Environment(loader=PackageLoader("extract.serve", "templates"),
                            autoescape=select_autoescape(["html"]))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool.start()
        try:
            yield
        finally:
            batches.close()
            pool.close()
            if settings.work_dir is None:
                remove_tree(work)

    app = FastAPI(title="kehoach-extract", version=EXTRACTOR.rpartition(" ")[2], lifespan=lifespan,
                  docs_url=None, redoc_url=None,   # their pages load scripts from a CDN
                  description="Vietnamese plan documents (KẾ HOẠCH) to contract JSON; a review page for people.")
    app.state.settings, app.state.pool, app.state.work = settings, pool, work
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
    extract_one = _upload_extractor(settings, pool, uploads)
    _add_api_routes(app, settings, pool, batches, extract_one)
    _add_review_routes(app, settings, reviews, templates, extract_one)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Every error becomes JSON {"code", "message"} with its HTTP status."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        return _error_response(error.status, error.code, error.message)

    @app.exception_handler(UploadRefused)
    async def upload_refused(request: Request, error: UploadRefused):
        return _error_response(error.status, error.code, error.message)

    @app.exception_handler(PoolBusy)
    async def pool_busy(request: Request, error: PoolBusy):
        return _error_response(503, "busy", str(error))

    @app.exception_handler(PoolBroken)
    async def pool_broken(request: Request, error: PoolBroken):
        return _error_response(503, "unavailable", str(error))

    @app.exception_handler(CorrectionError)
    async def correction_error(request: Request, error: CorrectionError):
        return _error_response(422, "invalid_correction", str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(error.status_code, "http_error")
        return _error_response(error.status_code, code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        parts = [f"{'/'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in error.errors()[:5]]
        return _error_response(422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception):
        return _error_response(500, "internal_error", f"{type(error).__name__} (see the server log)")


def _upload_extractor(settings: Settings, pool: ExtractionPool, uploads: Path):
    """The function that extracts one upload in a worker (see `extract_one`)."""

    def extract_one(upload: UploadFile, review: bool) -> tuple[Path, dict]:
        """Save the upload in a new private folder and extract it in a worker; the folder
        and the manifest line. Raises ApiError with the failure's reason."""
        folder = uploads / uuid.uuid4().hex
        folder.mkdir(parents=True)
        try:
            path = save_upload(upload.file, folder, upload.filename, settings.max_bytes)
            options = UploadOptions(nlp=settings.nlp, root=str(folder), review=review, max_pages=settings.max_pages,
                                    limits=settings.loader_limits())
            entry = pool.run(path, folder, options, DOCUMENT_NAME)
        except BaseException:
            remove_tree(folder)
            raise
        if entry["status"] != "ok":
            remove_tree(folder)
            reason = entry["reason"] or "internal_error"
            raise ApiError(STATUS_BY_REASON.get(reason, 422), reason, entry["message"] or reason)
        return path, entry

    return extract_one


def _add_api_routes(app: FastAPI, settings: Settings, pool: ExtractionPool, batches: BatchRunner,
                    extract_one) -> None:
    """GET /health, POST /extract, and the batches: POST /batches, GET /batches/{id}[/documents/…]."""

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """The server is up and its workers are started; memory of each process."""
        memory = {"server": rss_kb(os.getpid()), **{f"worker {pid}": kb for pid, kb in pool.memory().items()}}
        return Health(status="ok", extractor=EXTRACTOR, workers=settings.workers, memory_kb=memory)

    @app.post("/extract", tags=["extract"], response_class=Response,
              responses={200: {"model": Document, "description": "the contract JSON"}, **ERRORS})
    def extract(file: UploadFile = File(description="a document: DOCX, PDF, DOC or a text export")) -> Response:
        """Extract one document; the body is what `kehoach extract FILE` prints."""
        path, _ = extract_one(file, review=False)
        try:
            body = (path.parent / DOCUMENT_NAME).read_bytes()
        finally:
            remove_tree(path.parent)
        return Response(body, media_type="application/json")

    @app.post("/batches", status_code=202, response_model=BatchStatus, tags=["batches"], responses=ERRORS)
    def create_batch(files: list[UploadFile] = File(description="documents and/or ZIP archives of documents")
                     ) -> BatchStatus:
        """Start a batch over the uploaded files (a folder upload keeps its sub-folders; ZIPs are
        unpacked, each into a folder of its name); poll GET /batches/{id} for progress and the
        manifest."""
        job = batches.create()
        inputs = job.folder / "in"
        try:
            for upload in files:
                relative = safe_relative_path(upload.filename or "upload")   # folders are kept
                if relative is None:
                    continue
                path = save_upload(upload.file, inputs / relative.parent, relative.name,
                                   settings.max_request_bytes)
                if is_zip_archive(path):
                    folder = path.with_name(path.name.rsplit(".", 1)[0] or "archive")
                    folder = folder if not folder.exists() else path.with_name(path.name + ".files")
                    unpack_zip(path, folder, settings.max_bytes)
                    path.unlink()
        except BaseException:
            remove_tree(job.folder)
            raise
        batches.submit(job)
        return job.view()

    @app.get("/batches/{batch_id}", response_model=BatchStatus, tags=["batches"], responses=ERRORS)
    def batch_status(batch_id: str) -> BatchStatus:
        """Progress of a batch and its manifest lines (extract.batch's manifest format)."""
        return _job(batch_id).view()

    @app.get("/batches/{batch_id}/documents/{output:path}", tags=["batches"], response_class=Response,
             responses={200: {"model": Document, "description": "the contract JSON"}, **ERRORS})
    def batch_document(batch_id: str, output: str) -> Response:
        """The contract JSON of one document of a batch (`output` of its manifest line)."""
        job = _job(batch_id)
        try:
            path = resolve_output(job.folder / "out", output)
        except ValueError:
            raise ApiError(404, "not_found", "no such document in this batch") from None
        if not output.startswith("docs/") or not path.is_file():
            raise ApiError(404, "not_found", "no such document in this batch")
        return Response(path.read_bytes(), media_type="application/json")

    def _job(batch_id: str) -> BatchJob:
        job = batches.get(batch_id)
        if job is None:
            raise ApiError(404, "not_found", f"no batch {batch_id!r}")
        return job


# ----------------------------------------------------------------- review page

def _add_review_routes(app: FastAPI, settings: Settings, reviews: ReviewStore, templates: Environment,
                       extract_one) -> None:
    """The review page: GET /, POST /reviews, GET /reviews/{id}[/pages/{n}.png], POST …/golden."""

    def html(name: str, status: int = 200, **context) -> HTMLResponse:
        labels = review_rules()
        page = templates.get_template(name).render(labels=labels["labels"], fields=labels["fields"],
                                                   choices=labels["choices"], **context)
        return HTMLResponse(page, status_code=status)

    @app.get("/", response_class=HTMLResponse, tags=["review"])
    def index() -> HTMLResponse:
        """The review page's upload form."""
        return html("index.html")

    @app.post("/reviews", status_code=303, response_class=RedirectResponse, tags=["review"],
              responses=JSON_ERRORS)
    def create_review(request: Request, file: UploadFile = File(description="the document to review")):
        """Extract a document for review; redirects to its review page."""
        try:
            path, _ = extract_one(file, review=True)
        except (ApiError, UploadRefused) as error:
            if "text/html" in request.headers.get("accept", ""):
                return html("error.html", error.status, code=error.code, message=error.message)
            raise
        identifier = path.parent.name
        reviews.add(ReviewSession(identifier, path.parent, path, safe_name(file.filename, "document")))
        return RedirectResponse(f"/reviews/{identifier}", status_code=303)

    def _session(review_id: str) -> ReviewSession:
        session = reviews.get(review_id)
        if session is None:
            raise ApiError(404, "not_found", f"no review {review_id!r} (reviews are kept while the server runs)")
        return session

    @app.get("/reviews/{review_id}", response_class=HTMLResponse, tags=["review"], responses=JSON_ERRORS)
    def review_page(review_id: str) -> HTMLResponse:
        """The review page: the document text (and PDF page images) beside the extracted items."""
        session = _session(review_id)
        text = session.text()
        model = page_model(session.document(), text, session.boxes())
        pages = sorted(int(p.stem) for p in (session.folder / "pages").glob("*.png")) \
            if (session.folder / "pages").is_dir() else []
        return html("review.html", review_id=review_id, text=text, model=model, pages=pages,
                    client_name=session.client_name)

    @app.get("/reviews/{review_id}/pages/{number}.png", response_class=FileResponse, tags=["review"],
             responses={200: {"content": {"image/png": {}}}, **JSON_ERRORS})
    def page_image(review_id: str, number: int) -> FileResponse:
        """One page of a reviewed PDF as an image (1-based, as sources[].page)."""
        image = _session(review_id).page_image(number)
        if image is None:
            raise ApiError(404, "not_found", f"no page image {number}")
        return FileResponse(image, media_type="image/png")

    @app.post("/reviews/{review_id}/golden", response_model=SavedGolden, tags=["review"], responses=ERRORS)
    def save_review(review_id: str, submission: ReviewSubmission) -> SavedGolden:
        """Apply a person's corrections and save the result as a golden file (with who/when)
        in the review folder."""
        return save_golden(_session(review_id), submission, settings.review_dir)

