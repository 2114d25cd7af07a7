"""The `foodtrain` console command: Flask's CLI group with the app's admin commands, plus `serve` and `worker`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from types import FrameType
from typing import NoReturn

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from foodtrain.cli import demo_logins_path, load_demo_if_empty, migrate_database, print_demo_logins
from foodtrain.processes import stop_process, terminate_with_parent
from web import create_app

WORKER_STOP_TIMEOUT_S = 15


def _start_worker_process(instance_path: str, threads: int, production: bool) -> subprocess.Popen:
    """One `foodtrain worker` beside the web server; it stops by itself if this process dies."""
    env = {**os.environ, "FOODTRAIN_INSTANCE_PATH": instance_path}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "web.cli",
            "worker",
            "--threads",
            str(threads),
            "--parent-pid",
            str(os.getpid()),
            *(["--production"] if production else []),
        ],
        env=env,
        preexec_fn=terminate_with_parent(),
    )  # noqa: PLW1509 - one libc call, nothing else


def _refuse_without_production_environment() -> None:
    from foodtrain.config import ProductionConfigError, check_production_environment

    try:
        check_production_environment()  # before the app exists: it would make up keys of its own
    except ProductionConfigError as error:
        raise click.ClickException(str(error)) from None


def _stop_on_ctrl_c_or_sigterm() -> None:
    """Ctrl+C and SIGTERM (systemd) both end `serve` through its clean-up, which stops its workers.

    Set again just before serving: the demo's rota solve (OR-Tools) may leave SIGINT at its default,
    which would kill the server at once and leave its worker behind.
    """

    def _interrupt(_signal_number: int, _frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def _stop_worker_process(process: subprocess.Popen) -> None:
    """Ask the worker to finish its running jobs (SIGINT), then make sure it is gone."""
    stop_process(process, WORKER_STOP_TIMEOUT_S)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int, help="Web server threads.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Job worker processes started beside the web server (0: run `foodtrain worker` yourself).",
)
@click.option(
    "--production",
    is_flag=True,
    help="Refuse to start without SECRET_KEY, FOODTRAIN_ENCRYPTION_KEY and DATABASE_URL; load no demo.",
)
@click.pass_context
def serve_command(context: click.Context, host: str, port: int, threads: int, workers: int, production: bool) -> None:
    """Migrate the database, load the demo if it is empty, print the logins, start the job worker, and serve."""
    if production:
        _refuse_without_production_environment()
    app = context.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        _serve(app, host, port, threads, workers, production)


def _serve(app: Flask, host: str, port: int, threads: int, workers: int, production: bool) -> None:
    from waitress.server import create_server

    from foodtrain.extensions import db
    from foodtrain.jobs import fail_interrupted_jobs

    migrate_database()
    fail_interrupted_jobs(db.session())
    production = production or bool(app.config.get("PRODUCTION"))
    if production:
        click.echo(
            "Production mode: no demo data. Create the first admin with 'foodtrain users create NAME --role admin'."
        )
    elif load_demo_if_empty():
        print_demo_logins()  # once, when the demo is loaded; later starts point at the file
    else:
        click.echo(f"Demo logins are in {demo_logins_path()} (readable by you only).")
    db.session.remove()  # the start-up work is done: no transaction may stay open while serving
    try:  # the port first: "running at" is printed only once it is free
        with socket.create_server((host, port)):
            pass
        server = create_server(app, host=host, port=port, threads=threads, ident="foodtrain")
    except OSError as error:
        raise click.ClickException(
            f"Cannot listen on {host}:{port} ({error.strerror or error}). Another program, perhaps foodtrain "
            "itself, is already using that port: stop it, or choose another port with --port."
        ) from None
    _stop_on_ctrl_c_or_sigterm()
    worker_processes = [_start_worker_process(app.instance_path, 1, production) for _ in range(workers)]
    click.echo(f"\nfoodtrain is running at http://{host}:{port}  (Ctrl+C to stop)\n")
    try:
        server.run()
    finally:
        for process in worker_processes:
            _stop_worker_process(process)


@click.command("worker")
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Jobs run at once by this process (start more processes to use more cores).",
)
@click.option("--parent-pid", type=int, hidden=True, help="Stop when this process (`foodtrain serve`) is gone.")
@click.option(
    "--production", is_flag=True, help="Refuse to start without SECRET_KEY, FOODTRAIN_ENCRYPTION_KEY and DATABASE_URL."
)
@click.pass_context
def worker_command(context: click.Context, threads: int, parent_pid: int | None, production: bool) -> None:
    """Run background jobs (rota generation, route planning) from the queue until Ctrl+C."""
    from foodtrain.job_queue import job_queue, run_worker

    if production:
        _refuse_without_production_environment()
    app = context.ensure_object(ScriptInfo).load_app()
    click.echo(f"foodtrain worker {os.getpid()}: {job_queue(app).storage} queue, {threads} at a time")
    run_worker(app, threads=threads, parent_pid=parent_pid)


def main() -> None:
    cli = FlaskGroup(create_app=create_app, help="foodtrain: run the app and its admin commands.")
    cli.add_command(serve_command)
    cli.add_command(worker_command)
    cli.main(prog_name="foodtrain")


if __name__ == "__main__":
    main()
