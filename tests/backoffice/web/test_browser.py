"""The back office in a real browser (Debian's chromium, headless, driven by Playwright): a clerk
imports a file, an agent steers a case, a second agent approves a filing, an auditor replays it.
The run leaves screenshots of the dashboard and of a case page under var/test-screenshots/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from models.enums import CaseState, Role
from tests.fixtures.browser import SCREENSHOTS, LiveBackoffice
from tests.fixtures.web import csv_file, eventually, invoice_row, status_of
from tests.fixtures.workflows import to_court


async def test_a_clerk_uploads_a_file_with_one_bad_row_then_the_right_one(
    live_backoffice: LiveBackoffice, tmp_path: Path
) -> None:
    await live_backoffice.backoffice.user("clerk", Role.BACK_OFFICE)
    today = date.today()
    rows = [
        invoice_row("B-1", today + timedelta(days=5), "700.00"),
        invoice_row("B-2", today - timedelta(days=70)),
    ]
    bad = tmp_path / "bad" / "invoices.csv"
    bad.parent.mkdir()
    bad.write_bytes(csv_file(rows[0], rows[1].replace("900.00", "neuf cents")))
    good = tmp_path / "invoices.csv"
    good.write_bytes(csv_file(*rows))

    page = await live_backoffice.signed_in("clerk")
    assert page.url.endswith("/dashboard")
    await page.click("text=Importer")
    await page.set_input_files("input[name=files]", str(bad))
    await page.click("#import-form button[type=submit]")
    error_row = page.locator("#problems tbody tr")
    assert await error_row.count() == 1
    cells = [text.strip() for text in await error_row.locator("td").all_inner_texts()]
    assert cells[:3] == ["invoices.csv", "3", "amount_due"]
    assert "« neuf cents » n'est pas un nombre" in cells[3].replace("\u00a0", " ")
    assert "rien n'est importé" in await page.inner_text("#import-error")

    await page.set_input_files("input[name=files]", str(good))
    await page.click("#import-form button[type=submit]")
    await page.wait_for_selector("#import-report", timeout=30_000)
    assert "2 dossier(s) démarré(s)" in await page.inner_text("#import-report")

    await page.click("text=Voir le tableau de bord")
    # The panel refreshes by itself until visibility lists both cases. (A function, not an
    # expression: Playwright evaluates an expression with eval, which the page's policy refuses.)
    await page.wait_for_function(
        "() => document.querySelector('#open-cases').textContent.trim() === '2'", timeout=30_000
    )
    assert "1\u202f600,00 €" in await page.inner_text("#outstanding")
    await page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert (SCREENSHOTS / "dashboard.png").stat().st_size > 10_000


async def test_an_agent_pauses_a_case_and_records_a_promise(live_backoffice: LiveBackoffice) -> None:
    case_id, handle = await live_backoffice.backoffice.case(amount="480.00")
    await live_backoffice.backoffice.user("alice", Role.AGENT)
    page = await live_backoffice.signed_in("alice")
    await page.click("nav >> text=Dossiers")
    await page.click(f"text={case_id}")
    assert await page.get_attribute("#case-state", "data-state") == "open"
    assert await page.inner_text("#case-state") == "en cours"

    await page.fill("#pause-form input[name=reason]", "le débiteur appelle lundi")
    await page.click("#pause-form button")
    assert "dossier mis en pause" in await page.inner_text(".flash")
    assert "le débiteur appelle lundi" in await page.inner_text("#case-pause")
    assert (await status_of(handle)).paused

    await page.click("text=Reprendre")
    by = date.today() + timedelta(days=14)
    await page.fill("#promise-form input[name=amount]", "200,00")
    await page.fill("#promise-form input[name=by]", by.isoformat())
    await page.click("#promise-form button")
    promise = await page.inner_text("#case-promise")
    assert "200,00 €" in promise and by.strftime("%d/%m/%Y") in promise and "alice" in promise
    status = await status_of(handle)
    assert status.promise is not None and status.promise.recorded_by == "alice"
    await page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    assert (SCREENSHOTS / "case.png").stat().st_size > 10_000


async def test_a_second_agent_approves_the_filing_and_an_auditor_replays_the_case(
    live_backoffice: LiveBackoffice,
) -> None:
    backoffice = live_backoffice.backoffice
    case_id, handle = await backoffice.case(
        invoice_pdf=live_backoffice.relance.invoice_pdf, order_pdf=live_backoffice.relance.order_pdf
    )
    asking = await to_court(handle, requested_by="alice")
    assert asking.approval_pending
    await backoffice.user("bruno", Role.AGENT)
    await backoffice.user("audrey", Role.AUDITOR)

    bruno = await live_backoffice.signed_in("bruno")
    assert bruno.url.endswith("/queue")
    assert "saisine judiciaire demandée par alice" in await bruno.inner_text("#queue")
    await bruno.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)
    await bruno.click(f"#queue >> text={case_id}")
    await bruno.click("text=Approuver la saisine")
    assert "saisine approuvée" in await bruno.inner_text(".flash")

    async def with_bailiff() -> bool:
        return (await status_of(handle)).state == CaseState.WITH_BAILIFF

    await eventually(with_bailiff, "the dossier goes to the commissaire de justice")

    audrey = await live_backoffice.signed_in("audrey")
    await audrey.click("nav >> text=Audit")
    await audrey.fill("input[name=case_id]", case_id)
    await audrey.click("text=Ouvrir l'historique")
    assert "saisine approuvée" in await audrey.inner_text("#journal")
    await audrey.click("text=Rejouer l'historique")
    assert "Rejeu déterministe" in await audrey.inner_text("#replay-verdict")
    await audrey.screenshot(path=str(SCREENSHOTS / "audit.png"), full_page=True)
    # An auditor sees no command to send.
    await audrey.goto(f"{live_backoffice.url}/cases/{case_id}")
    assert await audrey.locator("#pause-form").count() == 0


async def test_the_browser_refuses_inline_scripts_and_framing_and_says_so(
    live_backoffice: LiveBackoffice,
) -> None:
    await live_backoffice.backoffice.user("ines", Role.AGENT)
    page = await live_backoffice.signed_in("ines")
    assert live_backoffice.csp_violations() == []
    # What an injected text would try: an inline script, an inline handler, an inline style.
    ran = await page.evaluate(
        """async () => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true;";
          document.body.append(script);
          const image = document.createElement("img");
          image.setAttribute("onerror", "window.handler = true");
          image.src = "/no-such-image";
          document.body.append(image);
          const styled = document.createElement("p");
          styled.setAttribute("style", "color: red");
          document.body.append(styled);
          await new Promise((resolve) => setTimeout(resolve, 500));
          return [window.injected === true, window.handler === true, getComputedStyle(styled).color];
        }"""
    )
    assert ran[:2] == [False, False] and ran[2] != "rgb(255, 0, 0)"
    violations = live_backoffice.csp_violations()
    assert any("script-src" in text for text in violations), live_backoffice.console
    assert any("style-src" in text for text in violations), live_backoffice.console
    # Another site cannot frame a page: the browser shows its error page instead, and says why.
    framing = await live_backoffice.page()
    await framing.set_content(f'<iframe src="{live_backoffice.url}/login"></iframe>')
    await framing.wait_for_timeout(1000)
    assert framing.frames[-1].url == "chrome-error://chromewebdata/"
    assert any("frame-ancestors 'none'" in text for text in live_backoffice.csp_violations())
    # What this test injected is no fault of the pages (the fixture checks the pages' own).
    live_backoffice.console.clear()
