"""The parties of a case: creditor, collection agency, debtor, their addresses and identifiers."""

from __future__ import annotations

from datetime import date

from pydantic import field_validator, model_validator
from stdnum import iban as iban_number
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number
from stdnum.fr import tva as vat_number

from models.bounds import consumer_civility, debtor_siren
from models.enums import Civility, DebtorKind
from models.frozen import Value
from support.parsing import Refusal, quoted


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
        raise Refusal(f"{quoted(value)} n'est pas un SIREN valide (9 chiffres, clé de Luhn)")
    return compact


def valid_siret(value: str | None) -> str | None:
    """The SIRET (SIREN + establishment number) in its compact form, or ValueError."""
    if value is None:
        return None
    compact = siret_number.compact(value)
    if not siret_number.is_valid(compact):
        raise Refusal(f"{quoted(value)} n'est pas un SIRET valide (14 chiffres, clé de Luhn)")
    return compact


def valid_vat_number(value: str | None) -> str | None:
    """A French intra-community VAT number (FR + key + SIREN) in its compact form, or ValueError."""
    if value is None:
        return None
    compact = vat_number.compact(value)
    if not vat_number.is_valid(compact):
        raise Refusal(
            f"{quoted(value)} n'est pas un numéro de TVA intracommunautaire français valide (FR, clé "
            "de 2 caractères, SIREN)"
        )
    return f"FR{compact}" if not compact.startswith("FR") else compact


def valid_iban(value: str | None) -> str | None:
    """An IBAN in its compact form (checksum and country format checked), or ValueError."""
    if value is None:
        return None
    compact = iban_number.compact(value)
    if not iban_number.is_valid(compact):
        raise Refusal(f"{quoted(value)} n'est pas un IBAN valide (format du pays ou clé de contrôle faux)")
    return compact


def establishment_of(siren: str, siret: str | None) -> str | None:
    """A SIRET that is an establishment of ``siren`` (its first nine digits), or ValueError."""
    if siret and not siret.startswith(siren):
        raise Refusal(f"{siret} n'est pas un établissement du SIREN {siren} (ses 9 premiers chiffres)")
    return siret


def vat_number_of(siren: str, vat_number: str | None) -> str | None:
    """The VAT number of ``siren`` (FR, its key, then the SIREN), or ValueError."""
    if vat_number and not vat_number.endswith(siren):
        raise Refusal(f"{vat_number} n'est pas le numéro de TVA du SIREN {siren} (FR, clé, puis le SIREN)")
    return vat_number


class Signatory(Value):
    """The person who signs letters and requests for a company (CPC 54, 57: named, with a title)."""

    name: str
    title: str


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
    # None only for cases started before signatories were kept: their next letter is refused.
    signatory: Signatory | None = None

    _siren = field_validator("siren")(valid_siren)
    _siret = field_validator("siret")(valid_siret)
    _vat_number = field_validator("vat_number")(valid_vat_number)
    _iban = field_validator("iban")(valid_iban)

    @model_validator(mode="after")
    def _identifiers_agree(self) -> CreditorInfo:
        establishment_of(self.siren, self.siret)
        vat_number_of(self.siren, self.vat_number)
        return self


class AgencyInfo(Value):
    """A collection agency acting for the creditor: its letters carry the mentions of CPCE R124-4."""

    name: str
    siren: str
    email: str
    address: Address
    # The agency's dedicated account for the funds it collects (CPCE R124-2, second paragraph) and
    # its professional liability insurance (first paragraph): None only for cases started before the
    # agency file held them.
    iban: str | None = None
    insurance: str | None = None
    signatory: Signatory | None = None

    _siren = field_validator("siren")(valid_siren)
    _iban = field_validator("iban")(valid_iban)


class CaseParties(Value):
    """A case's creditor and agency, as a step reads them again once an agent has completed them
    (a signatory given after the case started: ``activities/parties.py``)."""

    creditor: CreditorInfo
    agency: AgencyInfo | None = None


class DebtorInfo(Value):
    kind: DebtorKind
    name: str
    email: str
    address: Address
    siren: str | None = None
    civility: Civility | None = None

    _siren = field_validator("siren")(valid_siren)

    @property
    def salutation(self) -> str:
        """How a letter addresses the debtor: "Madame" or "Monsieur" when the invoice file said so,
        else "Madame, Monsieur"."""
        return self.civility.value.capitalize() if self.civility else "Madame, Monsieur"

    @property
    def natural_key(self) -> str:
        """What tells one debtor from another: a business's or a public buyer's SIREN, a consumer's
        email. The debtor's account is keyed by it (``models.case_ids.account_id_for``)."""
        if self.kind.professional and self.siren:
            return f"siren:{self.siren}"
        return f"email:{self.email.lower()}"

    @property
    def designation(self) -> str:
        """The debtor as a letter names it: "Madame Claire Dubois", or the name alone."""
        return f"{self.civility.value.capitalize()} {self.name}" if self.civility else self.name

    @model_validator(mode="after")
    def _named_as_its_kind(self) -> DebtorInfo:
        """A business or a public buyer has its SIREN; only a consumer is addressed as Madame or
        Monsieur (the others by their name)."""
        if self.kind.professional:
            debtor_siren(self.kind, self.siren)
        if self.civility is not None:
            consumer_civility(self.kind, self.civility)
        return self
