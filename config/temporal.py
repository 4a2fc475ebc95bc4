"""The Temporal client every door uses: the worker, the command line and the web back office."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.service import TLSConfig

from config.encryption import data_converter
from config.settings import Settings


class TemporalTLSError(RuntimeError):
    """The TLS files the settings name cannot be used; the message names the variable and why."""


def tls_config(settings: Settings) -> TLSConfig | bool:
    """Mutual TLS when the settings name TLS files (production), else plain gRPC. A CA alone is TLS
    without a client certificate."""
    cert, key = settings.temporal_tls_cert_path, settings.temporal_tls_key_path
    ca = settings.temporal_tls_ca_path
    if cert is None and key is None and ca is None:
        return False
    if (cert is None) != (key is None):
        raise TemporalTLSError("TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together: set both")
    return TLSConfig(
        server_root_ca_cert=_pem("TEMPORAL_TLS_CA_PATH", ca),
        client_cert=_pem("TEMPORAL_TLS_CERT_PATH", cert),
        client_private_key=_pem("TEMPORAL_TLS_KEY_PATH", key),
        domain=settings.temporal_tls_server_name or None,
    )


def _pem(variable: str, path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        content = path.read_bytes()
    except OSError as error:
        raise TemporalTLSError(f"{variable}: cannot read {path} ({error.strerror})") from None
    if b"-----BEGIN " not in content:
        raise TemporalTLSError(f"{variable}: {path} is not a PEM file")
    return content


async def connect(settings: Settings) -> Client:
    """A client that encrypts what it sends with the configured payload keys (config/encryption.py),
    over mutual TLS and with the authorizer's token when the settings give them; raises
    PayloadKeyError when the keys cannot be read, TemporalTLSError when the TLS files cannot."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        api_key=settings.temporal_api_key.get_secret_value() or None,
    )
