"""French typography on finished text: the spaces before ``: ; ! ?`` and inside « » become
no-break spaces, so that a line never starts with a colon or a guillemet.

Only a space the text already has is replaced (U+00A0 before ``:`` and inside « », the narrow U+202F
before ``; ! ?``, as the Imprimerie nationale sets them): a time (``09:00``), a URL (``https://…``,
``?page=2``), an IBAN or a reference has no space before its punctuation and is left as it is. In
HTML only the text between tags changes, never a tag, an attribute, a comment or a style sheet.
"""

from __future__ import annotations

import re

NBSP, NARROW_NBSP = "\u00a0", "\u202f"
# HTML collapses line breaks into spaces: a break before the punctuation counts as a space there.
_HTML_SPACE = "[ \t\r\n]+"
_TEXT_SPACE = "[ \t]+"
# A tag, a comment or a doctype; attribute values hold no ">" (the templates escape them).
_MARKUP = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_RAW_TEXT_START = re.compile(r"<(style|script)\b", re.I)


def _rules(space: str) -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(f"{space}(?=:)"), NBSP),
        (re.compile(f"{space}(?=[;!?])"), NARROW_NBSP),
        # Inside « », whatever spaces are there (none, ordinary or no-break) become one no-break space.
        (re.compile(f"«(?:{space}|[{NBSP}{NARROW_NBSP}])*"), f"«{NBSP}"),
        (re.compile(f"(?:{space}|[{NBSP}{NARROW_NBSP}])*»"), f"{NBSP}»"),
    ]


_HTML_RULES, _TEXT_RULES = _rules(_HTML_SPACE), _rules(_TEXT_SPACE)


def _apply(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def typeset_text(text: str) -> str:
    """Plain text (an email's subject or body) with French no-break spaces."""
    return _apply(text, _TEXT_RULES)


def typeset_html(page: str) -> str:
    """An HTML page with French no-break spaces in its text, its markup untouched."""
    parts = _MARKUP.split(page)
    raw_text_until: str | None = None  # inside <style> or <script>: not text a reader sees
    for index, part in enumerate(parts):
        if index % 2:  # markup
            if raw_text_until is None and (start := _RAW_TEXT_START.match(part)):
                raw_text_until = f"</{start.group(1).lower()}"
            elif raw_text_until is not None and part.lower().startswith(raw_text_until):
                raw_text_until = None
        elif raw_text_until is None:
            parts[index] = _apply(part, _HTML_RULES)
    return "".join(parts)
