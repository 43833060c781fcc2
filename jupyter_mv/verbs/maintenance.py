"""The verbs that keep a store sound: verify and gc."""

from __future__ import annotations

import argparse
import sys

from ..progress import tqdm_progress
from ..units import human_size as _size
from .context import open_store
from .output import EXIT_ERROR, Out

__all__ = ["cmd_verify", "cmd_gc"]


def cmd_verify(args: argparse.Namespace, out: Out) -> int:
    report = open_store(args).verify(progress=tqdm_progress())
    if args.json:
        out.json(report.to_dict())
        return 0 if report.ok else EXIT_ERROR
    if report.ok:
        print(f"ok: {report.chunks} chunks ({_size(report.bytes)}) verified, database ok")
        return 0
    print(out.style("damaged store", "1;31"), file=sys.stderr)
    if report.database != "ok":
        print(f"  database: {report.database}", file=sys.stderr)
    for c in report.damaged_chunks:
        print(f"  chunk {c['chunk'][:16]} in pack {c['pack']}: {c['error']}", file=sys.stderr)
    for o in report.damaged_objects:
        print(f"  object {o['object'][:16]} ({', '.join(o.get('files', [])) or 'no version'})", file=sys.stderr)
    for v in report.affected_versions:
        print(
            f"  affected version {v['notebook']}@{v['name']} {v['id'][:12]}: {', '.join(v['paths'])}", file=sys.stderr
        )
    return EXIT_ERROR


def cmd_gc(args: argparse.Namespace, out: Out) -> int:
    report = open_store(args).gc(grace_seconds=args.grace, dry_run=args.dry_run, progress=tqdm_progress())
    if args.json:
        out.json(report.to_dict())
        return 0
    verb = "would free" if report.dry_run else "freed"
    print(
        f"{verb} {_size(report.bytes_freed)}: {report.objects_removed} files, {report.chunks_removed} chunks, "
        f"{report.packs_removed} packs removed, {report.packs_rewritten} rewritten, "
        f"{report.temp_files_removed} temporary files"
    )
    return 0
