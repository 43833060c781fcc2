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
    from ..provenance import render_reproduce, reproduce

    result = reproduce(
        open_store(args),
        args.ref or "latest",
        notebook=scope(args),
        kernel_name=args.kernel,
        timeout=args.timeout,
        keep=args.keep,
        progress=tqdm_progress(min_total=1),
    )
    if args.json:
        out.json(result)
    else:
        sys.stdout.write(render_reproduce(result, color=out.color))
    return 0 if result["status"] == "identical" else EXIT_ERROR
