"""Registered letters (lettre recommandée) through a provider, and what became of them.

A formal notice goes by registered letter with acknowledgment of receipt (LRAR) or by electronic
registered letter (LRE, CPCE L100), and its proofs are kept. Three providers share one interface
(``provider``): ``post`` sends a letter and returns its tracking id; ``status`` tells what happened
to it since — deposited, first presented, then received, refused or not claimed — with the
provider's proofs, each stored as ``registered/<case>/<step>/proof-<kind>.pdf``. ``post`` is
idempotent by key: posting the same letter twice returns the same tracking id and sends nothing new.

- ``outbox`` (the embedded default) files the letter and plays its delivery on this machine;
- ``http`` calls an electronic registered-letter provider's JSON API (the contract is in its module);
- ``postal`` prints a pack for an agent to post, and keeps what the agent records of it.

``registered_mail_provider`` gives the one configured (``REGISTERED_MAIL_PROVIDER``), or the one a
letter went through.
"""

from __future__ import annotations

from datetime import timedelta

from activities.registered_mail.http import HttpRegisteredMail
from activities.registered_mail.outbox import OutboxRegisteredMail
from activities.registered_mail.postal import PostalRegisteredMail
from activities.registered_mail.provider import RegisteredMailProvider
from config.settings import Settings


def registered_mail_provider(settings: Settings, name: str | None = None) -> RegisteredMailProvider:
    """The provider called ``name`` (the one a letter went through), by default the configured one."""
    chosen = name or settings.registered_mail_provider
    if chosen == "outbox":
        return OutboxRegisteredMail(
            settings.registered_mail_dir,
            presentation_delay=timedelta(seconds=settings.outbox_presentation_delay_seconds),
            delivery_delay=timedelta(seconds=settings.outbox_delivery_delay_seconds),
        )
    if chosen == "http":
        return HttpRegisteredMail(
            settings.registered_mail_url,
            settings.registered_mail_token,
            settings.registered_mail_dir,
            settings.registered_mail_timeout_seconds,
        )
    if chosen == "postal":
        return PostalRegisteredMail(settings.registered_mail_dir)
    raise ValueError(f"registered-mail provider {chosen!r}: expected 'outbox', 'http' or 'postal'")
