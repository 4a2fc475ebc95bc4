"""The parties of a case: creditor, collection agency, debtor, their addresses and identifiers."""

from __future__ import annotations

from datetime import date

from pydantic import field_validator, model_validator
from stdnum import iban as iban_number
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number
from stdnum.fr import tva as vat_number

from models.enums import DebtorKind
from models.frozen import Value


class Address(Value):
    street: str
    postcode: str
    city: str
    country: str = "France"

    def lines(self) -> list[str]:
        return [self.street, f"{self.postcode} {self.city}", self.country.upper()]


def valid_siren(value: str | None) -> str | None:
    """The SIREN in its compact form, or ValueError saying why it is not one."""
    if value is None:
        return None
    compact = siren_number.compact(value)
    if not siren_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid SIREN (9 digits, Luhn key)")
    return compact


def valid_siret(value: str | None) -> str | None:
    """The SIRET (SIREN + establishment number) in its compact form, or ValueError."""
    if value is None:
        return None
    compact = siret_number.compact(value)
    if not siret_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid SIRET (14 digits, Luhn key)")
    return compact


def valid_vat_number(value: str | None) -> str | None:
    """A French intra-community VAT number (FR + key + SIREN) in its compact form, or ValueError."""
    if value is None:
        return None
    compact = vat_number.compact(value)
    if not vat_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid French VAT number (FR, 2-character key, SIREN)")
    return f"FR{compact}" if not compact.startswith("FR") else compact


def valid_iban(value: str | None) -> str | None:
    """An IBAN in its compact form (checksum and country format checked), or ValueError."""
    if value is None:
        return None
    compact = iban_number.compact(value)
    if not iban_number.is_valid(compact):
        raise ValueError(f"{value!r} is not a valid IBAN (country format or check digits wrong)")
    return compact


class CreditorInfo(Value):
    name: str
    siren: str
    email: str
    address: Address
    charter_accepted_on: date | None = None
    siret: str | None = None
    vat_number: str | None = None
    # Where the debtor pays: printed on every letter when known.
    iban: str | None = None

    _siren = field_validator("siren")(valid_siren)
    _siret = field_validator("siret")(valid_siret)
    _vat_number = field_validator("vat_number")(valid_vat_number)
    _iban = field_validator("iban")(valid_iban)

    @model_validator(mode="after")
    def _identifiers_agree(self) -> CreditorInfo:
        if self.siret and not self.siret.startswith(self.siren):
            raise ValueError(f"SIRET {self.siret} does not belong to SIREN {self.siren}")
        if self.vat_number and not self.vat_number.endswith(self.siren):
            raise ValueError(f"VAT number {self.vat_number} does not belong to SIREN {self.siren}")
        return self


class AgencyInfo(Value):
    """A collection agency acting for the creditor: its letters carry the mentions of CPCE R124-4."""

    name: str
    siren: str
    email: str
    address: Address

    _siren = field_validator("siren")(valid_siren)


class DebtorInfo(Value):
    kind: DebtorKind
    name: str
    email: str
    address: Address
    siren: str | None = None

    _siren = field_validator("siren")(valid_siren)

    @model_validator(mode="after")
    def _business_has_siren(self) -> DebtorInfo:
        if self.kind == DebtorKind.BUSINESS and not self.siren:
            raise ValueError("a business debtor needs its SIREN")
        return self
