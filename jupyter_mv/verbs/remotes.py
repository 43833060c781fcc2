"""The verbs of remotes: remote (add, list, remove), push and pull."""

from __future__ import annotations

import argparse
import sys

from ..progress import tqdm_progress
from ..units import human_size as _size
from .context import open_store
from .output import Out, printable

__all__ = ["cmd_remote", "cmd_push", "cmd_pull"]


def cmd_remote(args: argparse.Namespace, out: Out) -> int:
    store = open_store(args)
    if args.remote_command == "add":
        from ..remote import add_remote

        added = add_remote(store, args.name, args.url)
        print(f"added remote {added['name']} {added['url']}")
    elif args.remote_command == "remove":
        store.remotes.remove(args.name)
        print(f"removed remote {args.name}")
    else:
        remotes = store.remotes.list()
        if args.json:
            out.json(remotes)
        elif not remotes:
            print("no remotes yet: `jupyter mv remote add NAME URL` adds one")
        for r in remotes if not args.json else []:
            print(f"{r['name']}  {r['url']}" + ("  (default)" if r["default"] else ""))
    return 0


def cmd_push(args: argparse.Namespace, out: Out) -> int:
    from ..remote import push

    result = push(
        open_store(args), args.remote, args.refs or None, force=args.force, progress=tqdm_progress(min_total=1)
    )
    if args.json:
        out.json(result)
        return 0
    print(
        f"pushed {result['versions']} version{'s' if result['versions'] != 1 else ''} and {result['packs']} "
        f"pack{'s' if result['packs'] != 1 else ''} ({_size(result['bytes'])}) to {result['remote']}"
        + (f"; {result['skipped']} already there" if result["skipped"] else "")
    )
    return 0


def cmd_pull(args: argparse.Namespace, out: Out) -> int:
    from ..remote import pull

    result = pull(
        open_store(args), args.remote, args.notebooks or None, all=args.all, progress=tqdm_progress(min_total=1)
    )
    if args.json:
        out.json(result)
        return 0
    print(
        f"pulled {result['versions']} version{'s' if result['versions'] != 1 else ''} from {result['remote']}"
        + (f", fetched {result['packs']} pack{'s' if result['packs'] != 1 else ''}" if args.all else "")
        + f" ({_size(result['bytes'])})"
    )
    for conflict in result.get("conflicts", []):
        print(f"warning: {printable(conflict)}", file=sys.stderr)
    return 0
