"""Imports in the web back office, over HTTP: a refusal is a line per problem and leaves no uploaded
file behind, whether it shows on the form or on the job's page; a conflict with what is stored
names both; the job's page follows the three phases."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from sqlmodel import select

from backoffice.web import import_pages
from models.enums import Role
from storage.tables import Invoice
from support.typography import typeset_text as fr
from tests.fixtures.cli import BUSINESS
from tests.fixtures.web import DEBTOR, BackofficeUnderTest, WebUser, csv_file, eventually, invoice_row

PROBLEM = re.compile(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", re.S)


def problems(page: str) -> list[tuple[str, str, str, str]]:
    return [tuple(unescape(cell) for cell in found) for found in PROBLEM.findall(page)]  # type: ignore[misc]


async def finished(user: WebUser, job_url: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        progress = (await user.get(job_url + "/progress")).json()
        return progress if progress["finished"] else None

    return await eventually(probe, "the import ends")


def uploads_left(backoffice: BackofficeUnderTest) -> list[str]:
    folder = backoffice.relance.data_dir / "uploads"
    return [str(path) for path in folder.rglob("*")] if folder.exists() else []


async def stored_numbers(backoffice: BackofficeUnderTest) -> list[str]:
    async with backoffice.relance.database.sessions() as session:
        return sorted((await session.exec(select(Invoice.number))).all())


async def test_the_job_page_follows_validation_storing_and_starting(backoffice: BackofficeUnderTest) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    today = date.today()
    paid = invoice_row("J-3", today).replace("900.00,0,", "900.00,900.00,")
    upload = csv_file(invoice_row("J-1", today + timedelta(days=9)), invoice_row("J-2", today), paid)

    accepted = await clerk.post("/imports", files={"files": ("jobs.csv", upload, "text/csv")})
    assert accepted.status_code == 303
    progress = await finished(clerk, accepted.headers["location"])

    assert progress["error"] is None and progress["phase"] == "starting"
    assert progress["phases"] == {
        "validating": {"total": 3, "done": 3},
        "storing": {"total": 3, "done": 3},
        "starting": {"total": 2, "done": 2},
    }
    page = unescape((await clerk.get(accepted.headers["location"])).text)
    for label in (
        "3 / 3</span> factures vérifiées",
        "3 / 3</span> factures enregistrées",
        "2 / 2</span> dossiers démarrés",
    ):
        assert label in page, page
    assert uploads_left(backoffice) == []


async def test_a_conflict_with_stored_data_names_both_on_the_job_page_and_stores_nothing(
    backoffice: BackofficeUnderTest,
) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    due = date.today() + timedelta(days=20)
    first = await clerk.post(
        "/imports", files={"files": ("first.csv", csv_file(invoice_row("K-1", due)), "text/csv")}
    )
    await finished(clerk, first.headers["location"])

    other = BUSINESS.replace("Bâtiments Martin,987654324", "Autre SA,732829320")
    conflicting = invoice_row("K-1", due).replace(DEBTOR, other)
    upload = csv_file(conflicting, invoice_row("K-2", due))
    refused = await clerk.post("/imports", files={"files": ("second.csv", upload, "text/csv")})

    # Checked against what is stored while storing: followed on the job's page.
    assert refused.status_code == 303
    progress = await finished(clerk, refused.headers["location"])
    assert progress["error"] == "1 erreur dans 1 fichier\u00a0: rien n'est importé"
    [(file, row, column, why)] = problems((await clerk.get(refused.headers["location"])).text)
    assert (file, row, column) == ("second.csv", "2", "debtor_siren")
    assert why.startswith(
        fr(
            "la facture K-1 du SIREN 123456782 est enregistrée avec le débiteur « Bâtiments Martin » "
            "(SIREN 987654324)"
        )
    )
    assert why.endswith(
        fr(
            "cette ligne donne « Autre SA » (SIREN 732829320) : une importation ne modifie jamais une "
            "facture enregistrée"
        )
    )
    assert await stored_numbers(backoffice) == ["K-1"]
    assert uploads_left(backoffice) == []


async def test_a_file_that_cannot_be_read_is_refused_on_the_form_and_its_upload_removed(
    backoffice: BackofficeUnderTest,
) -> None:
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    windows = csv_file(invoice_row("L-1", date.today())).decode().encode("cp1252")
    empty = b""

    refused = await clerk.post(
        "/imports",
        files=[("files", ("windows.csv", windows, "text/csv")), ("files", ("empty.csv", empty, "text/csv"))],
    )

    assert refused.status_code == 422
    found = problems(refused.text)
    assert [(file, row, column) for file, row, column, _ in found] == [
        ("windows.csv", "", ""),
        ("empty.csv", "", ""),
    ]
    assert found[0][3].startswith("le fichier n'est pas en UTF-8 (octet 0xe9 à la ligne 2)")
    assert "enregistrez-le en UTF-8" in found[0][3]
    assert found[1][3] == fr(
        "le fichier est vide : un fichier de factures a une ligne d'en-tête, puis une facture par ligne"
    )
    assert await stored_numbers(backoffice) == []
    assert uploads_left(backoffice) == []


async def test_a_batch_still_validating_when_the_form_answers_is_refused_on_its_job_page(
    backoffice: BackofficeUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a batch too big to be validated before the form answers.
    monkeypatch.setattr(import_pages, "VALIDATION_WAIT_SECONDS", 0)
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    bad = invoice_row("M-2", date.today()).replace("900.00", "neuf cents")
    upload = csv_file(invoice_row("M-1", date.today()), bad)
    attachment = ("attachments", ("unused.pdf", b"%PDF-1.7 not named by the file", "application/pdf"))

    refused = await clerk.post("/imports", files=[("files", ("big.csv", upload, "text/csv")), attachment])

    assert refused.status_code == 303
    progress = await finished(clerk, refused.headers["location"])
    assert progress["error"] == "1 erreur dans 1 fichier\u00a0: rien n'est importé"
    [problem] = progress["problems"]
    assert problem.endswith(fr("big.csv, ligne 3, colonne amount_due : « neuf cents » n'est pas un nombre"))
    [(file, row, column, _)] = problems((await clerk.get(refused.headers["location"])).text)
    assert (file, row, column) == ("big.csv", "3", "amount_due")
    assert await stored_numbers(backoffice) == []
    assert uploads_left(backoffice) == []


async def test_amounts_that_ended_in_a_500_are_a_line_each_and_leave_nothing(
    backoffice: BackofficeUnderTest,
) -> None:
    """``1e309`` and 29 digits raised decimal.InvalidOperation (HTTP 500, the upload left on disk);
    99999999999999999999.99 was stored and its case never ran."""
    clerk = await backoffice.user("clerk", Role.BACK_OFFICE)
    today = date.today()
    rows = [
        invoice_row("N-1", today).replace("900.00", "1e309"),
        invoice_row("N-2", today).replace("900.00", "1" * 29),
        invoice_row("N-3", today).replace("900.00", "99999999999999999999.99"),
        invoice_row("N-4", today).replace("Bâtiments Martin", "Bâtiments\x00Martin"),
    ]

    refused = await clerk.post("/imports", files={"files": ("amounts.csv", csv_file(*rows), "text/csv")})

    assert refused.status_code == 422
    found = problems(refused.text)
    assert [(file, row, column) for file, row, column, _ in found] == [
        ("amounts.csv", "2", "amount_due"),
        ("amounts.csv", "3", "amount_due"),
        ("amounts.csv", "4", "amount_due"),
        ("amounts.csv", "5", "debtor_name"),
    ]
    assert "n'est pas un nombre écrit en entier" in found[0][3]
    assert "a trop de chiffres" in found[1][3]
    assert "dépasse le plus grand montant que Relance conserve" in found[2][3]
    assert "caractère de contrôle (U+0000)" in found[3][3]
    assert await stored_numbers(backoffice) == []
    assert uploads_left(backoffice) == []
