"""The verbs of provenance: report and reproduce."""

from __future__ import annotations

import argparse
import sys

from ..progress import tqdm_progress
from ..units import human_size as _size
from .context import open_store, scope
from .output import EXIT_ERROR, Out

__all__ = ["cmd_report", "cmd_reproduce"]


def cmd_report(args: argparse.Namespace, out: Out) -> int:
    from ..provenance import build_report, render, report_format

    store = open_store(args)
    fmt = report_format(args.format, args.output, default="markdown" if scope(args) else "html")
    text = render(build_report(store, args.ref or "latest", notebook=scope(args)), fmt, theme=args.theme)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output} ({fmt}, {_size(len(text.encode()))})")
    else:
        sys.stdout.write(text)
    return 0


def cmd_reproduce(args: argparse.Namespace, out: Out) -> int:
    import re

    from ..errors import InvalidInput
    from ..provenance import render_reproduce, reproduce
    from ..provenance.normalize import Rules

    for pattern in args.ignore:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InvalidInput(f"--ignore {pattern!r} is not a regular expression: {exc}") from None
    if args.rtol < 0 or args.image_threshold < 0:
        raise InvalidInput("--rtol and --image-threshold are at least 0")
    store = open_store(args)
    python = None
    rebuilt = None
    if args.against == "requirements":
        from ..integrations.rebuild import rebuild_environment

        rebuilt = rebuild_environment(
            store,
            args.ref or "latest",
            notebook=scope(args),
            wheel_cache=args.wheel_cache,
            keep_in=args.keep_env,
            progress=sys.stderr,
        )
        python = rebuilt.python
    elif args.wheel_cache or args.keep_env:
        raise InvalidInput("--wheel-cache and --keep-env go with --against requirements")
    try:
        result = reproduce(
            store,
            args.ref or "latest",
            notebook=scope(args),
            kernel_name=args.kernel,
            timeout=args.timeout,
            keep=args.keep,
            rules=Rules(rtol=args.rtol, ignore=tuple(args.ignore), image_threshold=args.image_threshold),
            python=python,
            progress=tqdm_progress(min_total=1),
        )
    finally:
        if rebuilt is not None and not args.keep:
            rebuilt.remove()
    if args.json:
        out.json(result)
    else:
        sys.stdout.write(render_reproduce(result, color=out.color))
    return 0 if result["status"] == "reproduced" else EXIT_ERROR
