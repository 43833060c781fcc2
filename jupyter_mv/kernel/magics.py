"""``%mv``: the version store's verbs inside a notebook.

The verbs shared with the command line (``snapshot``, ``log``, ``show``, ``tag``,
``alias``, ``diff``, ``restore``, ``init``, ...) are parsed by the shared grammar
(:data:`jupyter_mv.verbs.VERBS`) and most are run by the shared commands
(:data:`jupyter_mv.verbs.COMMANDS`), with the kernel's store and notebook. The rest
are the kernel's own: models, metrics, params, tracking, the report and the panel. Every error is one line, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

from IPython.core.magic import Magics, line_magic, magics_class

from .. import verbs
from ..errors import InvalidInput, MVError
from ..units import human_size as _human_size
from .session import KernelSession, parse_size
from .usage import bare_usage_errors as _bare_usage_errors
from .usage import fail as _fail
from .usage import fail_all

__all__ = ["MVMagics", "build_parser", "HELP"]


#: The verbs whose arguments are ``name=EXPR`` pairs evaluated in the notebook, read without
#: the parser (an expression may hold spaces, brackets and quotes).
VALUE_VERBS = ("metric", "param")

HELP = """\
%mv VERB [ARGS]: version this notebook with its data, environment, models and metrics.

  snapshot [-m MSG] [FILE...]     store a version: the notebook (JupyterLab saves it first), the
                                  files its cells read (inputs) and wrote (outputs), tracked files,
                                  the environment, imported modules, metrics, params, the run order
  log [-n N] [--all] [--git]      this notebook's versions, newest first, with their metrics;
                                  --git: beside the git commits between them
  show REF                        one version (or model version): files, environment, metrics
  tag REF NAME                    an immutable name for a version
  alias NAME [REF]                a movable name (such as production) on a version (v3) or a model
                                  version (churn:2); without REF, where it pointed over time
  diff A [B]                      compare two versions, or a version with the files on disk;
                                  churn:1 churn:2: the models side by side, then their versions
  restore REF [PATH...] [--to DIR]  write a version's files back (a safety version first)
  save OBJ --name NAME [--alias A] [--snapshot]
                                  save a Python object as the next version of a model, linked to
                                  the next snapshot (--snapshot: make that snapshot now)
  load MODEL                      the object a model version holds: model = %mv load churn@production
  models [MODEL] [--json]         the models with their versions, aliases and metrics
  metric K=EXPR [K=EXPR...] [--step N]
                                  log metrics (numbers; EXPR is Python: acc, scores["f1"]) for the
                                  next version only; --step keeps a curve (no arguments: show them)
  param K=EXPR [K=EXPR...]        log params (any JSON value: depth=7, model="rf") for the next version
  track PATH...                   always hold these files or folders
  untrack PATH...                 never hold these files, even when the code read or wrote them
  report [REF] [-o FILE]          the provenance report of a model (churn@production), a file the
                                  notebook wrote, or a version: data, environment, cells, metrics
  reproduce [REF]                 run a version's notebook again in a fresh kernel and compare
  env [REF] [--check]             a version's environment; --check: what differs in this kernel
  env REF --format requirements|environment-yml|pylock [-o FILE]
                                  a file that rebuilds the version's environment
  export [REF] --dockerfile DIR   a Dockerfile and build context that rebuild and run the version
  export [REF] --mlflow URI       log the version as an MLflow run
  remote add NAME URL | list | remove NAME   remotes: s3://bucket/prefix, sftp://host/path, a folder
  push [REMOTE] [REF...] [--force]  send versions, their packs, tags and aliases to a remote
  pull [REMOTE] [NOTEBOOK...] [--all]  bring in a remote's versions (bytes on first read, or --all)
  panel                           an interactive panel: timeline, snapshot, tag, diff, restore
  notebook [PATH]                 show, or tell the kernel, which notebook it runs
  config [KEY=VALUE...]           settings: max_file_size (e.g. 2GB); capture=off stops noting
                                  the files cells open (capture=on again); save_timeout (seconds
                                  a snapshot waits for JupyterLab to save the notebook, 10)
  init [DIR]                      create a version store (default: here)
  help                            this text

REF is v3, latest, latest~1, a tag, an alias or a version id (prefix), or a MODEL: churn (its
latest version), churn:2 or churn@production (show, diff, report, reproduce, restore and export
act on the notebook version that made it). Files larger than
max_file_size are recorded by hash only. `.mvignore` (gitignore syntax) at the project root
leaves files out. The same operations exist in Python: `import jupyter_mv as mv; mv.snapshot()`.
"""

_SHARED = (
    "snapshot",
    "log",
    "show",
    "tag",
    "alias",
    "diff",
    "restore",
    "init",
    "report",
    "reproduce",
    "env",
    "export",
    "remote",
    "push",
    "pull",
    "models",
)


class _MagicParser(verbs.Parser):
    """Errors as one :class:`InvalidInput` line naming the verb."""

    def error(self, message: str) -> NoReturn:
        raise InvalidInput(f"{message} (see `%mv help`)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            raise InvalidInput(message.strip())
        raise _Done()


class _Done(Exception):
    """``-h`` printed its help: nothing more to do."""


def build_parser() -> argparse.ArgumentParser:
    parser = _MagicParser(prog="%mv", add_help=False)
    sub = parser.add_subparsers(dest="command", metavar="VERB", parser_class=_MagicParser)
    verbs.add_verbs(sub, _SHARED, in_notebook=True)
    p = sub.add_parser("save", help="save an object as the next version of a named model")
    p.add_argument("obj", metavar="OBJ", help="a name (or expression) in the notebook's namespace")
    p.add_argument("--name", required=True)
    p.add_argument("--alias", help="also point this alias (e.g. production) at the new version")
    p.add_argument("--flavor", help="pickle, joblib, torch, xgboost, lightgbm or keras (default: by the object)")
    p.add_argument("--metric", action="append", type=verbs.key_value, default=[], metavar="K=V")
    p.add_argument("--param", action="append", type=verbs.key_value, default=[], metavar="K=V")
    p.add_argument("--snapshot", action="store_true", help="store the notebook version that made it now")
    p.add_argument("--no-link", "--no-snapshot", action="store_true", help="link it to no notebook version")
    p = sub.add_parser("load", help="the object a model version holds")
    p.add_argument("ref", metavar="NAME[@ALIAS|:VERSION]")
    for verb in ("config",):
        p = sub.add_parser(verb, help=f"set {verb}s")
        p.add_argument("values", nargs="*", type=verbs.key_value, metavar="K=V")
    for verb in ("track", "untrack"):
        p = sub.add_parser(verb, help=f"{verb} files or folders")
        p.add_argument("paths", nargs="+", metavar="PATH")
    p = sub.add_parser("notebook", help="show or set the notebook this kernel runs")
    p.add_argument("path", nargs="?")
    sub.add_parser("panel", help="the interactive panel")
    sub.add_parser("help", help="help")
    return parser


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _line_magic(name: str) -> Callable[[_Method], _Method]:
    """IPython's ``line_magic(name)``, with the type it has (IPython's own annotation
    leaves the decorated method ``Never``)."""
    return cast("Callable[[_Method], _Method]", line_magic(name))


@magics_class
class MVMagics(Magics):
    """The ``%mv`` line magic over one :class:`KernelSession`."""

    def __init__(self, shell: Any, session: KernelSession) -> None:
        super().__init__(shell)
        self.session = session
        self.parser = build_parser()
        _bare_usage_errors(shell)

    @_line_magic("mv")
    def mv(self, line: str) -> Any:
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            return _fail("", f"cannot read the arguments: {exc}")
        if not argv or argv[0] in ("help", "-h", "--help"):
            print(HELP)
            return None
        verb = argv[0]
        if verb in VALUE_VERBS:
            return self._values(verb, line.strip()[len(verb) :])
        try:
            args = self.parser.parse_args(argv)
            with self.session.access.paused():  # jupyter-mv's own reads and writes are not the work's
                return getattr(self, f"_do_{args.command}")(args)
        except _Done:
            return None
        except MVError as exc:
            return _fail(verb, exc.message)
        except OSError as exc:
            return _fail(verb, f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        except KeyboardInterrupt:
            return _fail(verb, "interrupted")

    mv.__doc__ = HELP

    # -- verbs shared with the CLI (jupyter_mv.verbs) ----------------------------------------------------------------

    def _shared(self, args: argparse.Namespace) -> None:
        args.store = self.session.store
        args.scope = self.session.scope()
        if getattr(args, "notebook", "absent") is None:
            args.notebook = args.scope
        verbs.COMMANDS[args.command](args, verbs.Out())

    _do_log = _do_show = _do_tag = _do_alias = _do_restore = _do_reproduce = _do_export = _do_models = _shared
    _do_remote = _do_push = _do_pull = _shared

    def _do_env(self, args: argparse.Namespace) -> None:
        args.in_kernel = True  # --check compares with this kernel, captured here
        self._shared(args)

    def _do_init(self, args: argparse.Namespace) -> None:
        store = self.session.init(None if args.directory == "." else args.directory)
        print(f"jupyter-mv store in {store.dir}")

    def _do_snapshot(self, args: argparse.Namespace) -> None:
        version = self.session.snapshot(
            args.message,
            args.files,
            metrics=dict(args.metric),
            params=dict(args.param),
            inputs=args.input,
            outputs=args.output,
            environment=not args.no_env,
        )
        if args.json:
            print(json.dumps(version.to_dict(), indent=2, default=str))
            return
        roles: dict[str, int] = {}
        for f in version.files:
            roles[f.role] = roles.get(f.role, 0) + 1
        held = ", ".join(
            f"{n} {role}{'s' if n != 1 and role != 'notebook' else ''}"
            for role, n in roles.items()
            if role != "notebook"
        )
        print(
            f"{version.name} {version.short_id}  {version.notebook}"
            + (f"  {held}" if held else "")
            + (f"  {version.message}" if version.message else "")
        )

    def _do_diff(self, args: argparse.Namespace) -> None:
        from IPython.display import display

        from ..diff import render_html, render_text

        models = verbs.diff_models_command(self.session.store, args.a, args.b)
        if models is not None:
            from ..diff.models import render_models_html, render_models_text

            if args.json:
                print(json.dumps(models, indent=2, default=str))
                return
            versions = models["versions"]
            shown_html = render_models_html(models) + (render_html(versions) if versions else "")
            shown_text = render_models_text(models) + ("\n\n" + render_text(versions, color=False) if versions else "")
            display({"text/html": shown_html, "text/plain": shown_text}, raw=True)
            return
        result = self.session.store.diff(
            args.a,
            args.b,
            notebook=self.session.scope(),
            only=set(args.only) if args.only else None,
            include_metadata=args.metadata,
        )
        if args.json:
            print(json.dumps(result, indent=2, default=str))
            return
        display({"text/html": render_html(result), "text/plain": render_text(result, color=False)}, raw=True)

    # -- the kernel's own verbs -------------------------------------------------------------------

    def _do_save(self, args: argparse.Namespace) -> None:
        if self.shell is None:
            raise InvalidInput(f"cannot find {args.obj} in the notebook: no IPython shell")
        try:
            obj = self.shell.ev(args.obj)
        except Exception as exc:
            raise InvalidInput(f"cannot find {args.obj} in the notebook: {type(exc).__name__}: {exc}") from None
        model = self.session.save_model(
            obj,
            args.name,
            alias=args.alias,
            flavor=args.flavor,
            metrics=dict(args.metric),
            params=dict(args.param),
            snapshot=args.snapshot,
            link=not args.no_link,
        )
        if model.version:
            made_by = f" from {self.session.store.get(model.version).label}"
        elif args.no_link:
            made_by = ", linked to no notebook version"
        else:
            made_by = ", linked to the next snapshot (`%mv snapshot`, or `%mv save ... --snapshot` to make it now)"
        print(
            f"saved {model.label} ({model.flavor}, {_human_size(model.size)}){made_by}"
            + (f" @{', @'.join(model.aliases)}" if model.aliases else "")
        )

    def _do_load(self, args: argparse.Namespace) -> Any:
        obj, model = self.session.load_model(args.ref)
        print(f"loaded {model.label} ({model.flavor})", file=sys.stderr)
        return obj

    def _values(self, verb: str, text: str) -> None:
        """``%mv metric K=EXPR ... [--step N]`` and ``%mv param K=EXPR ...``: each value
        evaluated in the notebook's namespace; each bad one refused in one line, and then
        none of the line is kept."""
        from .tracking import evaluate, parse_assignments

        try:
            pairs, step = parse_assignments(text, verb)
            if not pairs:
                self._show_values(verb)
                return None
            values, errors = evaluate(pairs, getattr(self.shell, "user_ns", None) or {}, verb)
            if errors:
                fail_all(verb, errors)
            with self.session.access.paused():
                if verb == "metric":
                    self.session.log_metrics(values, step=step)
                else:
                    self.session.log_params(values)
        except MVError as exc:
            _fail(verb, exc.message)
        self._show_values(verb)
        return None

    def _show_values(self, verb: str) -> None:
        with self.session.access.paused():
            values = self.session.metrics if verb == "metric" else self.session.params
        shown = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        steps = self.session.pending.steps if verb == "metric" else {}
        curves = "".join(f"  {k}: {len(v)} steps" for k, v in steps.items())
        print(f"{verb}s for the next version: " + (shown or "none yet") + curves)

    def _do_track(self, args: argparse.Namespace) -> None:
        print("tracking " + ", ".join(self.session.track(args.paths)))

    def _do_untrack(self, args: argparse.Namespace) -> None:
        print("not tracking " + ", ".join(self.session.untrack(args.paths)))

    def _do_report(self, args: argparse.Namespace) -> None:
        if args.output or args.format in ("json", "prov-json"):
            self._shared(args)  # a file, or text to read: the shared command
            return
        from IPython.display import display

        from ..provenance import render

        report = self.session.report(args.ref)
        markdown = render(report, "markdown")
        if args.format == "markdown":
            display({"text/markdown": markdown, "text/plain": markdown}, raw=True)
        else:
            display({"text/html": render(report, "html", theme=args.theme), "text/plain": markdown}, raw=True)

    def _do_notebook(self, args: argparse.Namespace) -> None:
        if args.path:
            self.session.set_notebook(args.path)
        nb = self.session.notebook_path(required=False)
        print(f"notebook: {nb}" if nb else "notebook: unknown (tell it with `%mv notebook PATH`)")

    def _do_config(self, args: argparse.Namespace) -> None:
        for key, value in args.values:
            if key == "max_file_size":
                self.session.max_file_size = parse_size(str(value))
            elif key == "capture" and str(value).lower() in ("on", "off", "true", "false"):
                self.session.access.active = str(value).lower() in ("on", "true")
            elif key == "save_timeout":
                self.session.front_ends.save_timeout = _seconds(value)
            else:
                raise InvalidInput(
                    f"unknown setting {key}={value}; known: max_file_size=SIZE, capture=on|off, save_timeout=SECONDS"
                )
        print(
            f"max_file_size={_human_size(self.session.max_file_size)} "
            f"capture={'on' if self.session.access.active else 'off'} "
            f"save_timeout={self.session.front_ends.save_timeout:g}"
        )

    def _do_panel(self, args: argparse.Namespace) -> Any:
        from .panel import Panel

        return Panel(self.session).widget

    def _do_help(self, args: argparse.Namespace) -> None:  # pragma: no cover - answered before parsing
        print(HELP)


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise InvalidInput(f"save_timeout={value}: give seconds, from 0 to 3600")
    return seconds
