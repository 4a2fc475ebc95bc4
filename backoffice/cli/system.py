"""``relance up`` and ``relance backoffice``: start the embedded system, or the web back office alone."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from backoffice.cli.cases import import_files
from backoffice.cli.common import CommandFailed, console, run
from config.settings import DEMO_INVOICES_FILE, DEMO_POLICY, Settings, load_settings
from support.files import keep_private

app = typer.Typer()


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option(help="Also import the bundled demo invoices with the demo policy.")
    ] = False,
) -> None:
    """Start everything on embedded defaults: Temporal dev server, SMTP outbox and the worker."""
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
    console.print(f"starting the Temporal dev server ({settings.temporal_db_file})")
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
        console.print("stopping the Temporal dev server")
        server.stop()
    console.print("stopped; `relance up` again finds every case where it was")


def _print_banner(settings: Settings, ui_url: str) -> None:
    console.print(
        "\n[bold green]Relance is running.[/bold green] Ctrl-C stops everything.\n"
        f"  Back office      {settings.backoffice_url}  (the first visit creates the administrator)\n"
        f"  Temporal UI      {ui_url}  (payloads decoded by the back office's codec endpoint)\n"
        f"  Temporal server  {settings.temporal_address} (namespace {settings.temporal_namespace})\n"
        f"  Outbox (mails)   {settings.outbox_dir}  (one .eml file per mail)\n"
        f"  Documents (PDF)  {settings.documents_dir}\n"
        f"  Registered mail  {settings.registered_mail_dir}\n"
        f"  Bailiff dossiers {settings.dossiers_dir}\n"
        f"  Database         {settings.effective_database_url}\n"
        "In another terminal, once signed in (relance login USERNAME): relance list | "
        "relance status ID | relance pause ID --reason R | relance pay ID AMOUNT | "
        "relance audit replay --all\n"
    )


async def _backoffice_port_is_free(settings: Settings) -> None:
    from embedded.devserver import port_is_open

    if await port_is_open(settings.backoffice_host, settings.backoffice_port):
        raise CommandFailed(
            f"{settings.backoffice_host}:{settings.backoffice_port} is already taken (another back office?): "
            "stop it, or set RELANCE_BACKOFFICE_PORT"
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


@app.command("backoffice")
def backoffice_command() -> None:
    """Serve the web back office alone (the worker and Temporal run elsewhere)."""
    from worker import stop_on_signals

    settings = load_settings()

    async def go() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await _backoffice_port_is_free(settings)
        console.print(f"back office on {settings.backoffice_url}")
        await serve_backoffice(settings, stop)

    run(go)
