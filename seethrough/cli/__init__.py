"""The ``seethrough`` command: argument parsing only; every verb calls the public API.

Each verb is a module in this package with ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; modules are found by themselves (a module without ``NAME`` is a helper).
``ORDER`` lists the verbs that come first in ``--help``. Errors in what the user asked for print one
``error:`` line on stderr and exit with code 2, with no traceback and no output file left behind.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from ..errors import SeethroughError

ORDER = ["predict", "probe", "explain", "occlude", "lime", "lime-text", "lime-tabular",  # behaviour, attribution
         "filters", "scan", "examples", "patches", "pca",                                   # inside
         "visualize", "dream", "style", "tcav", "channels",                                 # features, concepts
         "sanity", "faithfulness", "bagnet",                                                # trust, by design
         "report", "demo", "layers", "samples", "models"]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one ``error:`` line and exit code 2."""

    def error(self, message: str):  # noqa: D401 (argparse API)
        sys.stderr.write(f"error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def build_parser() -> Parser:
    parser = Parser(prog="seethrough", description="See how a neural-network classifier reaches its decisions.")
    from .. import __version__
    parser.add_argument("--version", action="version", version=f"seethrough {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser)
    verbs.required = True
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    found = {m.NAME: m for m in modules if hasattr(m, "NAME")}
    for name in sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        verb = found[name]
        sub = verbs.add_parser(verb.NAME, help=verb.HELP, description=verb.HELP)
        verb.add_arguments(sub)
        sub.set_defaults(run=verb.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SeethroughError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except Exception as error:  # a bug or a failing user model: one line unless debugging
        if os.environ.get("SEETHROUGH_DEBUG"):
            raise
        sys.stderr.write(f"error: {error.__class__.__name__}: {error} (set SEETHROUGH_DEBUG=1 for the traceback)\n")
        return 1


def entry_point() -> None:
    raise SystemExit(main())
