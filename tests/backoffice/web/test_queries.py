"""Query strings typed or forged by hand: every date, number and choice refused with a 400 and a
French sentence, never a 500; a right one still answers."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from html import unescape

from models.enums import Role
from tests.fixtures.web import BackofficeUnderTest

FAR_AHEAD = "9999-12-31"


async def test_the_audit_export_refuses_a_period_it_cannot_use(backoffice: BackofficeUnderTest) -> None:
    auditor = await backoffice.user("audrey", Role.AUDITOR)
    refused = {
        f"start=0001-01-01&end={FAR_AHEAD}": "début : le 1er janvier 1 est hors des dates que Relance",
        f"start=2026-01-01&end={FAR_AHEAD}": "fin : le 31 décembre 9999 est hors des dates",
        "start=2026-02-30&end=2026-03-01": "début : «\u00a02026-02-30\u00a0» n'est pas une date",
        "start=2026-03-01&end=2026-03-01T00:00": "fin : «\u00a02026-03-01T00:00\u00a0» n'est pas une date",
        "start=\u0662\u0660\u0662\u0666-01-01&end=2026-03-01": (
            "début : «\u00a0٢٠٢٦-01-01\u00a0» n'est pas une date"
        ),
        "start=2026-03-01&end=2026-02-01": "la fin (1er février 2026) est avant le début (1er mars 2026)",
        "start=2026-03-01": "donnez une date de début et une date de fin",
    }
    for query, message in refused.items():
        response = await auditor.get(f"/audit/export?{query}")
        assert response.status_code == 400, (query, response.text[:300])
        assert message in unescape(response.text), query

    today = date.today()
    exported = await auditor.get(f"/audit/export?start={today - timedelta(days=1)}&end={today}")
    assert exported.status_code == 200
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(exported.content)).namelist()


async def test_the_case_list_refuses_filters_it_cannot_use(backoffice: BackofficeUnderTest) -> None:
    reader = await backoffice.user("rita", Role.BACK_OFFICE)
    refused = {
        f"due_before={FAR_AHEAD}": "échéance avant le : le 31 décembre 9999 est hors des dates",
        "due_before=1899-12-31": "échéance avant le : le 31 décembre 1899 est hors des dates",
        "due_before=demain": "échéance avant le : «\u00a0demain\u00a0» n'est pas une date",
        "state=bogus": "état : «\u00a0bogus\u00a0» n'est pas une valeur possible",
        "stage=court": "étape : «\u00a0court\u00a0» n'est pas une valeur possible",
        "creditor=12345678": "créancier : «\u00a012345678\u00a0» n'est pas un SIREN (neuf chiffres)",
        "creditor=\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669": "n'est pas un SIREN",
    }
    for query, message in refused.items():
        response = await reader.get(f"/cases?{query}")
        assert response.status_code == 400, (query, response.text[:300])
        assert message in unescape(response.text), query
    listed = await reader.get(f"/cases?due_before={date.today().isoformat()}&creditor=123456782")
    assert listed.status_code == 200
