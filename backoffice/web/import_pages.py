"""Upload invoices (CSV files, Factur-X PDFs) and start their cases, with the CLI's validation.

An upload is an import job, whose page follows its three phases: every invoice validated (every bad
row shown with its file, row, column and reason, and nothing imported; a small batch's refusal is
shown on the form at once), checked against what is stored and stored in one transaction, then
its cases started. Importing again changes nothing. The uploaded files are removed once the job
ends, whatever the outcome; the data folder keeps its own copy of each invoice PDF it stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from backoffice.accounts import SignedIn
from backoffice.intake.batch import ImportInterrupted, ImportReport, InvoiceImport, prepare_import
from backoffice.intake.fields import InvoiceProblem
from backoffice.intake.invoice_file import InvoiceFileError
from backoffice.intake.progress import ImportPhase, ImportProgress
from backoffice.web.access import Permission, checked_form, requires
from backoffice.web.rendering import NotFound, render
from config.agency import AgencyError
from config.case_id_key import CaseIdKeyError
from config.judicial import JudicialRulesError
from config.policy import PolicyError, available_policies
from config.settings import DEMO_INVOICES_FILE, DEMO_POLICY
from law.payment_terms import MAX_AGREED_TERMS_DAYS, agreed_terms

router = APIRouter()
Importer = Annotated[SignedIn, Depends(requires(Permission.IMPORT))]
# Larger uploads are refused before they are read whole.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# How long an upload's answer waits for its validation, so that a small batch's refusal shows on
# the form; a longer one is followed on its job's page.
VALIDATION_WAIT_SECONDS = 3.0


@dataclass
class PhaseCount:
    total: int = 0
    done: int = 0


class JobProgress(ImportProgress):
    """How far a job's import is, phase by phase, as its page shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.phase: ImportPhase | None = None
        self.phases = {phase: PhaseCount() for phase in ImportPhase}

    def begin(self, phase: ImportPhase, total: int) -> None:
        self.phase = phase
        self.phases[phase] = PhaseCount(total)

    def advanced(self, steps: int) -> None:
        if self.phase is not None:
            self.phases[self.phase].done += steps


@dataclass
class ImportJob:
    id: str
    started_by: str
    files: list[str]
    progress: JobProgress = field(default_factory=JobProgress)
    finished: bool = False
    report: ImportReport | None = None
    problems: list[InvoiceProblem] = field(default_factory=list)
    error: str | None = None
    task: asyncio.Task[None] | None = None
    # Set once the validation has ended (``valid`` says how), its refusal's uploads removed.
    validated: asyncio.Event = field(default_factory=asyncio.Event)
    valid: bool = False


class ImportJobs:
    """The imports of this process. A job lost with the process loses nothing: the invoices were
    stored first, and importing the same files again starts only the missing cases."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}

    def add(self, job: ImportJob) -> None:
        self._jobs[job.id] = job

    def get(self, job_id: str) -> ImportJob | None:
        return self._jobs.get(job_id)

    async def cancel_all(self) -> None:
        tasks = [job.task for job in self._jobs.values() if job.task and not job.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _safe_name(name: str) -> str:
    """The uploaded file's own name, without any folder and with only plain characters."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:120] or "upload"


def _terms_days(text: str) -> int | None:
    """The form's default payment terms, in days; ValueError unless a number of days two businesses
    may agree."""
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number of days")
    return agreed_terms(int(text))


@router.get("/imports/new")
async def import_form(request: Request, user: Importer) -> Response:
    settings = request.app.state.backoffice.settings
    return await render(
        request, "import.html", policies=available_policies(), policy=settings.policy, problems=[], error=None
    )


@router.post("/imports")
async def upload(request: Request, user: Importer) -> Response:
    backoffice = request.app.state.backoffice
    settings = backoffice.settings
    form = await checked_form(request, user)
    policy_name = str(form.get("policy") or settings.policy)
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    attached = [
        item for item in form.getlist("attachments") if isinstance(item, UploadFile) and item.filename
    ]

    async def refuse(error: str, problems: list[InvoiceProblem] | None = None) -> Response:
        return await render(
            request,
            "import.html",
            status_code=422,
            policies=available_policies(),
            policy=policy_name,
            problems=problems or [],
            error=error,
        )

    if not uploads:
        return await refuse("aucun fichier : choisissez des fichiers CSV ou des factures PDF Factur-X")
    terms_text = str(form.get("default_terms") or "").strip()
    try:
        default_terms = _terms_days(terms_text)
    except ValueError:
        return await refuse(
            f"délai par défaut {terms_text!r} : un nombre de jours de 0 à {MAX_AGREED_TERMS_DAYS} "
            "(C. com. L441-10 I)"
        )

    folder = settings.data_dir / "uploads" / uuid.uuid4().hex
    try:
        paths = await _save(uploads, folder)
        # The PDFs a CSV names in its invoice_pdf and order_pdf columns, found by their file name.
        attachments = {
            Path(item.filename or "").name: path
            for item, path in zip(attached, await _save(attached, folder / "attachments"), strict=True)
        }
        invoices = prepare_import(settings, paths, policy_name, default_terms, attachments)
    except (UploadTooLarge, PolicyError, AgencyError, JudicialRulesError, CaseIdKeyError) as error:
        await asyncio.to_thread(shutil.rmtree, folder, True)
        return await refuse(str(error))
    except BaseException:
        await asyncio.to_thread(shutil.rmtree, folder, True)
        raise

    job = _start(request, user, invoices, [path.name for path in paths], folder)
    # A small batch's validation ends at once: a refusal is shown on the form, as one of the form's
    # own; a batch still validating by then is followed on its job's page.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(job.validated.wait(), VALIDATION_WAIT_SECONDS)
    if job.validated.is_set() and not job.valid:
        return await refuse(job.error or "rien n'est importé", job.problems)
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


@router.post("/imports/demo")
async def import_demo(request: Request, user: Importer) -> Response:
    """The bundled demo invoices (CSV and their PDFs) with the demo policy: the whole ladder in
    about a minute, to see Relance at work."""
    await checked_form(request, user)
    settings = request.app.state.backoffice.settings
    invoices = prepare_import(settings, [DEMO_INVOICES_FILE], DEMO_POLICY, through_agency=False)
    job = _start(request, user, invoices, [DEMO_INVOICES_FILE.name], None)
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


def _start(
    request: Request, user: SignedIn, invoices: InvoiceImport, files: list[str], upload_folder: Path | None
) -> ImportJob:
    """Validate, store and start the import in the background; the job tells how far."""
    backoffice = request.app.state.backoffice
    job = ImportJob(uuid.uuid4().hex[:12], user.username, files)

    async def run() -> None:
        try:
            rows = await invoices.validate(job.progress)
            job.valid = True
            job.validated.set()
            job.report = await invoices.store_and_start(
                backoffice.client,
                backoffice.database,
                backoffice.settings.temporal_task_queue,
                user.username,
                rows,
                job.progress,
            )
        except InvoiceFileError as error:
            job.problems, job.error = error.problems, str(error)
        except ImportInterrupted as error:  # the back office stopping, or Temporal lost
            job.error = str(error)
        except Exception as error:  # shown on the page: the user retries, nothing is half-imported
            job.error = f"{type(error).__name__}: {error}"
        finally:
            if upload_folder is not None:
                await asyncio.to_thread(shutil.rmtree, upload_folder, True)
            job.finished = True
            job.validated.set()

    job.task = asyncio.create_task(run())
    backoffice.imports.add(job)
    return job


class UploadTooLarge(Exception):
    pass


async def _save(uploads: list[UploadFile], folder: Path) -> list[Path]:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    paths = []
    for item in uploads:
        data = await item.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadTooLarge(f"{item.filename} : plus de {MAX_UPLOAD_BYTES // 2**20} Mo")
        path = folder / _safe_name(item.filename or "")
        await asyncio.to_thread(path.write_bytes, data)
        paths.append(path)
    return paths


def _job(request: Request, job_id: str) -> ImportJob | None:
    return request.app.state.backoffice.imports.get(job_id)


@router.get("/imports/{job_id}")
async def import_page(request: Request, job_id: str, user: Importer) -> Response:
    job = _job(request, job_id)
    if job is None:
        raise NotFound(
            "Import inconnu",
            "cet import n'existe pas ou le serveur a redémarré : importez à nouveau, rien ne sera doublé",
        )
    return await render(request, "import_job.html", job=job)


@router.get("/imports/{job_id}/progress")
async def import_progress(request: Request, job_id: str, user: Importer) -> Response:
    job = _job(request, job_id)
    if job is None:
        return JSONResponse({"error": "unknown import"}, status_code=404)
    phases = job.progress.phases
    starting = phases[ImportPhase.STARTING]
    return JSONResponse(
        {
            "phase": job.progress.phase,
            "phases": {phase.value: count.__dict__ for phase, count in phases.items()},
            # The cases started so far, of how many.
            "total": starting.total,
            "done": starting.done,
            "finished": job.finished,
            "error": job.error,
            "problems": [str(problem) for problem in job.problems],
            "report": job.report.__dict__ if job.report else None,
        }
    )
