"""The `foodtrain` console command: Flask's CLI group with the app's admin commands, plus `serve`."""
from __future__ import annotations

import socket

import click
from flask.cli import FlaskGroup, with_appcontext

from foodtrain.cli import load_demo_if_empty, migrate_database, print_demo_logins
from web import create_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Migrate the database, load the demo if it is empty, print the logins, and serve."""
    from flask import current_app
    from waitress.server import create_server

    from foodtrain.extensions import db
    from foodtrain.jobs import fail_interrupted_jobs

    migrate_database()
    fail_interrupted_jobs(db.session)
    load_demo_if_empty()
    print_demo_logins()
    try:  # the port first: "running at" is printed only once it is free
        with socket.create_server((host, port)):
            pass
        server = create_server(current_app._get_current_object(), host=host, port=port, threads=threads,
                               ident="foodtrain")
    except OSError as error:
        raise click.ClickException(
            f"Cannot listen on {host}:{port} ({error.strerror or error}). Another program, perhaps foodtrain "
            "itself, is already using that port: stop it, or choose another port with --port.") from None
    click.echo(f"\nfoodtrain is running at http://{host}:{port}  (Ctrl+C to stop)\n")
    server.run()


def main() -> None:
    cli = FlaskGroup(create_app=create_app, help="foodtrain: run the app and its admin commands.")
    cli.add_command(serve_command)
    cli.main(prog_name="foodtrain")
