"""Pages are Jinja2 templates (French for the people who read them), and one-shot messages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from backoffice.commands import LOCAL_ZONE
from backoffice.permissions import Permission, can
from backoffice.portfolio import AGING_BUCKET_NAMES
from backoffice.web.access import CSRF_FIELD, signed_in_user
from models import wording


class NotFound(Exception):
    """What a page asked for does not exist: a 404 page with this title and message."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title


TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
FLASH_COOKIE = "relance_flash"


def euros(amount: Decimal | int | None) -> str:
    """1234.5 -> '1 234,50 €' (French grouping with a narrow no-break space)."""
    if amount is None:
        return "—"
    text = f"{Decimal(amount):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text} €"


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y %H:%M") if moment else ""


def french_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def french(code: object) -> str:
    """A code as the pages say it: a state, a stage, a step, a need (``models.wording``) or an aging
    bucket of the dashboard."""
    text = str(code)
    return AGING_BUCKET_NAMES.get(text) or wording.french(text)


def decimal_fr(value: Decimal) -> str:
    return str(value).replace(".", ",")


TEMPLATES.env.filters.update(
    euros=euros,
    local_time=local_time,
    french_date=french_date,
    fr=french,
    event_fr=wording.event_fr,
    step_fr=wording.step_fr,
    decimal_fr=decimal_fr,
)


async def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = await signed_in_user(request)
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "can": (lambda permission: user is not None and can(user, Permission(permission))),
            "csrf_field": CSRF_FIELD,
            "flash": flash,
            **context,
        },
        status_code=status_code,
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect_with_message(url: str, message: str) -> RedirectResponse:
    """303 to ``url``, which shows ``message`` once (the cookie is read as text, escaped on display)."""
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(FLASH_COOKIE, quote(message[:1000]), httponly=True, samesite="lax", max_age=60)
    return response
