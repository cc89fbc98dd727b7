"""`coopsim app`: serve the what-if page on this machine, offline: bound to 127.0.0.1 by default,
no usage statistics, uploads capped, nothing fetched from the internet."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import re
import socket
import sys
from pathlib import Path
from typing import Any

PAGE = Path(__file__).with_name("page.py")
DEFAULT_PORT = 8501
HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
"""A host name: labels of letters, digits and inner hyphens, joined by dots."""


def streamlit_command(port: int, address: str, scheduler: str | None) -> list[str]:
    """The command that serves the page (Streamlit's own options, then the page's)."""
    from sim.app.session import MAX_UPLOAD_BYTES

    command = [sys.executable, "-m", "streamlit", "run", str(PAGE),
               "--server.address", address, "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.maxUploadSize", str(max(1, MAX_UPLOAD_BYTES // (1024 * 1024))),
               "--global.developmentMode", "false", "--client.toolbarMode", "minimal", "--theme.base", "light"]
    return command + (["--", "--scheduler", scheduler] if scheduler else [])


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `app` subcommand on the `coopsim` command's subparsers."""
    app = subparsers.add_parser("app", help="serve the planners' what-if page at http://127.0.0.1:8501 (needs the app extra)")
    app.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})")
    app.add_argument("--address", type=_address, default="127.0.0.1",
                     help="address to serve on (default 127.0.0.1: this machine only; 0.0.0.0 for an intranet server)")
    app.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS", help="run the page's simulations on this Dask cluster")
    app.set_defaults(handler=app_command)
    return app


def app_command(args: argparse.Namespace) -> int:
    """Replace this process with the Streamlit server of the page; exit 2 if Streamlit is missing."""
    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("plotly") is None:
        print("coopsim: error: `coopsim app` needs Streamlit and plotly: pip install -e '.[app]'", file=sys.stderr)
        return 2
    if not _free(args.address, args.port):
        print(f"coopsim: error: --port {args.port}: the port is already in use, or cannot be opened, on {args.address} "
              "(choose another with --port)", file=sys.stderr)
        return 2
    command = streamlit_command(args.port, args.address, args.scheduler)
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached: the process is now Streamlit's


def _free(address: str, port: int) -> bool:
    """Whether the page can listen on this address and port now."""
    try:
        with socket.create_server((address, port)):
            return True
    except OSError:
        return False


def scheduler_of(arguments: list[str]) -> str | None:
    """The Dask scheduler `coopsim app --scheduler` passed to the page (its script arguments)."""
    if "--scheduler" in arguments:
        k = arguments.index("--scheduler")
        return arguments[k + 1] if k + 1 < len(arguments) else None
    return None


def _address(text: str) -> str:
    """An address to serve on: an IP address or a host name."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not HOST.match(text):
            raise argparse.ArgumentTypeError(f"not an IP address or a host name: {text!r}") from None
    return text


def _scheduler(text: str) -> str:
    """A Dask scheduler address, as `coopsim run --scheduler` takes it."""
    from sim.experiment.cluster import ADDRESS

    if not ADDRESS.match(text):
        raise argparse.ArgumentTypeError(f"not a scheduler address (expected e.g. tcp://10.0.0.5:8786): {text!r}")
    return text


def _port(text: str) -> int:
    """A TCP port: a whole number from 1 to 65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (1 to 65535): {text!r}")
    return int(text)
