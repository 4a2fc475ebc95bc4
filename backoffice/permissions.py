"""Who may do what, as data: both doors ask here, the web pages for each route
(``backoffice/web/access.py``) and the command line for each command (``backoffice/cli/session.py``),
and ``send_command`` once more before a command goes to a case."""

from __future__ import annotations

from enum import StrEnum

from backoffice.accounts import SignedIn
from models.enums import Role
from models.wording import ROLES


class Permission(StrEnum):
    READ = "read"  # dashboards, lists, case pages and their documents
    IMPORT = "import"  # upload invoices and start cases
    STEER = "steer"  # commands to running cases
    AUDIT = "audit"  # raw histories, replay, document checks, exports
    MANAGE_USERS = "manage_users"


# An auditor reads everything and changes nothing: replaying a history changes no case.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BACK_OFFICE: frozenset({Permission.READ, Permission.IMPORT}),
    Role.AGENT: frozenset({Permission.READ, Permission.STEER}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT}),
    Role.ADMIN: frozenset(Permission),
}


# What each permission lets one do, as a refusal says it: "… n'a pas le droit de piloter les dossiers".
PERMISSION_NAMES: dict[Permission, str] = {
    Permission.READ: "consulter les dossiers",
    Permission.IMPORT: "importer des factures",
    Permission.STEER: "piloter les dossiers",
    Permission.AUDIT: "auditer les dossiers",
    Permission.MANAGE_USERS: "gérer les utilisateurs",
}


class NotAllowed(Exception):
    """Signed in, but the role does not grant what was asked; the message says what."""


def can(user: SignedIn, permission: Permission) -> bool:
    return permission in PERMISSIONS[user.role]


def authorize(user: SignedIn, permission: Permission) -> None:
    """Nothing when the user's role grants ``permission``; ``NotAllowed`` saying so otherwise."""
    if not can(user, permission):
        role = ROLES[user.role]
        raise NotAllowed(f"{user.username} ({role}) n'a pas le droit de {PERMISSION_NAMES[permission]}")
