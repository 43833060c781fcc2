"""``jupyter mv``: the version store's verbs for terminals, scripts and CI.

The entry point only: the argument list, the exit code and the one line an error
prints on stderr. The verbs themselves (their grammar, commands and output, shared
with the ``%mv`` magic) are :mod:`jupyter_mv.verbs`, thin adapters over the core;
``--json`` on read verbs prints machine-readable output.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .errors import MVError
from .verbs import COMMANDS, EXIT_ERROR, EXIT_USAGE, VERBS, Out, Parser, add_verbs, printable

__all__ = ["main", "build_parser", "add_verbs", "VERBS", "COMMANDS"]


def build_parser(verbs: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser, with the subparsers of ``verbs`` (default: all)."""
    parser = Parser(prog="jupyter mv", description="Model versioning for Jupyter notebooks.")
    parser.add_argument("-C", dest="cwd", metavar="DIR", help="run as if started in DIR")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    add_verbs(sub, verbs)
    return parser


def _verb_of(argv: Sequence[str]) -> str | None:
    """The verb ``argv`` names, when it names one after the global options; None for
    ``--help``, ``--version``, no verb or an unknown word (the whole parser answers those)."""
    words = iter(argv)
    for word in words:
        if word == "-C":
            next(words, None)
        elif not word.startswith("-C"):
            return word if word in VERBS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    verb = _verb_of(argv)
    # Only the verb asked for is built: the others' subparsers cost start-up time.
    parser = build_parser([verb] if verb else None)
    args = parser.parse_args(argv)
    if args.version:
        from ._version import __version__

        print(__version__)
        return 0
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    out = Out()
    try:
        if args.cwd:
            os.chdir(args.cwd)
        return COMMANDS[args.command](args, out)
    except MVError as exc:
        print(f"jupyter mv {args.command}: error: {printable(exc.message)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"jupyter mv {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(
            printable(
                f"jupyter mv {args.command}: error: {exc.strerror or exc}"
                + (f": {exc.filename}" if getattr(exc, "filename", None) else "")
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
    except Exception as exc:  # the one place an unexpected error is turned into one line
        if os.environ.get("JUPYTER_MV_DEBUG"):
            raise
        print(
            f"jupyter mv {args.command}: unexpected error: {type(exc).__name__}: {printable(str(exc))} "
            "(set JUPYTER_MV_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
