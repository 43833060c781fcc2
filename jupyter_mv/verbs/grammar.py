"""The verbs' grammar: the arguments of each verb, one table for every face.

The ``jupyter mv`` command and the ``%mv`` magic build their parsers from :data:`VERBS`
with :func:`add_verbs`, so a verb takes the same arguments everywhere.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .output import EXIT_USAGE, printable

__all__ = ["Parser", "key_value", "parse_scalar", "VERBS", "add_verbs"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {printable(message)} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_USAGE)


def key_value(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    if not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), parse_scalar(raw)


def parse_scalar(raw: str) -> Any:
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
    p.add_argument("--metric", action="append", type=key_value, default=[], metavar="K=V")
    p.add_argument("--param", action="append", type=key_value, default=[], metavar="K=V")
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
    p.add_argument(
        "--where",
        metavar="FILTER",
        help="only versions that match: acc>0.9, tag:NAME, alias:NAME, author:NAME, message:TEXT, or words",
    )
    p.add_argument("--graph", action="store_true", help="draw the lineage: a restore then a snapshot branches")
    p.add_argument("--json", action="store_true")


def _verb_show(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref")
    p.add_argument("--json", action="store_true")


def _verb_tag(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref")
    p.add_argument("name")


def _verb_alias(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("name")
    p.add_argument(
        "ref", nargs="?", help="a version (v3) or a model version (churn:2); omit to show the alias's history"
    )
    p.add_argument("--json", action="store_true")


def _verb_models(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("name", nargs="?", metavar="NAME|NAME:N|NAME@ALIAS", help="one model (default: every model)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--alias", help=argparse.SUPPRESS)  # the old form: `alias NAME REF` now


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
    p.add_argument(
        "--json",
        action="store_true",
        help="the diff as compact JSON; large unchanged outputs written once (output_refs)",
    )
    p.add_argument("--full-outputs", action="store_true", help="with --json: copy unchanged outputs on both sides")
    p.add_argument(
        "--width",
        type=int,
        metavar="N",
        help="wrap lines at N characters (default: the terminal's width; 0: no wrapping)",
    )
    p.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the text (auto: on a terminal, unless NO_COLOR is set)",
    )
    p.add_argument("--no-pager", action="store_true")


def _verb_verify(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("--json", action="store_true")


def _verb_gc(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument(
        "--grace",
        type=_duration,
        default=24 * 3600.0,
        metavar="DURATION",
        help="keep unreferenced data younger than this (default 24h)",
    )
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--json", action="store_true")


def _verb_env(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref", nargs="?")
    if not in_notebook:
        p.add_argument(
            "--python", metavar="PATH", help="capture this interpreter instead (with --check: compare with it)"
        )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "-f",
        "--format",
        choices=["requirements", "environment-yml", "pylock"],
        help="write the environment as a file that rebuilds it",
    )
    what.add_argument(
        "--check",
        action="store_true",
        help="compare with the running " + ("kernel" if in_notebook else "interpreter") + "; exit 1 when they differ",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="with --format: write to FILE")
    p.add_argument("--json", action="store_true")


def _verb_export(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument("ref", nargs="?" if in_notebook else None, metavar="REF")
    to = p.add_mutually_exclusive_group(required=True)
    to.add_argument("--dockerfile", metavar="DIR", help="write a Dockerfile and build context into DIR")
    to.add_argument("--mlflow", metavar="URI", help="log the version as an MLflow run at this tracking URI")
    p.add_argument("--json", action="store_true")


def _verb_report(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument(
        "ref",
        nargs="?" if in_notebook else None,
        metavar="REF",
        help="a model (NAME, NAME:3, NAME@ALIAS), a file a notebook wrote, or a version",
    )
    p.add_argument(
        "-f",
        "--format",
        choices=["html", "markdown", "json", "prov-json"],
        help="default: from the -o file's suffix, else " + ("markdown" if in_notebook else "html"),
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of " + ("showing it" if in_notebook else "standard output"),
    )
    p.add_argument("--theme", choices=["auto", "light", "dark"], default="auto", help="colours of the HTML report")


def _verb_reproduce(p: argparse.ArgumentParser, in_notebook: bool) -> None:
    p.add_argument(
        "ref", nargs="?" if in_notebook else None, metavar="REF", help="a model, a file a notebook wrote, or a version"
    )
    p.add_argument("--kernel", metavar="NAME", help="run with this kernel (default: the notebook's, else python3)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="longest one cell may run")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder the notebook ran in")
    p.add_argument(
        "--rtol", type=float, default=1e-6, metavar="R", help="numbers this close (relatively) match (default 1e-6)"
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="REGEX",
        help="also ignore text matching REGEX (beside timings, addresses, progress bars, dates)",
    )
    p.add_argument(
        "--image-threshold",
        type=float,
        default=0.01,
        metavar="F",
        help="images whose mean pixel difference is at most F of full scale match (default 0.01)",
    )
    p.add_argument(
        "--against",
        choices=["kernel", "requirements"],
        default="kernel",
        help="requirements: rebuild the version's environment in a fresh virtual environment and run there",
    )
    p.add_argument(
        "--wheel-cache", metavar="DIR", help="with --against requirements: install offline from the wheels in DIR"
    )
    p.add_argument(
        "--keep-env",
        metavar="DIR",
        help="with --against requirements: keep the rebuilt environment in DIR and use it again for the same pins",
    )
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
    "alias": ("point a movable name (such as production) at a version or a model version", _verb_alias),
    "models": ("list models with their versions, aliases and metrics", _verb_models),
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
