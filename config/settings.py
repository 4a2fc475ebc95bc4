"""The one typed settings object, read from the environment.

Every default is the embedded one: a SQLite file, the Temporal dev server and the local SMTP
outbox, all under the data folder (``var/`` beside the project unless ``RELANCE_DATA_DIR`` says
otherwise). Production sets the same variables to point at real services.
"""

from __future__ import annotations

import ipaddress
import os
from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The bundled demo: invoices of fictitious companies (their PDFs beside, in invoices/), and the
# policy that walks the whole ladder in about a minute.
DEMO_INVOICES_FILE = PROJECT_ROOT / "demo" / "invoices.csv"
DEMO_POLICY = "demo"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        default=PROJECT_ROOT / "var", validation_alias=_env("RELANCE_DATA_DIR", "data_dir")
    )

    temporal_address: str = Field(
        default="127.0.0.1:7233", validation_alias=_env("TEMPORAL_ADDRESS", "temporal_address")
    )
    temporal_namespace: str = Field(
        default="default", validation_alias=_env("TEMPORAL_NAMESPACE", "temporal_namespace")
    )
    temporal_task_queue: str = Field(
        default="relance", validation_alias=_env("TEMPORAL_TASK_QUEUE", "temporal_task_queue")
    )
    temporal_ui_port: int = Field(default=8233, validation_alias=_env("TEMPORAL_UI_PORT", "temporal_ui_port"))
    # A Temporal server that takes mutual TLS only (production): the CA of its certificate and this
    # process's client certificate and key, PEM files, named as the Temporal CLI names them. None:
    # plain gRPC, as the embedded dev server speaks.
    temporal_tls_ca_path: Path | None = Field(
        default=None, validation_alias=_env("TEMPORAL_TLS_CA_PATH", "temporal_tls_ca_path")
    )
    temporal_tls_cert_path: Path | None = Field(
        default=None, validation_alias=_env("TEMPORAL_TLS_CERT_PATH", "temporal_tls_cert_path")
    )
    temporal_tls_key_path: Path | None = Field(
        default=None, validation_alias=_env("TEMPORAL_TLS_KEY_PATH", "temporal_tls_key_path")
    )
    temporal_tls_server_name: str = Field(
        default="", validation_alias=_env("TEMPORAL_TLS_SERVER_NAME", "temporal_tls_server_name")
    )
    # The token Temporal's authorizer checks (its JWT claim mapper), when the server has one.
    temporal_api_key: SecretStr = Field(
        default=SecretStr(""), validation_alias=_env("TEMPORAL_API_KEY", "temporal_api_key")
    )

    # Empty means the embedded SQLite file under the data folder.
    database_url: str = Field(default="", validation_alias=_env("DATABASE_URL", "database_url"))

    smtp_host: str = Field(default="127.0.0.1", validation_alias=_env("SMTP_HOST", "smtp_host"))
    smtp_port: int = Field(default=8025, validation_alias=_env("SMTP_PORT", "smtp_port"))
    smtp_username: str = Field(default="", validation_alias=_env("SMTP_USERNAME", "smtp_username"))
    smtp_password: str = Field(default="", validation_alias=_env("SMTP_PASSWORD", "smtp_password"))
    smtp_starttls: bool = Field(default=False, validation_alias=_env("SMTP_STARTTLS", "smtp_starttls"))
    smtp_sender: str = Field(default="relance@localhost", validation_alias=_env("SMTP_SENDER", "smtp_sender"))
    smtp_timeout_seconds: float = Field(
        default=30.0, validation_alias=_env("SMTP_TIMEOUT", "smtp_timeout_seconds")
    )

    # Registered letters: "outbox" files them locally (embedded default); "http" calls an LRE
    # provider; "postal" prints a pack per letter for an agent to post (see activities/registered_mail/).
    registered_mail_provider: str = Field(
        default="outbox",
        validation_alias=_env("REGISTERED_MAIL_PROVIDER", "registered_mail_provider"),
    )
    registered_mail_url: str = Field(
        default="", validation_alias=_env("REGISTERED_MAIL_URL", "registered_mail_url")
    )
    registered_mail_token: str = Field(
        default="", validation_alias=_env("REGISTERED_MAIL_TOKEN", "registered_mail_token")
    )
    registered_mail_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        validation_alias=_env("REGISTERED_MAIL_TIMEOUT", "registered_mail_timeout_seconds"),
    )
    # The outbox provider plays a delivery on this machine, in seconds rather than the days a real
    # letter takes, so that the demo ladder and the tests walk to the end: first presentation this
    # long after posting, then the outcome (received unless forced) this long after presentation.
    outbox_presentation_delay_seconds: float = Field(
        default=2.0,
        ge=0,
        validation_alias=_env("RELANCE_OUTBOX_PRESENTATION_DELAY", "outbox_presentation_delay_seconds"),
    )
    outbox_delivery_delay_seconds: float = Field(
        default=3.0,
        ge=0,
        validation_alias=_env("RELANCE_OUTBOX_DELIVERY_DELAY", "outbox_delivery_delay_seconds"),
    )

    policy: str = Field(default="default", validation_alias=_env("RELANCE_POLICY", "policy"))
    # A collection agency sending the letters for the creditors (see config/agency.py); none by default.
    agency_file: Path | None = Field(
        default=None, validation_alias=_env("RELANCE_AGENCY_FILE", "agency_file")
    )
    # The commissaire de justice who receives filing dossiers: by email when an address is set,
    # else as a copy dropped into a folder (embedded default: one beside the data).
    bailiff_email: str = Field(default="", validation_alias=_env("BAILIFF_EMAIL", "bailiff_email"))
    bailiff_drop_dir: Path = Field(
        default_factory=lambda values: values["data_dir"] / "bailiff",
        validation_alias=_env("BAILIFF_DROP_DIR", "bailiff_drop_dir"),
    )
    # The rules of the judicial route (small-claims ceiling, prescription), see config/judicial.toml.
    judicial_rules_file: Path = Field(
        default=PROJECT_ROOT / "config" / "judicial.toml",
        validation_alias=_env("RELANCE_JUDICIAL_RULES", "judicial_rules_file"),
    )
    # The courts filing requests are addressed to, by the debtor's postcode, see config/courts.toml.
    courts_file: Path = Field(
        default=PROJECT_ROOT / "config" / "courts.toml",
        validation_alias=_env("RELANCE_COURTS_FILE", "courts_file"),
    )
    templates_dir: Path = Field(
        default=PROJECT_ROOT / "letter_templates",
        validation_alias=_env("RELANCE_TEMPLATES_DIR", "templates_dir"),
    )
    # Creditors' own templates, one folder per creditor SIREN, looked up before ours.
    creditor_templates_dir: Path = Field(
        default_factory=lambda values: values["data_dir"] / "letter_templates",
        validation_alias=_env("RELANCE_CREDITOR_TEMPLATES_DIR", "creditor_templates_dir"),
    )
    # The penalty engine's rate tables (ECB, legal interest): an operator adds a half-year here,
    # outside the package (see config/rates/README.md); the worker reads them once, at first use.
    rates_dir: Path = Field(
        default=PROJECT_ROOT / "config" / "rates", validation_alias=_env("RELANCE_RATES_DIR", "rates_dir")
    )
    # Worker sizing: activities run at once; the sync ones (PDF rendering and stamping) each
    # take one thread of the worker's pool, which has this many threads.
    activity_slots: int = Field(
        default=16, ge=1, validation_alias=_env("RELANCE_ACTIVITY_SLOTS", "activity_slots")
    )

    # The back office in a browser (`relance backoffice`, started by `relance up`). The Temporal UI
    # of a cluster runs on 8080 (docker-compose.temporal.yml): the back office keeps clear of it.
    backoffice_host: str = Field(
        default="127.0.0.1", validation_alias=_env("RELANCE_BACKOFFICE_HOST", "backoffice_host")
    )
    backoffice_port: int = Field(
        default=8081, validation_alias=_env("RELANCE_BACKOFFICE_PORT", "backoffice_port")
    )
    # Behind HTTPS (production), the session cookie is sent over HTTPS only.
    backoffice_secure_cookies: bool = Field(
        default=False,
        validation_alias=_env("RELANCE_BACKOFFICE_SECURE_COOKIES", "backoffice_secure_cookies"),
    )
    # Reverse proxies in front of the back office (addresses or networks, comma-separated): only a
    # request coming from one of them has its client's address read from X-Forwarded-For.
    trusted_proxies: str = Field(
        default="", validation_alias=_env("RELANCE_TRUSTED_PROXIES", "trusted_proxies")
    )
    # Where `relance login` keeps the session of the person running `relance` (mode 0600): theirs,
    # beside their other settings ($XDG_CONFIG_HOME/relance/session), never in the shared data folder.
    session_file: Path = Field(
        default_factory=lambda: _config_home() / "relance" / "session",
        validation_alias=_env("RELANCE_SESSION_FILE", "session_file"),
    )
    # Browser origins allowed to call the codec endpoint with the user's session (the Temporal UI),
    # comma-separated; empty means the embedded Temporal UI.
    codec_allowed_origins: str = Field(
        default="", validation_alias=_env("RELANCE_CODEC_ALLOWED_ORIGINS", "codec_allowed_origins")
    )

    # Payload encryption (config/encryption.py): `id:base64key` entries separated by commas, the
    # current key first; or a file of them, one a line. Neither: the embedded key file under the
    # data folder, created with a random key on first use.
    payload_keys: SecretStr = Field(
        default=SecretStr(""), validation_alias=_env("RELANCE_PAYLOAD_KEYS", "payload_keys")
    )
    payload_key_file: Path | None = Field(
        default=None, validation_alias=_env("RELANCE_PAYLOAD_KEY_FILE", "payload_key_file")
    )

    # The key of case ids (config/case_id_key.py): 32 random bytes or more in base64. Empty: the
    # embedded key file under the data folder, created with a random key on first use.
    case_id_key: SecretStr = Field(
        default=SecretStr(""), validation_alias=_env("RELANCE_CASE_ID_KEY", "case_id_key")
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for entry in _entries(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"RELANCE_TRUSTED_PROXIES: {entry!r} is not an address or a network "
                    "(10.0.0.5, 10.0.0.0/24)"
                ) from None
        return value

    @field_validator(
        "payload_key_file",
        "temporal_tls_ca_path",
        "temporal_tls_cert_path",
        "temporal_tls_key_path",
        mode="before",
    )
    @classmethod
    def _no_file_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'relance.db'}"

    @property
    def backoffice_url(self) -> str:
        return f"http://{self.backoffice_host}:{self.backoffice_port}"

    @cached_property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(entry, strict=False) for entry in _entries(self.trusted_proxies)]

    @property
    def codec_origins(self) -> list[str]:
        if self.codec_allowed_origins.strip():
            return [origin.strip() for origin in self.codec_allowed_origins.split(",") if origin.strip()]
        return [f"http://{host}:{self.temporal_ui_port}" for host in ("127.0.0.1", "localhost")]

    @property
    def outbox_dir(self) -> Path:
        """Where the embedded SMTP server writes each mail as a ``.eml`` file."""
        return self.data_dir / "outbox"

    @property
    def sent_mail_dir(self) -> Path:
        """The write-ahead record of each email the SMTP server accepted, until the journal has it."""
        return self.data_dir / "sent-mail"

    @property
    def documents_dir(self) -> Path:
        """Generated letters and labelled PDFs, one folder per case."""
        return self.data_dir / "documents"

    @property
    def dossiers_dir(self) -> Path:
        """Dossiers handed to the commissaire de justice, one folder per case."""
        return self.data_dir / "dossiers"

    @property
    def registered_mail_dir(self) -> Path:
        """Registered letters: filed by the outbox provider, postal packs, delivery proofs."""
        return self.data_dir / "registered"

    @property
    def temporal_db_file(self) -> Path:
        return self.data_dir / "temporal.db"

    @property
    def embedded_payload_key_file(self) -> Path:
        """The payload keys when neither RELANCE_PAYLOAD_KEYS nor RELANCE_PAYLOAD_KEY_FILE is set."""
        return self.data_dir / "payload-keys"

    @property
    def embedded_case_id_key_file(self) -> Path:
        """The key of case ids when RELANCE_CASE_ID_KEY is not set."""
        return self.data_dir / "case-id-key"


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def _entries(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]


def load_settings() -> Settings:
    return Settings()
