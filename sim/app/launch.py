"""`coopsim app`: serve the what-if page on this machine, offline: bound to 127.0.0.1 by default,
no usage statistics, uploads capped, nothing fetched from the internet."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

PAGE = Path(__file__).with_name("page.py")
DEFAULT_PORT = 8501


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
    app.add_argument("--address", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    app.add_argument("--scheduler", metavar="ADDRESS", help="run the page's simulations on this Dask cluster")
    app.set_defaults(handler=app_command)
    return app


def app_command(args: argparse.Namespace) -> int:
    """Replace this process with the Streamlit server of the page; exit 2 if Streamlit is missing."""
    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("plotly") is None:
        print("coopsim: error: `coopsim app` needs Streamlit and plotly: pip install -e '.[app]'", file=sys.stderr)
        return 2
    command = streamlit_command(args.port, args.address, args.scheduler)
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached: the process is now Streamlit's


def scheduler_of(arguments: list[str]) -> str | None:
    """The Dask scheduler `coopsim app --scheduler` passed to the page (its script arguments)."""
    if "--scheduler" in arguments:
        k = arguments.index("--scheduler")
        return arguments[k + 1] if k + 1 < len(arguments) else None
    return None


def _port(text: str) -> int:
    """A TCP port: a whole number from 1 to 65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (1 to 65535): {text!r}")
    return int(text)
