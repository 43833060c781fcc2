"""The verbs every face shares: their grammar, the commands and how they print.

``jupyter mv`` (:mod:`jupyter_mv.cli`) and the ``%mv`` magic
(:mod:`jupyter_mv.kernel.magics`) both stand on this package, and through it on the
core; neither imports the other. A command is ``cmd(args, out) -> exit code``: ``args``
as the grammar parsed them, ``out`` an :class:`Out`. Another face passes its own store
and notebook as ``args.store`` and ``args.scope`` (see :mod:`.context`).

- :mod:`.grammar`: each verb's arguments (:data:`VERBS`, :func:`add_verbs`, :class:`Parser`);
- :mod:`.output`: exit codes, colour, JSON and the small text helpers;
- :mod:`.context`: the store, the notebook in scope and its kernel's interpreter;
- :mod:`.versions`, :mod:`.maintenance`, :mod:`.environment`, :mod:`.provenance`,
  :mod:`.remotes`: the commands, by theme.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .environment import cmd_env, cmd_export
from .grammar import VERBS, Parser, add_verbs, key_value
from .maintenance import cmd_gc, cmd_verify
from .models import cmd_models, diff_models_command, models_listing
from .output import EXIT_ERROR, EXIT_USAGE, Out, metrics_text, printable, when
from .provenance import cmd_report, cmd_reproduce
from .remotes import cmd_pull, cmd_push, cmd_remote
from .versions import cmd_alias, cmd_diff, cmd_init, cmd_log, cmd_restore, cmd_show, cmd_snapshot, cmd_tag

__all__ = [
    "COMMANDS",
    "diff_models_command",
    "models_listing",
    "VERBS",
    "add_verbs",
    "Parser",
    "key_value",
    "Out",
    "metrics_text",
    "when",
    "printable",
    "EXIT_ERROR",
    "EXIT_USAGE",
]

#: Every verb's command, by the name :data:`VERBS` gives it.
COMMANDS: dict[str, Callable[[Any, Out], int]] = {
    "init": cmd_init,
    "snapshot": cmd_snapshot,
    "log": cmd_log,
    "show": cmd_show,
    "tag": cmd_tag,
    "alias": cmd_alias,
    "models": cmd_models,
    "restore": cmd_restore,
    "diff": cmd_diff,
    "verify": cmd_verify,
    "gc": cmd_gc,
    "env": cmd_env,
    "export": cmd_export,
    "report": cmd_report,
    "reproduce": cmd_reproduce,
    "remote": cmd_remote,
    "push": cmd_push,
    "pull": cmd_pull,
}
