"""The Temporal client every door uses: the worker, the command line and the web back office."""

from __future__ import annotations

from temporalio.client import Client

from config.encryption import data_converter
from config.settings import Settings


async def connect(settings: Settings) -> Client:
    """A client that encrypts what it sends with the configured payload keys (config/encryption.py);
    raises PayloadKeyError when they cannot be read."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
    )
