"""The `coopsim` command: parses arguments, calls the library, prints results or one clear
message per problem. Exit codes: 0 success, 1 the run failed, 2 bad input."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence

from sim import __version__, bundled
from sim.errors import ScenarioError
from sim.loader import load_file

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.scenarios:
        try:
            loaded = load_file(bundled.resolve(name))
        except ScenarioError as err:
            print(err, file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        count = len(loaded.variants)
        print(f"OK {loaded.path}: {loaded.base.name} ({count} variant{'s' if count != 1 else ''}, baseline {loaded.baseline})")
    return status


def _schema(args: argparse.Namespace) -> int:
    from sim.schema import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    files = bundled.bundled()
    if not files:
        print("no bundled scenarios found", file=sys.stderr)
        return EXIT_FAILED
    width = max(len(f.stem) for f in files)
    for path in files:
        name, description = bundled.summary(path)
        print(f"{path.stem:<{width}}  {name}: {description}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="coopsim", description="Simulate patient flows between cooperating hospitals.")
    parser.add_argument("--version", action="version", version=f"coopsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of unexpected errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check scenario files; exit 2 with every problem found")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    validate.set_defaults(handler=_validate)

    schema_cmd = commands.add_parser("schema", help="print the JSON Schema of the scenario language")
    schema_cmd.set_defaults(handler=_schema)

    list_cmd = commands.add_parser("list", help="list the bundled scenarios")
    list_cmd.set_defaults(handler=_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # the last line of defence: one clear line, traceback on request
        if args.debug:
            traceback.print_exc()
        else:
            print(f"coopsim: internal error: {type(err).__name__}: {err} (run with --debug for details)", file=sys.stderr)
        return EXIT_FAILED
