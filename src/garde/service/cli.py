"""``garde serve``, ``garde keys ...`` and ``garde users ...``: mounted by garde.cli when this package is present."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

__all__ = ["register"]

keys_app = typer.Typer(help="API keys of the HTTP service (stored hashed; shown once).", no_args_is_help=True)
users_app = typer.Typer(help="Accounts of the review console.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8080,
    workers: Annotated[int, typer.Option(help="Worker processes (share one database: use PostgreSQL).")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    proxy_headers: Annotated[bool, typer.Option(help="Trust X-Forwarded-* from --forwarded-allow-ips.")] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(help="Proxies whose X-Forwarded-* headers are trusted.")] = (
        "127.0.0.1"),
) -> None:
    """Run the HTTP service and the review console (uvicorn)."""
    from garde.service.config import ServiceSettings
    from garde.service.security import shared_secret
    from garde.service.serve import run
    from garde.store import Database

    if workers < 1:
        raise typer.BadParameter(f"--workers must be at least 1, got {workers}")
    db = Database()  # migrate once, before the workers start
    if workers > 1 and db.is_sqlite:
        typer.echo("warning: several workers on SQLite serialise on one file; set GARDE_DB_URL to PostgreSQL",
                   err=True)
    shared_secret(db, ServiceSettings.from_env().secret_key)
    db.dispose()
    # garde.service.serve: uvicorn with TCP_NODELAY on every worker's connections (see its docstring)
    try:
        run("garde.service.app:create_app", factory=True, host=host, port=port, workers=workers,
            log_level=log_level, proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips,
            timeout_keep_alive=5, timeout_graceful_shutdown=10, server_header=False)
    except OSError as e:  # the address is taken or not ours (the single-worker server exits on its own)
        typer.echo(f"error: cannot listen on {host}:{port}: {e.strerror or e}", err=True)
        raise typer.Exit(1) from None


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who the key is for.")],
    scope: Annotated[list[str], typer.Option("--scope", help="check, moderate or admin (repeatable or a,b).")],
    rate: Annotated[float | None, typer.Option(help="Requests per second for this key (default: service's).")] = None,
    burst: Annotated[int | None, typer.Option(help="Burst size for this key.")] = None,
) -> None:
    """Create an API key and print it ONCE on stdout; only its sha256 is kept."""
    from garde.service.security import KeyStore
    from garde.store import Database

    scopes = [s for item in scope for s in item.split(",")]
    key, secret = KeyStore(Database()).create(name, scopes, rate=rate, burst=burst)
    typer.echo(secret)
    typer.echo(f"created key {key.key_id} for {key.name!r} with scopes {','.join(sorted(key.scopes))}; "
               f"it is not shown again", err=True)


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List keys (ids, names, scopes; never secrets)."""
    from garde.service.security import KeyStore
    from garde.store import Database

    keys = KeyStore(Database()).list()
    if as_json:
        typer.echo(json.dumps([k.to_dict() for k in keys]))
        return
    for k in keys:
        state = "revoked" if k.revoked else "active"
        typer.echo(f"{k.key_id}  {state:7}  {','.join(sorted(k.scopes)):22}  {k.name}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after 'garde_').")]) -> None:
    """Revoke a key (workers notice within GARDE_KEY_CACHE_SECONDS)."""
    from garde.service.security import KeyStore
    from garde.store import Database

    KeyStore(Database()).revoke(key_id)
    typer.echo(f"revoked key {key_id}")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option("--name", help="Login name.")],
    role: Annotated[str, typer.Option("--role", help="viewer, moderator or admin.")] = "moderator",
    lang: Annotated[str, typer.Option(help="Console language: en or fr.")] = "en",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a console account (password hashed with scrypt)."""
    from garde.service.security import UserStore
    from garde.store import Database

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    u = UserStore(Database()).create(name, role, password, lang=lang)
    typer.echo(f"created console user {u.name!r} with role {u.role}")


@users_app.command("list")
def users_list() -> None:
    """List console accounts."""
    from garde.service.security import UserStore
    from garde.store import Database

    for u in UserStore(Database()).list():
        typer.echo(f"{u.name:24} {u.role:10} {u.lang} {'disabled' if u.disabled else ''}".rstrip())


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a console account (its sessions stop working at once)."""
    from garde.service.security import UserStore
    from garde.store import Database

    UserStore(Database()).disable(name)
    typer.echo(f"disabled console user {name!r}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
    app.add_typer(users_app, name="users")
