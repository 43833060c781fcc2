"""``jupyter mv``: the version store's verbs for terminals, scripts and CI.

Every command is a thin adapter over :class:`jupyter_mv.store.Store`. Errors
print one line on stderr and exit non-zero; ``--json`` on read verbs prints
machine-readable output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .errors import InvalidInput, MVError
from .progress import tqdm_progress
from .units import human_size as _size

__all__ = ["main", "build_parser", "add_verbs", "VERBS"]

EXIT_ERROR = 1
EXIT_USAGE = 2


def _printable(text: str) -> str:
    """``text`` with newlines and other control characters escaped, so that an error
    naming a user's path or ref stays on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {_printable(message)} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_USAGE)


def _key_value(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    if not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), _parse_scalar(raw)


def _parse_scalar(raw: str) -> Any:
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _duration(text: str) -> float:
    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"expected a duration such as 0, 90s, 30m, 12h or 7d; got {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def _verb_init(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("directory", nargs="?", default=".")


def _verb_snapshot(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    if not in_notebook:
        p.add_argument("notebook")
    p.add_argument("files", nargs="*", metavar="FILE", help="further files or folders to hold")
    p.add_argument("-m", "--message", default="")
    p.add_argument("--metric", action="append", type=_key_value, default=[], metavar="K=V")
    p.add_argument("--param", action="append", type=_key_value, default=[], metavar="K=V")
    p.add_argument("--input", action="append", default=[], metavar="FILE", help="a file the notebook read")
    p.add_argument("--output", action="append", default=[], metavar="FILE", help="a file it wrote (a model)")
    env = p.add_mutually_exclusive_group()
    if not in_notebook:
        env.add_argument("--python", metavar="PATH", help="record this interpreter's environment")
    env.add_argument("--no-env", action="store_true", help="record no environment")
    p.add_argument("--json", action="store_true")


def _verb_log(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("notebook", nargs="?")
    p.add_argument("-n", "--limit", type=int, default=None)
    p.add_argument("--all", action="store_true", help="include safety and save-history versions")
    p.add_argument("--git", action="store_true", help="show the versions beside the git commits between them")
    p.add_argument("--json", action="store_true")


def _verb_show(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref")
    p.add_argument("--json", action="store_true")


def _verb_tag(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref")
    p.add_argument("name")


def _verb_alias(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("name")
    p.add_argument("ref", nargs="?", help="omit to show the alias's history")
    p.add_argument("--json", action="store_true")


def _verb_restore(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--to", metavar="DIR", help="write under DIR instead of in place")
    p.add_argument("--force", action="store_true", help="overwrite different files outside the project")
    p.add_argument("--json", action="store_true")


def _verb_diff(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("a")
    p.add_argument("b", nargs="?")
    p.add_argument("--only", choices=["notebook", "env", "data", "metrics"], action="append")
    p.add_argument("--metadata", action="store_true", help="also show execution counts and metadata")
    p.add_argument("--json", action="store_true",
                   help="the diff as compact JSON; large unchanged outputs written once (output_refs)")
    p.add_argument("--full-outputs", action="store_true", help="with --json: copy unchanged outputs on both sides")
    p.add_argument("--width", type=int, metavar="N",
                   help="wrap lines at N characters (default: the terminal's width; 0: no wrapping)")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="colour the text (auto: on a terminal, unless NO_COLOR is set)")
    p.add_argument("--no-pager", action="store_true")


def _verb_verify(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("--json", action="store_true")


def _verb_gc(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("--grace", type=_duration, default=24 * 3600.0, metavar="DURATION",
                   help="keep unreferenced data younger than this (default 24h)")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--json", action="store_true")


def _verb_env(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref", nargs="?")
    if not in_notebook:
        p.add_argument("--python", metavar="PATH",
                       help="capture this interpreter instead (with --check: compare with it)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("-f", "--format", choices=["requirements", "environment-yml", "pylock"],
                      help="write the environment as a file that rebuilds it")
    what.add_argument("--check", action="store_true",
                      help="compare with the running " + ("kernel" if in_notebook else "interpreter")
                      + "; exit 1 when they differ")
    p.add_argument("-o", "--output", metavar="FILE", help="with --format: write to FILE")
    p.add_argument("--json", action="store_true")


def _verb_export(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref", nargs="?" if in_notebook else None, metavar="REF")
    to = p.add_mutually_exclusive_group(required=True)
    to.add_argument("--dockerfile", metavar="DIR", help="write a Dockerfile and build context into DIR")
    to.add_argument("--mlflow", metavar="URI", help="log the version as an MLflow run at this tracking URI")
    p.add_argument("--json", action="store_true")


def _verb_report(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref", nargs="?" if in_notebook else None, metavar="REF",
                   help="a model (NAME, NAME:3, NAME@ALIAS), a file a notebook wrote, or a version")
    p.add_argument("-f", "--format", choices=["html", "markdown", "json", "prov-json"],
                   help="default: from the -o file's suffix, else " + ("markdown" if in_notebook else "html"))
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of " +
                   ("showing it" if in_notebook else "standard output"))
    p.add_argument("--theme", choices=["auto", "light", "dark"], default="auto", help="colours of the HTML report")


def _verb_reproduce(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref", nargs="?" if in_notebook else None, metavar="REF",
                   help="a model, a file a notebook wrote, or a version")
    p.add_argument("--kernel", metavar="NAME", help="run with this kernel (default: the notebook's, else python3)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="longest one cell may run")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder the notebook ran in")
    p.add_argument("--json", action="store_true")


def _verb_remote(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    sub = p.add_subparsers(dest="remote_command", metavar="add|list|remove", parser_class=type(p))
    sub.required = True
    add = sub.add_parser("add", help="remember a remote: s3://bucket/prefix, sftp://host/path or a folder")
    add.add_argument("name")
    add.add_argument("url")
    show = sub.add_parser("list", help="list the remotes (the first is the default)")
    show.add_argument("--json", action="store_true")
    remove = sub.add_parser("remove", help="forget a remote")
    remove.add_argument("name")


def _verb_push(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("remote", nargs="?", help="default: the first remote added")
    p.add_argument("refs", nargs="*", metavar="REF", help="versions, tags or aliases to push (default: all)")
    p.add_argument("--force", action="store_true", help="move an alias that the remote moved since the last pull")
    p.add_argument("--json", action="store_true")


def _verb_pull(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("remote", nargs="?", help="default: the first remote added")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="only these notebooks' versions")
    p.add_argument("--all", action="store_true", help="fetch every pack now, not when a read needs it")
    p.add_argument("--json", action="store_true")


#: Every verb: its one-line help and the function that adds its arguments. Other faces
#: (the ``%mv`` magic) build their verbs from the same table, so the grammar is one.
VERBS: dict[str, tuple[str, Callable[[argparse.ArgumentParser, bool], None]]] = {
    "init": ("create a version store in a project folder", _verb_init),
    "snapshot": ("store a version of a notebook and its files", _verb_snapshot),
    "log": ("list versions, newest first", _verb_log),
    "show": ("show one version", _verb_show),
    "tag": ("give a version an immutable name", _verb_tag),
    "alias": ("point a movable name (such as production) at a version", _verb_alias),
    "restore": ("write a version's files back, byte for byte", _verb_restore),
    "diff": ("compare two versions, or a version with the files on disk", _verb_diff),
    "verify": ("re-hash every stored chunk and name what is damaged", _verb_verify),
    "gc": ("drop what no version references", _verb_gc),
    "env": ("show a version's environment, write it as a file, or check it against this one", _verb_env),
    "export": ("export a version as a Docker build context or an MLflow run", _verb_export),
    "report": ("a provenance report of a model, a file a notebook wrote, or a version", _verb_report),
    "reproduce": ("run a version's notebook again in a fresh kernel and compare", _verb_reproduce),
    "remote": ("add, list or remove remotes (S3, SFTP, a shared folder)", _verb_remote),
    "push": ("send versions, their packs, tags and aliases to a remote", _verb_push),
    "pull": ("bring in a remote's versions (their bytes when a read needs them, or --all)", _verb_pull),
}


def add_verbs(sub: Any, names: Sequence[str] | None = None, *, in_notebook: bool = False) -> None:
    """Add the subparsers of ``names`` (default: every verb) to ``sub``.

    :param in_notebook: the notebook is known (the ``%mv`` magic): ``snapshot`` takes no
        notebook argument and records the running interpreter.
    """
    for name in names or VERBS:
        help_text, add_arguments = VERBS[name]
        add_arguments(sub.add_parser(name, help=help_text), in_notebook)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jupyter mv", description="Model versioning for Jupyter notebooks.")
    parser.add_argument("-C", dest="cwd", metavar="DIR", help="run as if started in DIR")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    add_verbs(sub)
    return parser


# -- output helpers -----------------------------------------------------------------------------


class _Out:
    def __init__(self) -> None:
        self.color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def json(self, data: Any) -> None:
        """``data`` as JSON in UTF-8, whatever the locale says, and valid UTF-8 always."""
        text = _utf8_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text stream another face gave (the %mv magic's capture)
            sys.stdout.write(text)
            return
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_safe(text: str) -> str:
    """``text`` (JSON) with each lone surrogate, which UTF-8 cannot encode, spelled out: a
    byte of a file name that is not UTF-8 (Python's surrogate escape, ``os.fsdecode``) as a
    backslash, ``x`` and its two hex digits, any other as a backslash, ``u`` and four."""

    def spelled(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\\\u{code:04x}"

    return _SURROGATE.sub(spelled, text)


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def _one_line(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _metrics_text(metrics: dict[str, Any], limit: int = 3) -> str:
    parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in list(metrics.items())[:limit]]
    return " ".join(parts)


def _names(v: Any, out: _Out) -> str:
    names = [*v.tags, *(f"@{a}" for a in v.aliases)]
    return out.style(f"({', '.join(names)})", "33") if names else ""


# -- commands -------------------------------------------------------------------------------------


def _open_store(args: argparse.Namespace, start: str | None = None) -> Any:
    """The store to act on: one another face opened (``args.store``), else found from ``start``."""
    store = getattr(args, "store", None)
    if store is not None:
        return store
    from . import remote  # noqa: F401  (registers the fetch of packs a lazy pull left on a remote)
    from .store import Store

    opened = Store.open(start or ".")
    owner = opened.owner()
    if owner is not None:
        print(f"warning: the version store {opened.dir} belongs to another user ({owner}); "
              "what you do here is written into their store", file=sys.stderr)
    return opened


def _scope(args: argparse.Namespace) -> str | None:
    """The notebook that ``vN`` and ``latest`` refer to, when another face knows it."""
    return getattr(args, "scope", None)


def cmd_init(args: argparse.Namespace, out: _Out) -> int:
    from .store import Store, find_store_dir

    existing = find_store_dir(args.directory)
    store = Store.init(args.directory)
    state = "Reinitialized existing" if existing == store.dir else "Initialized empty"
    print(f"{state} jupyter-mv store in {store.dir}")
    return 0


def cmd_snapshot(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args, args.notebook)
    if args.no_env:
        environment = None
    elif args.python:
        environment = args.python
    else:
        environment = _kernel_python(args.notebook) or "auto"
    version = store.snapshot(
        args.notebook, args.files, message=args.message, metrics=dict(args.metric), params=dict(args.param),
        inputs=args.input, outputs=args.output, environment=environment, git="auto",
        progress=tqdm_progress(),
    )
    for warning in version.warnings:
        print(f"warning: {_printable(warning)}", file=sys.stderr)
    if args.json:
        out.json(version.to_dict())
        return 0
    total = sum(f.size for f in version.files)
    print(f"{out.style(version.name, '1;32')} {version.short_id}  {version.notebook}  "
          f"{len(version.files)} file{'s' if len(version.files) != 1 else ''}, {_size(total)}"
          + (f"  {_one_line(version.message)}" if version.message else ""))
    return 0


def _kernel_python(notebook: str) -> str | None:
    """The interpreter the notebook's kernelspec runs, when it can be found."""
    from .diff.reader import kernel_name

    warnings: list[str] = []
    name = kernel_name(notebook, warnings)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not name:
        return None
    from .capture.environment import kernelspec_python

    python = kernelspec_python(name)
    return python if python and os.path.abspath(python) != os.path.abspath(sys.executable) else None


def cmd_log(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args, args.notebook)
    kinds = None if args.all else ["full"]
    versions = store.log(args.notebook, limit=args.limit, kinds=kinds)
    if args.git:
        return _log_git(args, out, store, versions)
    if args.json:
        out.json([v.to_dict() for v in versions])
        return 0
    if not versions:
        print("no versions yet: `jupyter mv snapshot NOTEBOOK` makes the first")
        return 0
    show_nb = args.notebook is None and len({v.notebook for v in versions}) > 1
    for v in versions:
        cols = [out.style(f"{v.name:>4}", "1;32"), out.style(v.short_id, "2"), _when(v.created), v.author]
        if show_nb:
            cols.append(out.style(v.notebook, "36"))
        if v.kind != "full":
            cols.append(out.style(f"[{v.kind}]", "35"))
        if v.message:
            cols.append(_one_line(v.message))
        if names := _names(v, out):
            cols.append(names)
        if v.metrics:
            cols.append(out.style(_metrics_text(v.metrics), "34"))
        print("  ".join(cols))
    return 0


def _log_git(args: argparse.Namespace, out: _Out, store: Any, versions: list[Any]) -> int:
    from .integrations.gitlog import git_timeline

    timeline = git_timeline(store, versions)
    if args.json:
        out.json(timeline)
        return 0
    show_nb = args.notebook is None and len({v.notebook for v in versions}) > 1
    for e in timeline:
        if e["type"] == "commit":
            refs = out.style(f" ({', '.join(e['refs'])})", "33") if e["refs"] else ""
            print(f"{out.style('*', '33')} {out.style(e['commit'][:10], '33')}  {_when(e['time'])}  {e['author']}  "
                  f"{_one_line(e['subject'])}{refs}")
            continue
        cols = ["  " + out.style(f"{e['name']:>4}", "1;32"), out.style(e["id"][:12], "2"), _when(e["time"])]
        if show_nb:
            cols.append(out.style(e["notebook"], "36"))
        if e["message"]:
            cols.append(_one_line(e["message"], 40))
        git = e["git"]
        if git is None:
            cols.append(out.style("(no git state recorded)", "2"))
        else:
            where = f"on {str(git['commit'])[:10]}" if git["commit"] else "before the first commit"
            if git["branch"]:
                where += f" ({git['branch']})"
            if git["dirty"]:
                where += out.style(f" +{git['dirty_count']} uncommitted", "31")
            if git["commit"] and not git["in_history"]:
                where += out.style(" (commit no longer in the history)", "35")
            cols.append(where)
        print("  ".join(cols))
    if not timeline:
        print("no versions and no commits yet")
    return 0


def cmd_show(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args)
    v = store.resolve(args.ref, _scope(args))
    if args.json:
        data = v.to_dict()
        data["environment_data"] = store.environment(v)
        out.json(data)
        return 0
    print(f"{out.style(v.label, '1;32')}  {v.id}")
    rows = [("created", f"{_when(v.created)} by {v.author}"), ("kind", v.kind)]
    if v.parent:
        try:
            parent = store.get(v.parent)
            rows.append(("parent", f"{parent.name} {parent.short_id}"))
        except MVError:
            rows.append(("parent", v.parent[:12]))
    if v.message:
        rows.append(("message", v.message))
    if v.tags:
        rows.append(("tags", ", ".join(v.tags)))
    if v.aliases:
        rows.append(("aliases", ", ".join(v.aliases)))
    env = store.environment(v)
    if env:
        from .capture.environment import environment_summary

        rows.append(("environment", environment_summary(env)))
    if v.git:
        dirty = f", {len(v.git.get('dirty_files') or [])} uncommitted" if v.git.get("dirty") else ""
        rows.append(("git", f"{str(v.git.get('commit'))[:12]} on {v.git.get('branch')}{dirty}"))
    for key, values in (("metrics", v.metrics), ("params", v.params)):
        if values:
            rows.append((key, ", ".join(f"{k}={val}" for k, val in values.items())))
    for key, value in rows:
        print(f"  {key + ':':<13}{value}")
    print(f"  {'files:':<13}")
    for f in v.files:
        note = "" if f.stored else out.style("  (hash only)", "33")
        print(f"    {f.role:<9} {_size(f.size):>10}  {f.hash[:12]}  {f.path}{note}")
        if f.dvc:
            from .capture.dvc import dvc_check, dvc_text

            print(f"    {'':<9} {'':>10}  {out.style(dvc_text(dvc_check(store.path_of(f.path), f.dvc)), '36')}")
    return 0


def cmd_tag(args: argparse.Namespace, out: _Out) -> int:
    v = _open_store(args).tag(args.ref, args.name, notebook=_scope(args))
    print(f"tagged {v.label} ({v.short_id}) as {args.name}")
    return 0


def cmd_alias(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args)
    if args.ref is None:
        history = store.alias_history(args.name)
        if args.json:
            out.json(history)
            return 0
        for i, h in enumerate(history):
            v = store.get(h["version"])
            mark = "->" if i == 0 else "  "
            print(f"{mark} {v.label} {v.short_id}  set {h['set_at']}")
        return 0
    v = store.alias(args.name, args.ref, notebook=_scope(args))
    print(f"{args.name} -> {v.label} ({v.short_id})")
    return 0


def cmd_restore(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args)
    result = store.restore(args.ref, args.paths or None, to=args.to, force=args.force, notebook=_scope(args),
                           progress=tqdm_progress())
    if args.json:
        out.json(result.to_dict())
        return 0
    v = result.version
    if result.safety is not None:
        print(f"kept the current files as {result.safety.label} ({result.safety.short_id})")
    print(f"restored {len(result.written)} file{'s' if len(result.written) != 1 else ''} from {v.label}"
          + (f" into {args.to}" if args.to else "")
          + (f"; {len(result.unchanged)} already identical" if result.unchanged else ""))
    for path in result.written:
        print(f"  {path}")
    for path in result.skipped:
        print(f"  skipped {path}: recorded by hash only", file=sys.stderr)
    return 0


def cmd_diff(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args)
    only = set(args.only) if args.only else None
    result = store.diff(args.a, args.b, notebook=_scope(args), only=only, include_metadata=args.metadata)
    if args.json:
        if not args.full_outputs:
            from .diff import refer_outputs

            refer_outputs(result)
        json.dump(result, sys.stdout, separators=(",", ":"), ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return 0
    from .diff import render_text

    color = out.color if args.color == "auto" else args.color == "always"
    # without colour, changed words are marked [-old-] {+new+} when NO_COLOR or --color never asks for it
    marks = bool(os.environ.get("NO_COLOR")) or args.color == "never"
    text = render_text(result, color=color, width=args.width, marks=marks)
    _page(text, enabled=color and sys.stdout.isatty() and not args.no_pager)
    return 0


def _page(text: str, *, enabled: bool) -> None:
    import shutil

    lines = text.count("\n") + 1
    if enabled and lines > shutil.get_terminal_size().lines:
        import pydoc

        os.environ.setdefault("LESS", "-R")
        pydoc.pager(text)
    else:
        print(text)


def cmd_verify(args: argparse.Namespace, out: _Out) -> int:
    report = _open_store(args).verify(progress=tqdm_progress())
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
        print(f"  affected version {v['notebook']}@{v['name']} {v['id'][:12]}: {', '.join(v['paths'])}",
              file=sys.stderr)
    return EXIT_ERROR


def cmd_gc(args: argparse.Namespace, out: _Out) -> int:
    report = _open_store(args).gc(grace_seconds=args.grace, dry_run=args.dry_run, progress=tqdm_progress())
    if args.json:
        out.json(report.to_dict())
        return 0
    verb = "would free" if report.dry_run else "freed"
    print(f"{verb} {_size(report.bytes_freed)}: {report.objects_removed} files, {report.chunks_removed} chunks, "
          f"{report.packs_removed} packs removed, {report.packs_rewritten} rewritten, "
          f"{report.temp_files_removed} temporary files")
    return 0


def cmd_env(args: argparse.Namespace, out: _Out) -> int:
    from .capture.environment import capture_environment, environment_summary

    python = getattr(args, "python", None)
    if args.output and not args.format:
        raise InvalidInput("-o/--output goes with --format")
    version = None
    if args.ref:
        store = _open_store(args)
        version = store.resolve(args.ref, _scope(args))
        env = store.environment(version)
        if env is None:
            raise InvalidInput(f"{version.label} recorded no environment")
    elif args.check:
        raise InvalidInput("--check needs the version to compare with: `env REF --check`")
    else:
        env = capture_environment(python)
    if args.format:
        return _write_env_file(args, env, version)
    if args.check:
        return _check_env(args, out, env, version, python)
    if args.json:
        out.json(env)
        return 0
    print(environment_summary(env))
    for pkg in env.get("packages", []):
        origin = pkg.get("origin") or {}
        extra = "" if origin.get("kind", "index") == "index" else f"  ({origin.get('kind')}: {origin.get('url', '')})"
        print(f"  {pkg['name']}=={pkg['version']}{extra}")
    return 0


def _write_env_file(args: argparse.Namespace, env: dict[str, Any], version: Any) -> int:
    from .integrations.envfiles import environment_file, pins

    text = environment_file(env, args.format, version=version)
    if not args.output:
        sys.stdout.write(text)
        return 0
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    found = pins(env)
    local = [p.name for p in found if not p.resolvable]
    print(f"wrote {args.output} ({args.format}, {len(found) - len(local)} packages pinned"
          + (f"; not installable from it: {', '.join(local)}" if local else "") + ")")
    return 0


def _check_env(args: argparse.Namespace, out: _Out, env: dict[str, Any], version: Any, python: str | None) -> int:
    from .capture.environment import capture_environment
    from .integrations.envfiles import check_environment

    if python is None and not getattr(args, "in_kernel", False):
        store = _open_store(args)
        python = _kernel_python(str(store.path_of(version.notebook)))
    current = capture_environment(python)
    result = check_environment(env, current)
    result["version"] = version.label
    result["python_executable"] = (current.get("python") or {}).get("executable")
    if args.json:
        out.json(result)
        return 0 if result["same"] else EXIT_ERROR
    against = "this kernel" if getattr(args, "in_kernel", False) else result["python_executable"]
    if result["same"]:
        py = env.get("python") or {}
        print(f"{against} matches {version.label}: {py.get('implementation')} {py.get('version')}, "
              f"{result['unchanged']} packages")
        return 0
    n = len(result["lines"])
    print(f"{version.label} and {against} differ ({n} difference{'s' if n != 1 else ''}):")
    for line in result["lines"]:
        print("  " + line)
    return EXIT_ERROR


def cmd_export(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args)
    ref = args.ref or "latest"
    if args.mlflow:
        from .integrations import mlflow_exporter

        result = mlflow_exporter()(store, ref, args.mlflow, notebook=_scope(args), progress=tqdm_progress())
        if args.json:
            out.json(result)
        else:
            run = result.get("run_id") or result.get("run") or ""
            verb = "logged" if result.get("created", True) else "already logged"
            print(f"{verb} {result.get('label') or ref} to MLflow at {args.mlflow}" + (f" as run {run}" if run else ""))
        return 0
    from .integrations.docker import export_dockerfile

    result = export_dockerfile(store, ref, args.dockerfile, notebook=_scope(args), progress=tqdm_progress())
    if args.json:
        out.json(result)
        return 0
    print(f"wrote a Docker build context for {result['label']} into {args.dockerfile} "
          f"({result['image']}, {len(result['files'])} files)")
    for warning in result["warnings"]:
        print(f"  warning: {warning}", file=sys.stderr)
    print(f"build and run it: docker build -t IMAGE {args.dockerfile} && docker run --rm IMAGE")
    return 0


def cmd_report(args: argparse.Namespace, out: _Out) -> int:
    from .provenance import build_report, render, report_format

    store = _open_store(args)
    fmt = report_format(args.format, args.output, default="markdown" if _scope(args) else "html")
    text = render(build_report(store, args.ref or "latest", notebook=_scope(args)), fmt, theme=args.theme)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output} ({fmt}, {_size(len(text.encode()))})")
    else:
        sys.stdout.write(text)
    return 0


def cmd_reproduce(args: argparse.Namespace, out: _Out) -> int:
    from .provenance import render_reproduce, reproduce

    result = reproduce(_open_store(args), args.ref or "latest", notebook=_scope(args), kernel_name=args.kernel,
                       timeout=args.timeout, keep=args.keep, progress=tqdm_progress(min_total=1))
    if args.json:
        out.json(result)
    else:
        sys.stdout.write(render_reproduce(result, color=out.color))
    return 0 if result["status"] == "identical" else EXIT_ERROR


def cmd_remote(args: argparse.Namespace, out: _Out) -> int:
    store = _open_store(args)
    if args.remote_command == "add":
        from .remote import add_remote

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


def cmd_push(args: argparse.Namespace, out: _Out) -> int:
    from .remote import push

    result = push(_open_store(args), args.remote, args.refs or None, force=args.force,
                  progress=tqdm_progress(min_total=1))
    if args.json:
        out.json(result)
        return 0
    print(f"pushed {result['versions']} version{'s' if result['versions'] != 1 else ''} and {result['packs']} "
          f"pack{'s' if result['packs'] != 1 else ''} ({_size(result['bytes'])}) to {result['remote']}"
          + (f"; {result['skipped']} already there" if result["skipped"] else ""))
    return 0


def cmd_pull(args: argparse.Namespace, out: _Out) -> int:
    from .remote import pull

    result = pull(_open_store(args), args.remote, args.notebooks or None, all=args.all,
                  progress=tqdm_progress(min_total=1))
    if args.json:
        out.json(result)
        return 0
    print(f"pulled {result['versions']} version{'s' if result['versions'] != 1 else ''} from {result['remote']}"
          + (f", fetched {result['packs']} pack{'s' if result['packs'] != 1 else ''}" if args.all else "")
          + f" ({_size(result['bytes'])})")
    for conflict in result.get("conflicts", []):
        print(f"warning: {_printable(conflict)}", file=sys.stderr)
    return 0


COMMANDS = {
    "init": cmd_init, "snapshot": cmd_snapshot, "log": cmd_log, "show": cmd_show, "tag": cmd_tag,
    "alias": cmd_alias, "restore": cmd_restore, "diff": cmd_diff, "verify": cmd_verify, "gc": cmd_gc,
    "env": cmd_env, "export": cmd_export, "report": cmd_report, "reproduce": cmd_reproduce,
    "remote": cmd_remote, "push": cmd_push, "pull": cmd_pull,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__)
        return 0
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    out = _Out()
    try:
        if args.cwd:
            os.chdir(args.cwd)
        return COMMANDS[args.command](args, out)
    except MVError as exc:
        print(f"jupyter mv {args.command}: error: {_printable(exc.message)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"jupyter mv {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(_printable(f"jupyter mv {args.command}: error: {exc.strerror or exc}"
                         + (f": {exc.filename}" if getattr(exc, "filename", None) else "")), file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the one place an unexpected error is turned into one line
        if os.environ.get("JUPYTER_MV_DEBUG"):
            raise
        print(f"jupyter mv {args.command}: unexpected error: {type(exc).__name__}: {_printable(str(exc))} "
              "(set JUPYTER_MV_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
