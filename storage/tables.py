"""Database tables (SQLModel). The schema is created and migrated by alembic (``migrations/``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from models.enums import DebtorKind, Role

# Every constraint gets a predictable name, the same in the models and in the migrations, so a later
# revision can drop or alter it by name (SQLite's batch mode needs that).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _ExactNumber(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC where the database has it, text on SQLite.

    SQLite has no decimal type and would hand numbers back as binary floats; storing the decimal
    string keeps every digit exact on both engines.
    """

    impl = sa.Numeric(14, 2)
    cache_ok = True
    precision = 14
    scale = 2

    @property
    def _quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.scale)

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        number = Decimal(value).quantize(self._quantum)
        return str(number) if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum)


class Money(_ExactNumber):
    """An amount in euros and cents: NUMERIC(14, 2)."""

    cache_ok = True


class Percent(_ExactNumber):
    """A yearly rate in percent, e.g. 12.15: NUMERIC(7, 4)."""

    impl = sa.Numeric(7, 4)
    cache_ok = True
    precision = 7
    scale = 4


class UtcTimestamp(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always read back time-zone aware.

    PostgreSQL keeps ``timestamptz`` itself; SQLite keeps the bare wall-clock text and would hand it
    back naive, so the value is converted to UTC on the way in and labelled UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: a stored time needs its time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _money(**kwargs: Any) -> Any:
    return Field(sa_type=Money, **kwargs)


def _timestamp(**kwargs: Any) -> Any:
    return Field(sa_type=UtcTimestamp, **kwargs)


class Creditor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    siren: str = Field(unique=True, index=True, max_length=9)
    email: str
    street: str
    postcode: str
    city: str
    country: str = "France"
    charter_accepted_on: date | None = None
    siret: str | None = Field(default=None, max_length=14)
    vat_number: str | None = Field(default=None, max_length=13)
    iban: str | None = Field(default=None, max_length=34)
    # The person who signs the creditor's letters and requests (CPC 54, 57).
    signatory_name: str | None = None
    signatory_title: str | None = None


class Debtor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # The SIREN for a business, the lower-cased email for a consumer: one row per real debtor.
    natural_key: str = Field(unique=True, index=True)
    kind: DebtorKind = Field(sa_type=sa.String(16))
    name: str
    siren: str | None = Field(default=None, max_length=9)
    email: str
    street: str
    postcode: str
    city: str
    country: str = "France"
    # Madame / Monsieur for a consumer, when the invoice file gives it.
    civility: str | None = Field(default=None, max_length=16)


class Invoice(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("creditor_id", "number", name="uq_invoice_creditor_number"),)

    id: int | None = Field(default=None, primary_key=True)
    creditor_id: int = Field(foreign_key="creditor.id", index=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    number: str
    issue_date: date
    due_date: date
    amount_due: Decimal = _money()
    currency: str = Field(default="EUR", max_length=3)
    amount_paid: Decimal = _money(default=Decimal("0.00"))
    order_reference: str | None = None
    # Late-payment rate of the terms of sale, percent a year (Code de commerce L441-10 II).
    contract_rate_percent: Decimal | None = Field(default=None, sa_type=Percent)
    pdf_path: str | None = None
    # The signed quote or order: its own exhibit of the filing dossier.
    order_pdf_path: str | None = None
    case_id: str = Field(unique=True, index=True)
    policy: str = "default"
    imported_at: datetime = _timestamp(default_factory=_utcnow)
    # Who imported it and whether its letters go through the collection agency: a case its import
    # did not start (stopped in between) is started later as the import would have started it.
    imported_by: str | None = None
    through_agency: bool = False


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    amount: Decimal = _money()
    paid_on: date
    recorded_by: str
    reference: str = ""
    idempotency_key: str = Field(unique=True)
    recorded_at: datetime = _timestamp(default_factory=_utcnow)


class CaseEvent(SQLModel, table=True):
    """The append-only journal: every action taken on a case, by whom, with the document hash."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    kind: str = Field(index=True)
    step_key: str | None = None
    actor: str
    occurred_at: datetime = _timestamp()
    detail: str = ""
    document_sha256: str | None = Field(default=None, max_length=64, index=True)
    # The verification code printed on the label of the document this action produced.
    label_code: str | None = Field(default=None, max_length=16, index=True)
    idempotency_key: str = Field(unique=True)
    recorded_at: datetime = _timestamp(default_factory=_utcnow)


class User(SQLModel, table=True):
    """A person of the back office. The password is kept as an argon2 hash, never in clear."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    # Lower-cased login; it is also the name recorded in journals and workflow histories.
    username: str = Field(unique=True, index=True, max_length=64)
    full_name: str = ""
    role: Role = Field(sa_type=sa.String(16))
    password_hash: str
    active: bool = True
    created_at: datetime = _timestamp(default_factory=_utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here, so a
    copy of the database opens no session."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    # Every form of the session carries this token (CSRF protection).
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _timestamp(default_factory=_utcnow)
    expires_at: datetime = _timestamp()


class LoginAttempt(SQLModel, table=True):
    """Each checked sign-in attempt: who, from where, whether it succeeded. A success makes its
    address known for the user (backoffice/sign_in_limit.py)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    client_address: str = Field(default="", max_length=64)
    succeeded: bool
    attempted_at: datetime = _timestamp(default_factory=_utcnow, index=True)


class SignInCounter(SQLModel, table=True):
    """The failed sign-ins charged to one key (a username from an address, a username, an address,
    a known device) and until when the key is locked. Several back-office processes share it."""

    __tablename__ = "sign_in_counter"

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    locked_until: datetime | None = _timestamp(default=None)
    updated_at: datetime = _timestamp(default_factory=_utcnow, index=True)


class KnownDevice(SQLModel, table=True):
    """A browser a user signed in with. Its cookie holds a random token; only the SHA-256 is kept."""

    __tablename__ = "known_device"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    last_used_at: datetime = _timestamp(default_factory=_utcnow, index=True)
