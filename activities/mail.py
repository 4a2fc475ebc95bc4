"""Mail: emails through SMTP and registered letters through the registered-mail provider.

Both are idempotent: a retried activity never sends the same mail or letter twice.
"""

from __future__ import annotations

from temporalio import activity

from config.settings import Settings
from models.case import (
    EmailReceipt,
    EmailRequest,
    RegisteredLetterReceipt,
    RegisteredLetterRequest,
)
from models.database import Database


class MailActivities:
    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        raise NotImplementedError

    @activity.defn
    async def send_registered_letter(
        self, request: RegisteredLetterRequest
    ) -> RegisteredLetterReceipt:
        raise NotImplementedError
