"""The ``relance`` command line in French: the help an agent reads, and a usage error said in one
line naming the option and why.

Typer keeps its own words in English (its copy of Click has no translations): the help's headings,
the help of the options it adds and the usage errors of its parser. Every group and command of the
command line is made by ``CommandGroup``, whose classes say those words in French: the headings and
the usage line of the help, the options' kinds, and the usage errors, caught where the command line
starts (``FrenchGroup.main``) and printed as ``erreur : --reason : option obligatoire``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from pydantic import ValidationError
from typer import rich_utils
from typer._click import Context, HelpFormatter, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from backoffice.cli.common import errors
from support.parsing import quoted
from support.typography import typeset_text

# The headings of the help and its notes (Typer reads them from its module as it prints the help).
rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
rich_utils.DEFAULT_STRING = "[par défaut : {}]"
rich_utils.ENVVAR_STRING = "[variable d'environnement : {}]"
rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
rich_utils.DEPRECATED_STRING = "(obsolète) "

USAGE = "Utilisation : "
# The options Typer adds itself, by their English help.
BUILT_IN_HELP = {
    "Show this message and exit.": "Afficher cette aide.",
    "Install completion for the current shell.": "Installer la complétion des commandes dans le shell.",
    "Show completion for the current shell, to copy it or customize the installation.": (
        "Afficher le script de complétion du shell, pour le copier ou adapter l'installation."
    ),
}
# The kind of value an option takes, as the help's column shows it; a flag takes none.
KINDS = {"<str>": "TEXTE", "<int>": "NOMBRE", "<path>": "CHEMIN", "<bool>": ""}


class _FrenchHelp:
    """The help of a command or a group, in French."""

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE)

    def get_params(self, ctx: Context) -> list[Parameter]:
        params: list[Parameter] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if param.help:
                param.help = typeset_text(BUILT_IN_HELP.get(param.help, param.help))
            if isinstance(param, TyperOption):
                if param.metavar is None:
                    param.metavar = KINDS.get(param.display_type(ctx) or "")
        return params


class FrenchCommand(_FrenchHelp, TyperCommand):
    """A command of the command line."""


class FrenchGroup(_FrenchHelp, TyperGroup):
    """A group of commands; as the command line itself, it says a usage error in French."""

    def __init__(self, **attrs: Any) -> None:
        attrs["subcommand_metavar"] = attrs.get("subcommand_metavar") or "COMMANDE [ARGUMENTS]..."
        super().__init__(**attrs)

    def main(
        self, args: Sequence[str] | None = None, *rest: Any, standalone_mode: bool = True, **extra: Any
    ) -> Any:
        if not standalone_mode:
            return super().main(args, *rest, standalone_mode=False, **extra)
        try:
            outcome = super().main(args, *rest, standalone_mode=False, **extra)
        except NoArgsIsHelpError:
            sys.exit(2)  # the help, printed as the error was made
        except UsageError as error:
            line = typeset_text(f"erreur : {usage_problem(error)}")
            errors.print(line, markup=False, highlight=False, soft_wrap=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            errors.print("interrompu", highlight=False)
            sys.exit(1)
        sys.exit(outcome if isinstance(outcome, int) else 0)


class CommandGroup(typer.Typer):
    """A ``typer.Typer`` whose groups and commands speak French (a ``cls`` of one's own derives from
    ``FrenchGroup`` or ``FrenchCommand``), their help with French no-break spaces
    (``support.typography``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_french(kwargs, FrenchGroup))

    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        return super().command(name, **_french(kwargs, FrenchCommand))


def _french(kwargs: dict[str, Any], cls: type) -> dict[str, Any]:
    kwargs.setdefault("cls", cls)
    if not issubclass(kwargs["cls"], _FrenchHelp):
        raise TypeError(f"{kwargs['cls'].__name__} says its help in English: derive it from {cls.__name__}")
    if kwargs.get("help"):
        kwargs["help"] = typeset_text(kwargs["help"])
    return kwargs


def usage_problem(error: UsageError) -> str:
    """What is wrong with the command as typed, naming the option or argument, in French."""
    if isinstance(error, MissingParameter):
        kind = "option" if isinstance(error.param, TyperOption) else "argument"
        return f"{_name(error.param)} : {kind} obligatoire"
    if isinstance(error, BadParameter):
        return f"{_name(error.param)} : {_why_refused(error)}"
    if isinstance(error, NoSuchOption):
        guesses = f" (peut-être {', '.join(sorted(error.possibilities))})" if error.possibilities else ""
        return f"{error.option_name} : option inconnue{guesses}"
    if isinstance(error, BadOptionUsage):
        if "does not take a value" in error.message:
            return f"{error.option_name} : cette option ne prend pas de valeur"
        return f"{error.option_name} : une valeur est attendue après l'option"
    return _general_problem(error.message)


def _name(param: Parameter | None) -> str:
    if isinstance(param, TyperOption) and param.opts:
        return param.opts[0]
    if isinstance(param, TyperArgument):
        return param.display_name_raw.upper()
    return "valeur"


# Typer's checks of a path, by their English.
_PATH_PROBLEMS = {
    "does not exist.": "n'existe pas",
    "is a file.": "est un fichier, pas un dossier",
    "is a directory.": "est un dossier, pas un fichier",
    "is not readable.": "ne peut pas être lu",
    "is not writable.": "ne peut pas être écrit",
}


def _why_refused(error: BadParameter) -> str:
    cause = error.__cause__
    if isinstance(cause, ValidationError):
        return _why_invalid(cause, error.param)
    for english, french in _PATH_PROBLEMS.items():
        if error.message.endswith(english):
            path = error.message.removesuffix(english).split(" ", 1)[-1].strip().strip("'\"")
            return f"{quoted(path)} {french}"
    # Raised by the command itself, in French (``typer.BadParameter``).
    return error.message


def _why_invalid(cause: ValidationError, param: Parameter | None) -> str:
    """Typer checks a value's type with pydantic: its first error, in French."""
    first = cause.errors()[0]
    value, kind, context = first.get("input"), first["type"], first.get("ctx", {})
    if kind == "int_parsing":
        return f"{quoted(str(value))} n'est pas un nombre entier"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "au moins" if kind == "greater_than_equal" else "au plus"
        return f"{bound} {context.get('ge', context.get('le'))}, pas {value}"
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if choices:
        allowed = ", ".join(str(getattr(choice, "value", choice)) for choice in choices)
        return f"{quoted(str(value))} n'est pas une valeur possible ({allowed})"
    return f"{quoted(str(value))} refusé ({first['msg']})"


_NO_SUCH_COMMAND = re.compile(r"No such command '(?P<name>.*)'\.(?: Did you mean (?P<guesses>.*)\?)?")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument\(s\) \((?P<arguments>.*)\)")


def _general_problem(message: str) -> str:
    if message == "Missing command.":
        return "commande manquante (relance --help les liste)"
    if found := _NO_SUCH_COMMAND.fullmatch(message):
        guesses = f" (peut-être {found['guesses']})" if found["guesses"] else ""
        return f"commande inconnue : {found['name']}{guesses}"
    if found := _EXTRA_ARGUMENTS.fullmatch(message):
        return f"argument(s) en trop : {found['arguments']}"
    return message
