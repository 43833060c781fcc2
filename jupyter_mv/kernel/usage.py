"""How ``%mv`` fails: one line, no traceback, and the cell fails (an IPython
:class:`UsageError`, so the execute reply is an error and nbclient, nbconvert and
papermill stop there). Standard library and IPython only: the kernel agent is made of it
too (:data:`jupyter_mv.server.agent.AGENT_MODULES`)."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from IPython.core.error import UsageError

__all__ = ["error_line", "fail", "fail_all", "bare_usage_errors"]

_OURS = "_jupyter_mv_error"


def error_line(verb: str, message: str) -> str:
    """``%mv VERB: error: MESSAGE``."""
    return f"{'%mv ' + verb if verb else '%mv'}: error: {message}"


def fail(verb: str, message: str) -> NoReturn:
    """Fail the cell with :func:`error_line` alone."""
    error = UsageError(error_line(verb, message))
    setattr(error, _OURS, True)
    raise error


def fail_all(verb: str, messages: list[str]) -> NoReturn:
    """Say each of ``messages`` in its own line, failing the cell with the last."""
    for message in messages[:-1]:
        print(error_line(verb, message), file=sys.stderr)
    fail(verb, messages[-1])


def bare_usage_errors(shell: Any) -> None:
    """Show ``%mv``'s usage errors as their line alone (IPython prefixes ``UsageError:``)."""
    show = getattr(shell, "show_usage_error", None)
    if show is None or getattr(show, _OURS, False):
        return

    def show_usage_error(exc: BaseException) -> None:
        if getattr(exc, _OURS, False):
            print(exc, file=sys.stderr)
        else:
            show(exc)

    setattr(show_usage_error, _OURS, True)
    shell.show_usage_error = show_usage_error
