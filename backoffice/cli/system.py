"""``relance up`` and ``relance backoffice``: start the embedded system, or the web back office alone."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from backoffice.cli.cases import import_files
from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import CommandFailed, console, run
from config.settings import DEMO_INVOICES_FILE, DEMO_POLICY, Settings, load_settings
from support.files import keep_private

app = CommandGroup()


@app.command(
    help="Tout démarrer avec les réglages embarqués : le serveur de développement Temporal, la boîte "
    "d'envoi SMTP, le service de traitement et le back-office web."
)
def up(
    demo: Annotated[
        bool,
        typer.Option(help="Importer aussi les factures de démonstration livrées, avec la politique demo."),
    ] = False,
) -> None:
    run(lambda: _up(demo))


async def _up(demo: bool) -> None:
    from embedded.devserver import DevServer, DevServerError
    from embedded.smtp_outbox import OutboxSMTPServer
    from worker import quiet_libraries, run_worker, stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    settings = load_settings()
    # Before the dev server and the outbox write there: what they create is private too.
    keep_private(settings.data_dir)
    await _backoffice_port_is_free(settings)
    server = DevServer(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        db_file=settings.temporal_db_file,
        ui_port=settings.temporal_ui_port,
        log_file=settings.data_dir / "temporal.log",
        codec_endpoint=f"{settings.backoffice_url}/codec",
    )
    console.print(f"démarrage du serveur de développement Temporal ({settings.temporal_db_file})")
    try:
        await server.start()
    except DevServerError as error:
        raise CommandFailed(str(error)) from error
    try:
        with OutboxSMTPServer(settings.outbox_dir, host=settings.smtp_host, port=settings.smtp_port):
            stop = asyncio.Event()
            stop_on_signals(stop)
            worker = asyncio.create_task(run_worker(settings, stop))
            backoffice = asyncio.create_task(serve_backoffice(settings, stop))
            if demo:
                await import_files(settings, [DEMO_INVOICES_FILE], DEMO_POLICY, agent="demo")
            _print_banner(settings, server.ui_url)
            await asyncio.gather(worker, backoffice)
    finally:
        console.print("arrêt du serveur de développement Temporal")
        server.stop()
    console.print("arrêté ; « relance up » retrouve chaque dossier où il en était")


def _print_banner(settings: Settings, ui_url: str) -> None:
    places = (
        ("Back-office", f"{settings.backoffice_url}  (la première visite crée l'administrateur)"),
        ("Interface Temporal", f"{ui_url}  (charges utiles déchiffrées par le back-office)"),
        ("Serveur Temporal", f"{settings.temporal_address} (espace {settings.temporal_namespace})"),
        ("Courriels envoyés", f"{settings.outbox_dir}  (un fichier .eml par courriel)"),
        ("Documents (PDF)", settings.documents_dir),
        ("Recommandés", settings.registered_mail_dir),
        ("Commissaire de justice", settings.dossiers_dir),
        ("Base de données", settings.effective_database_url),
    )
    console.print(
        "\n[bold green]Relance tourne.[/bold green] Ctrl-C arrête tout.\n"
        + "".join(f"  {name:<24}{value}\n" for name, value in places)
        + "Dans un autre terminal, une fois connecté (relance login IDENTIFIANT) : relance list | "
        "relance status DOSSIER | relance pause DOSSIER --reason MOTIF | relance pay DOSSIER MONTANT | "
        "relance audit replay --all\n",
        highlight=False,
    )


async def _backoffice_port_is_free(settings: Settings) -> None:
    from embedded.devserver import port_is_open

    if await port_is_open(settings.backoffice_host, settings.backoffice_port):
        raise CommandFailed(
            f"{settings.backoffice_host}:{settings.backoffice_port} est déjà pris (un autre back-office ?) : "
            "arrêtez-le, ou réglez RELANCE_BACKOFFICE_PORT"
        )


async def serve_backoffice(settings: Settings, stop: asyncio.Event) -> None:
    """Serve the web back office until ``stop`` is set."""
    import uvicorn

    from backoffice.web.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=settings.backoffice_host,
            port=settings.backoffice_port,
            log_level="warning",
            # The client's address is read by the back office, from X-Forwarded-For only behind
            # the proxies RELANCE_TRUSTED_PROXIES names (backoffice/web/access.py).
            proxy_headers=False,
            # Signals are the caller's: `relance up` stops everything at once.
            lifespan="on",
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    serving = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serving
    stopping.cancel()


@app.command(
    "backoffice",
    help="Servir le back-office web seul (le service de traitement et Temporal tournent ailleurs).",
)
def backoffice_command() -> None:
    from worker import stop_on_signals

    settings = load_settings()

    async def go() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await _backoffice_port_is_free(settings)
        console.print(f"back-office sur {settings.backoffice_url}")
        await serve_backoffice(settings, stop)

    run(go)
