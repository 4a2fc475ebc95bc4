"""French no-break spaces on finished text (support/typography.py): the spaces a text already has
before ``: ; ! ?`` and inside « » become no-break ones; markup, URLs, times and references stay."""

from __future__ import annotations

from support.typography import NARROW_NBSP, NBSP, typeset_html, typeset_text


def test_the_spaces_before_high_punctuation_and_inside_guillemets_become_no_break() -> None:
    assert typeset_text("Objet : rappel ; oui ! vraiment ? « F-1 »") == (
        f"Objet{NBSP}: rappel{NARROW_NBSP}; oui{NARROW_NBSP}! vraiment{NARROW_NBSP}? «{NBSP}F-1{NBSP}»"
    )
    # Guillemets get their space even when the text had none, and never two.
    assert typeset_text("«F-1»") == f"«{NBSP}F-1{NBSP}»"
    assert typeset_text(f"«{NBSP}F-1{NBSP}»") == f"«{NBSP}F-1{NBSP}»"
    # Already set: unchanged.
    assert typeset_text(f"Objet{NBSP}: x") == f"Objet{NBSP}: x"


def test_times_urls_ibans_and_references_are_left_as_written() -> None:
    for text in (
        "à 09:00 (heure de Paris)",
        "https://paiement.example.fr/facture?ref=F-1&x=2",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "RL-7K3M-Q9TD",
        "invoice-123456782-F-2025-0042/first_reminder",
        "compta@atelier-dupont.fr",
    ):
        assert typeset_text(text) == text


def test_plain_text_keeps_its_line_breaks() -> None:
    """In an email a line break is a line break, not a space to replace."""
    assert typeset_text("Montant restant dû : 12\nNotre référence : R") == (
        f"Montant restant dû{NBSP}: 12\nNotre référence{NBSP}: R"
    )
    assert typeset_text("ligne\n: suite") == "ligne\n: suite"


def test_html_changes_its_text_only() -> None:
    page = (
        '<!DOCTYPE html><html lang="fr"><head><style>@page { size: A4; } a:hover { color: red; }</style>'
        "<title>Mise en demeure : F-1</title></head><body><!-- note : interne -->"
        '<p class="a" title="x : y">Objet :\n<strong>rappel</strong>\n: suite ; fin ?</p>'
        '<a href="https://x.fr/?a=1 ; b">lien</a></body></html>'
    )
    assert typeset_html(page) == (
        '<!DOCTYPE html><html lang="fr"><head><style>@page { size: A4; } a:hover { color: red; }</style>'
        f"<title>Mise en demeure{NBSP}: F-1</title></head><body><!-- note : interne -->"
        f'<p class="a" title="x : y">Objet{NBSP}:\n<strong>rappel</strong>{NBSP}: suite{NARROW_NBSP}; '
        f'fin{NARROW_NBSP}?</p><a href="https://x.fr/?a=1 ; b">lien</a></body></html>'
    )
