"""``relance penalties``: the penalty engine from the command line, no server needed.

Rates (config/rates): 2024-H1 default 14.50 %, 2024-H2 14.25 % (both below three times the legal
rate: warned, applied as they are); 2025-H2 default 12.15 %, legal 2.76 % (floor 8.28 %).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from config.settings import PROJECT_ROOT
from starter import app
from support.typography import typeset_text as fr

RATES = PROJECT_ROOT / "config" / "rates"


def relance(*args: str, rates_dir: Path = RATES) -> Result:
    return CliRunner(env={"RELANCE_RATES_DIR": str(rates_dir)}).invoke(app, ["penalties", *args])


def as_json(*args: str) -> dict[str, Any]:
    result = relance(*args, "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    return json.loads(result.stdout)  # one object, nothing else on stdout


def test_json_gives_every_period_and_the_totals_as_decimal_strings() -> None:
    out = as_json(
        "--amount", "1000", "--due", "2024-06-15", "--until", "2024-07-15", "--payment", "2024-07-01:200"
    )
    # Jun 16 .. 30 = 15 days on 1000 at 14.50 %: 217500/36500 = 5.958… → 5.96
    # Jul 1 = 1 day on 1000 at 14.25 % (the payment day is still late): 14250/36500 = 0.390… → 0.39
    # Jul 2 .. 15 = 14 days on 800 at 14.25 %: 159600/36500 = 4.372… → 4.37
    assert [
        (p["start"], p["end"], p["days"], p["base"], p["rate_percent"], p["interest"]) for p in out["periods"]
    ] == [
        ("2024-06-16", "2024-06-30", 15, "1000.00", "14.50", "5.96"),
        ("2024-07-01", "2024-07-01", 1, "1000.00", "14.25", "0.39"),
        ("2024-07-02", "2024-07-15", 14, "800.00", "14.25", "4.37"),
    ]
    assert "décision de la BCE en vigueur le 20 septembre 2023" in out["periods"][0]["rate_source"]
    # 5.96 + 0.39 + 4.37 = 10.72; + 40.00
    assert (out["interest"], out["indemnity"], out["total"]) == ("10.72", "40.00", "50.72")
    assert [warning[:9] for warning in out["warnings"]] == ["2024-H1: ", "2024-H2: "]


def test_a_consumer_owes_the_legal_rate_from_the_notice_without_indemnity() -> None:
    out = as_json(
        "--amount", "1 234,56", "--due", "15/09/2025", "--until", "2025-10-30",
        "--debtor", "consumer", "--notice", "2025-09-30",
    )  # fmt: skip
    [period] = out["periods"]
    # Oct 1 .. 30 = 30 days at the 2025-H2 legal rate 2.76 %:
    # 1234.56 × 2.76% × 30/365 = 102221.568/36500 = 2.8005… → 2.80
    assert (period["start"], period["days"], period["base"], period["rate_percent"]) == (
        "2025-10-01",
        30,
        "1234.56",
        "2.76",
    )
    assert (out["interest"], out["indemnity"], out["total"]) == ("2.80", "0.00", "2.80")


def test_a_public_buyer_owes_the_rate_of_the_half_year_its_interest_began_with_the_indemnity() -> None:
    out = as_json("--amount", "2000", "--due", "2025-06-20", "--until", "2025-07-10", "--debtor", "public")
    # Begun 21 June 2025 (2025-H1: ECB 3.15 + 8 = 11.15 %, R2192-31), July too: 10 days each,
    # 2000 × 11.15% × 10/365 = 223000/36500 = 6.109… → 6.11, twice; + 40.00 (D2192-35).
    assert [(p["days"], p["rate_percent"], p["interest"]) for p in out["periods"]] == [
        (10, "11.15", "6.11"),
        (10, "11.15", "6.11"),
    ]
    assert (out["interest"], out["indemnity"], out["total"]) == ("12.22", "40.00", "52.22")


def test_a_contract_rate_above_the_floor_and_further_costs() -> None:
    out = as_json(
        "--amount", "3000", "--due", "2025-07-31", "--until", "2025-08-31",
        "--contract-rate", "8,5 %", "--further-costs", "55",
    )  # fmt: skip
    [period] = out["periods"]
    # 8.5 ≥ 3 × 2.76 = 8.28: kept. Aug 1 .. 31 = 31 days: 3000 × 8.5% × 31/365 = 790500/36500 = 21.65… → 21.66
    # The rate as read to its four decimals (models.bounds.rate_from_text, as an import reads it).
    assert (period["days"], period["rate_percent"], period["interest"]) == (31, "8.5000", "21.66")
    # 21.66 + 40.00 + 55.00
    assert (out["further_costs"], out["total"], out["warnings"]) == ("55.00", "116.66", [])


def test_the_table_shows_the_periods_the_indemnity_the_total_and_the_warnings() -> None:
    result = relance(
        "--amount", "1000", "--due", "2024-06-15", "--until", "2024-07-15", "--payment", "2024-07-01:200"
    )
    assert result.exit_code == 0
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]] for line in result.stdout.splitlines() if "│" in line
    ]
    assert "pénalités au 15 juillet 2024" in result.stdout
    # The first line of each row (a long rate source wraps onto more lines), amounts as French writes them.
    thousand = "1\u202f000,00\xa0€"
    assert ["16/06/2024", "30/06/2024", "15", thousand, "14,50\xa0%", "taux de", "5,96\xa0€"] in rows
    assert ["01/07/2024", "01/07/2024", "1", thousand, "14,25\xa0%", "taux de", "0,39\xa0€"] in rows
    assert ["02/07/2024", "15/07/2024", "14", "800,00\xa0€", "14,25\xa0%", "taux de", "4,37\xa0€"] in rows
    sums = [" ".join(line.split()) for line in result.stdout.splitlines() if "│" not in line]
    assert ["intérêts 10,72 €", "indemnité forfaitaire (D441-5) 40,00 €", "total des pénalités 50,72 €"] == [
        line for line in sums if line.endswith("€")
    ]
    assert "attention : 2024-H1: le taux par défaut de 14,50" in result.stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--due", "31/02/2025"], "--due : « 31/02/2025 » n'est pas une date"),
        (["--amount", "12,3x"], "--amount : « 12,3x » n'est pas un nombre"),
        (["--amount", "10.005"], "--amount : « 10.005 » a plus de deux décimales"),
        (
            ["--until", "2025-08-01"],
            "--until : la fin du décompte, le 1er août 2025, est avant l'échéance du 1er septembre 2025",
        ),
        (["--debtor", "consumer"], "--notice : un consommateur doit les intérêts à compter de la mise en"),
        (["--debtor", "state"], "--debtor : « state » n'est ni business, ni consumer, ni public"),
        (
            ["--debtor", "public", "--contract-rate", "12"],
            "--contract-rate : un acheteur public doit le taux de la BCE majoré de huit points",
        ),
        (
            ["--debtor", "consumer", "--notice", "2025-08-01"],
            "--notice : la mise en demeure du 1er août 2025 est antérieure à l'échéance",
        ),
        (["--contract-rate", "abc"], "--contract-rate : « abc » n'est pas un nombre"),
        (["--contract-rate", "-2"], "--contract-rate : « -2 » est négatif"),
        (["--payment", "2025-09-10"], "--payment : « 2025-09-10 » n'est pas de la forme DATE:MONTANT"),
        (
            ["--payment", "2025-09-10:2000"],
            "--payment : les paiements (2\u202f000,00\xa0€) dépassent le principal (1\u202f000,00\xa0€)",
        ),
        (
            ["--debtor", "consumer", "--notice", "2025-09-05", "--further-costs", "10"],
            "--further-costs : des frais de recouvrement supplémentaires ne se réclament qu'à un débiteur",
        ),
        (["--until", "2027-02-01"], "--until : au-delà des tables de taux : pas de taux pour le premier"),
    ],
)
def test_bad_input_is_one_line_naming_the_option_exit_2(args: list[str], error: str) -> None:
    defaults = {"--amount": "1000", "--due": "2025-09-01", "--until": "2025-10-01"}
    given = defaults | dict(zip(args[::2], args[1::2], strict=True))
    result = relance(*[part for pair in given.items() for part in pair])
    assert result.exit_code == 2
    assert result.stderr.startswith(fr(f"erreur : {error}")), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_rates_come_from_relance_rates_dir(tmp_path: Path) -> None:
    rates = tmp_path / "rates"
    rates.mkdir()
    for name in ("ecb_main_refinancing.csv", "legal_interest.csv"):
        lines = (RATES / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (rates / name).write_text("".join(line for line in lines if not line.startswith("2026-")), "utf-8")
    result = relance("--amount", "1000", "--due", "2025-12-20", "--until", "2026-01-05", rates_dir=rates)
    assert result.exit_code == 2
    assert result.stderr == fr(
        "erreur : --until : au-delà des tables de taux : pas de taux pour le premier semestre 2026 "
        "(nécessaire pour le 1er janvier 2026) dans ecb_main_refinancing.csv : ajoutez la ligne depuis "
        "sa source officielle (relance rates check)\n"
    )
