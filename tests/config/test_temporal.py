"""The Temporal client's transport: plain gRPC for the embedded dev server, mutual TLS with the
files the settings name for a production server, and a clear refusal of files it cannot use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from temporalio.service import TLSConfig

from config.settings import Settings
from config.temporal import TemporalTLSError, tls_config


def certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_without_tls_files_the_client_speaks_plain_grpc(monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty variable is no file.
    monkeypatch.setenv("TEMPORAL_TLS_CA_PATH", "")
    assert tls_config(Settings()) is False


def test_the_files_named_make_a_mutual_tls_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca, _ = certificate(tmp_path, "ca")
    cert, key = certificate(tmp_path, "worker")
    monkeypatch.setenv("TEMPORAL_TLS_CA_PATH", str(ca))
    monkeypatch.setenv("TEMPORAL_TLS_CERT_PATH", str(cert))
    monkeypatch.setenv("TEMPORAL_TLS_KEY_PATH", str(key))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_NAME", "temporal")
    config = tls_config(Settings())
    assert isinstance(config, TLSConfig)
    assert config.server_root_ca_cert == ca.read_bytes()
    assert (config.client_cert, config.client_private_key) == (cert.read_bytes(), key.read_bytes())
    assert config.domain == "temporal"


def test_tls_files_that_cannot_be_used_are_refused_naming_them(tmp_path: Path) -> None:
    cert, _ = certificate(tmp_path, "worker")
    with pytest.raises(TemporalTLSError, match="_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together"):
        tls_config(Settings(temporal_tls_cert_path=cert))
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(TemporalTLSError, match=f"TEMPORAL_TLS_CA_PATH: cannot read {missing}"):
        tls_config(Settings(temporal_tls_ca_path=missing))
    (tmp_path / "not.pem").write_text("not a certificate", encoding="utf-8")
    with pytest.raises(TemporalTLSError, match=r"TEMPORAL_TLS_KEY_PATH: .*not\.pem is not a PEM file"):
        tls_config(Settings(temporal_tls_cert_path=cert, temporal_tls_key_path=tmp_path / "not.pem"))
