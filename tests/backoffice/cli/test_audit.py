"""``relance dossier``: the litigation file of a case, written on demand."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import date, timedelta

from tests.fixtures.cli import BUSINESS, CREDITOR, Cli, case_id_of


async def test_the_litigation_file_of_a_case_is_written_on_demand(cli: Cli) -> None:
    due = (date.today() + timedelta(days=30)).isoformat()
    row = CREDITOR + BUSINESS + f"F-500,{date.today().isoformat()},{due},900.00,0,BC-50"
    await cli.json("import", str(cli.write_csv(row)))
    case_id = case_id_of(cli.settings, "F-500")
    await cli.json("escalate", case_id, "--to", "formal_notice")
    for _ in range(100):
        status = await cli.json("status", case_id)
        if "formal_notice" in {a["stage"] for a in status["actions"]}:
            break
        await asyncio.sleep(0.2)
    target = cli.folder / "litigation"

    written = await cli.json("dossier", case_id, "-o", str(target))

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    files = {entry["file"]: entry for entry in manifest["files"]}
    assert written["files"] == {
        **{name: entry["sha256"] for name, entry in files.items()},
        "manifest.json": hashlib.sha256((target / "manifest.json").read_bytes()).hexdigest(),
    }
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((target / name).read_bytes()).hexdigest()
    # The letter sent, wherever a copy of it is kept, as the journal names it by its SHA-256.
    sent = [name for name, entry in files.items() if any("formal_notice_sent" in j for j in entry["journal"])]
    assert "documents/formal_notice.red.pdf" in sent
    assert any(name.startswith("registered/formal_notice/") for name in files)
    history = json.loads((target / "history.json").read_text(encoding="utf-8"))
    assert history["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    kinds = [entry["kind"] for entry in json.loads((target / "timeline.json").read_text(encoding="utf-8"))]
    assert kinds[0] == "case_opened" and "escalated" in kinds

    code, _, err = await cli("dossier", case_id, "-o", str(target))
    assert code == 1 and "existe déjà : choisissez un autre répertoire" in " ".join(err.split())
    code, _, err = await cli("dossier", "invoice-000000000-nope", "-o", str(cli.folder / "none"))
    assert code == 1 and "aucun dossier" in err
