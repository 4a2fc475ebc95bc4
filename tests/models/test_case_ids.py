"""Case ids: a keyed hash of the creditor's SIREN and the invoice number, stable and opaque."""

from __future__ import annotations

import re

from models.case_ids import case_id_for, legacy_case_id

KEY = bytes(range(32))


def test_the_same_invoice_under_the_same_key_has_one_id_that_says_nothing_of_it() -> None:
    case_id = case_id_for(KEY, "123456782", "F-2026/001")
    assert case_id == case_id_for(KEY, "123456782", "F-2026/001")
    assert re.fullmatch(r"case-[a-z2-7]{26}", case_id)
    # Another invoice, another creditor, another key: another id.
    others = {
        case_id_for(KEY, "123456782", "F-2026/002"),
        case_id_for(KEY, "732829320", "F-2026/001"),
        case_id_for(bytes(range(1, 33)), "123456782", "F-2026/001"),
    }
    assert case_id not in others and len(others) == 3
    # However long the number, the id stays within every limit of Temporal and of file names.
    assert len(case_id_for(KEY, "123456782", "F" * 5000)) == len(case_id)


def test_ids_of_cases_started_before_carry_the_siren_and_the_escaped_number() -> None:
    assert legacy_case_id("123456782", "F-2026/001") == "invoice-123456782-F-2026~2F001"
