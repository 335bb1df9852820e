"""Service commands: ``breastcds serve`` and ``breastcds token create|revoke``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from breastcds.cli.core_cmd import fail

if TYPE_CHECKING:
    from breastcds.service.settings import Settings

ROLE_HELP = "read | assess | admin (each includes the ones before it)"
DATA_DIR_OPT = typer.Option(
    "--data-dir", help="directory of the SQLite database [default: ~/.local/share/breastcds]"
)
DB_OPT = typer.Option(
    "--database-url", help="SQLAlchemy URL (overrides BREASTCDS_DATABASE_URL and --data-dir)"
)


def _settings(data_dir: Path | None, database_url: str | None) -> Settings:
    from breastcds.service.settings import Settings, SettingsError

    try:
        return Settings.from_env(data_dir=data_dir, database_url=database_url)
    except SettingsError as exc:
        raise fail(str(exc)) from None


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    token_app = typer.Typer(help="Create or revoke API tokens.", no_args_is_help=True)
    app.add_typer(token_app, name="token")

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port (0: any free port)", min=0)] = 8000,
        data_dir: Annotated[Path | None, DATA_DIR_OPT] = None,
        database_url: Annotated[str | None, DB_OPT] = None,
        workers: Annotated[
            int | None,
            typer.Option(help="worker processes (default 1, or BREASTCDS_WORKERS); >1: PostgreSQL"),
        ] = None,
    ) -> None:
        """Run the HTTP service (REST, CDS Hooks); prints a first admin token on a new database."""
        import uvicorn

        from breastcds.server import create_app, warm_up
        from breastcds.service.logging import setup_logging
        from breastcds.service.storage import AuditEvent, Store

        settings = _settings(data_dir, database_url)
        setup_logging(settings.log_level)
        url = settings.resolved_database_url
        try:
            store = Store(url, token_cache_s=settings.token_cache_s)
            store.migrate()
        except Exception as exc:
            raise fail(f"database {_shown(url)}: {type(exc).__name__}: {exc}") from None
        first_token = None
        if store.count_tokens() == 0:
            _, first_token = store.create_token("admin", "first admin (breastcds serve)")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit TCP_NODELAY; without it a keep-alive client waits for
        # the delayed ACK (~40 ms) between the response's header and body writes.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        sock.listen(2048)
        sock.set_inheritable(True)
        bound_port = sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        settings = dataclasses.replace(
            settings,
            listen_url=f"http://{shown_host}:{bound_port}",
            workers=workers or settings.workers,
        )
        store.audit(
            AuditEvent(
                type_code="110100",
                subtype="110120",  # DCM Application Start
                action="E",
                outcome="0",
                agent_who="breastcds serve",
                entity_what=f"http://{host}:{bound_port}",
                entity_type="service",
            )
        )
        out = sys.stdout
        out.write(f"database: {_shown(url)}\n")
        if first_token is not None:
            out.write(f"first admin token (shown once, store it now): {first_token}\n")
        if settings.workers > 1:
            # Several processes share the listening socket; each builds its app from these
            # variables (breastcds.server.app_from_env). SQLite allows it but serialises
            # every write across processes: use PostgreSQL.
            os.environ.update(
                BREASTCDS_DATABASE_URL=url,
                BREASTCDS_LISTEN_URL=settings.listen_url or "",
                BREASTCDS_WORKERS=str(settings.workers),
            )
            if settings.public_base_url:
                os.environ["BREASTCDS_PUBLIC_BASE_URL"] = settings.public_base_url
            if not settings.link_secret:  # one key for the CDS card links of every worker
                import secrets

                os.environ["BREASTCDS_LINK_SECRET"] = secrets.token_urlsafe(32)
            store.close()
            from uvicorn.supervisors import Multiprocess

            config = uvicorn.Config(
                "breastcds.server:app_from_env",
                factory=True,
                workers=settings.workers,
                log_config=None,
                access_log=False,
                server_header=False,
                timeout_graceful_shutdown=10,
            )
            out.write(f"breastcds service listening on http://{shown_host}:{bound_port}\n")
            out.flush()
            Multiprocess(config, sockets=[sock]).run()
            return
        app_ = create_app(settings, store)
        out.write(f"breastcds service listening on http://{shown_host}:{bound_port}\n")
        out.flush()
        warm_up()
        # SIGTERM: requests in flight get 10 s, then are cancelled (a report job is killed).
        config = uvicorn.Config(
            app_,
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=10,
        )
        uvicorn.Server(config).run(sockets=[sock])

    @token_app.command("create")
    def token_create(
        role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
        label: Annotated[str, typer.Option("--label", help="who or what uses it")] = "",
        data_dir: Annotated[Path | None, DATA_DIR_OPT] = None,
        database_url: Annotated[str | None, DB_OPT] = None,
        expires_in_days: Annotated[
            int | None,
            typer.Option("--expires-in-days", min=1, max=3650, help="the token stops working then"),
        ] = None,
    ) -> None:
        """Create an API token and print it once (only a salted hash is stored)."""
        from breastcds.service.storage import ROLES, AuditEvent, Store

        if role not in ROLES:
            raise fail(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
        settings = _settings(data_dir, database_url)
        store = Store(settings.resolved_database_url)
        store.migrate()
        expires = (
            dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_in_days)
            if expires_in_days
            else None
        )
        info, token = store.create_token(next(r for r in ROLES if r == role), label, expires)
        store.audit(
            AuditEvent(
                type_code="110137",
                subtype="token-create",
                action="C",
                outcome="0",
                agent_who="cli:breastcds token create",
                entity_what=f"ApiToken/{info.id}",
                entity_type="ApiToken",
            )
        )
        sys.stderr.write(f"token {info.id} (role {info.role}); shown once, store it now:\n")
        sys.stdout.write(token + "\n")

    @token_app.command("revoke")
    def token_revoke(
        token_id: Annotated[str, typer.Argument(help="token id (the part after bcds_)")],
        data_dir: Annotated[Path | None, DATA_DIR_OPT] = None,
        database_url: Annotated[str | None, DB_OPT] = None,
    ) -> None:
        """Revoke an API token."""
        from breastcds.service.storage import AuditEvent, Store

        settings = _settings(data_dir, database_url)
        store = Store(settings.resolved_database_url)
        store.migrate()
        done = store.revoke_token(token_id)
        store.audit(
            AuditEvent(
                type_code="110137",
                subtype="token-revoke",
                action="D",
                outcome="0" if done else "4",
                agent_who="cli:breastcds token revoke",
                entity_what=f"ApiToken/{token_id}",
                entity_type="ApiToken",
            )
        )
        if not done:
            raise fail(f"no active token with id {token_id!r}")
        sys.stderr.write(f"token {token_id} revoked\n")
