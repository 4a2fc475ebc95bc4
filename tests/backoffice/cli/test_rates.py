"""``relance rates check``: the half-years missing up to today, named with their files."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from datetime import date
from pathlib import Path

from law.rates import half_year_fr
from tests.fixtures.cli import RELANCE
from tests.fixtures.rates import BUNDLED_RATES_DIR


async def rates_check(rates_dir: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(RELANCE),
        "rates",
        "check",
        *args,
        env={**os.environ, "RELANCE_RATES_DIR": str(rates_dir), "COLUMNS": "400"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), " ".join(err.decode().split())


async def test_the_bundled_tables_reach_today() -> None:
    code, out, err = await rates_check(BUNDLED_RATES_DIR)
    assert code == 0, err
    assert f"taux connus jusqu'au {half_year_fr(date.today())}" in " ".join(out.split())


async def test_a_missing_half_year_is_named_with_its_files(tmp_path: Path) -> None:
    rates = tmp_path / "rates"
    shutil.copytree(BUNDLED_RATES_DIR, rates)
    for name in ("ecb_main_refinancing.csv", "legal_interest.csv"):
        path = rates / name
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(line for line in lines if not line.startswith("2026-H2")) + "\n")

    code, _, err = await rates_check(rates)
    assert code == 1
    files = f"{rates / 'ecb_main_refinancing.csv'}, {rates / 'legal_interest.csv'}"
    assert f"manquant : second semestre 2026 (2026-H2) dans {files} : ajoutez la ligne" in err
    code, out, _ = await rates_check(rates, "--json")
    assert code == 1
    assert json.loads(out)["missing"]["2026-H2"] == ["ecb_main_refinancing.csv", "legal_interest.csv"]
