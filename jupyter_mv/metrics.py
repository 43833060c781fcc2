"""Metric and param values as every face takes them: ``K=V`` words and the checks on each value.

``%mv metric`` evaluates each value in the notebook (:mod:`jupyter_mv.kernel.tracking`);
the sidebar's snapshot box sends literal numbers (:func:`literal_metrics`). Both split the
words and check each value here, so a metric is a number in every face and a bad one is
refused with one line naming its key.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import InvalidInput

__all__ = ["split_words", "parse_assignments", "metric_number", "param_value", "literal_metrics"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*")


def split_words(text: str) -> list[str]:
    """``text`` split at spaces outside quotes and brackets: ``f1=scores["f1"] n=len(x, y)``
    gives two words. :raises InvalidInput: an unclosed quote or bracket."""
    words: list[str] = []
    buf: list[str] = []
    depth = 0
    quote: str | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote is not None:
            buf.append(c)
            if c == "\\" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            buf.append(c)
        elif c in "([{":
            depth += 1
            buf.append(c)
        elif c in ")]}":
            depth = max(0, depth - 1)
            buf.append(c)
        elif c.isspace() and depth == 0:
            if buf:
                words.append("".join(buf))
                buf = []
        else:
            buf.append(c)
        i += 1
    if quote is not None or depth:
        raise InvalidInput("an unclosed quote or bracket in the values")
    if buf:
        words.append("".join(buf))
    return words


def parse_assignments(text: str, what: str) -> tuple[list[tuple[str, str]], int | None]:
    """``K=EXPR ... [--step N]`` as ``([(key, expression), ...], step)``.

    :raises InvalidInput: a word that is not ``K=EXPR``, or a bad step.
    """
    pairs: list[tuple[str, str]] = []
    step: int | None = None
    words = split_words(text)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--step" or word.startswith("--step="):
            if what != "metric":
                raise InvalidInput("--step is for metrics: `%mv metric loss=loss --step 12`")
            raw = word.split("=", 1)[1] if "=" in word else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if "=" in word else 2
            try:
                step = int(raw)
            except ValueError:
                raise InvalidInput(f"--step takes a whole number, got {raw!r}") from None
            continue
        key, sep, expr = word.partition("=")
        if not sep or not _KEY.fullmatch(key) or not expr:
            raise InvalidInput(f"expected {what.upper()}=EXPRESSION (e.g. acc=acc), got {word!r}")
        pairs.append((key, expr))
        i += 1
    return pairs, step


def metric_number(key: str, value: Any) -> float | int | str:
    """A metric's value as a number (a non-finite float as text, as the store keeps it).

    :raises InvalidInput: not a number (one line naming the key)."""
    number = value
    if not isinstance(value, (int, float)) and hasattr(value, "item"):
        try:
            number = value.item()  # numpy scalars, 0-d arrays, one-element torch tensors
        except (TypeError, ValueError, RuntimeError):
            number = value
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise InvalidInput(f"metric {key} must be a number, not {type(value).__name__} {shown}")
    if isinstance(number, float) and not math.isfinite(number):
        return str(number)
    return number


def param_value(key: str, value: Any) -> Any:
    """A param's value as JSON (numpy values through ``tolist``).

    :raises InvalidInput: it has no JSON form (one line naming the key)."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        try:
            value = value.tolist()
        except (TypeError, ValueError):
            pass
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        raise InvalidInput(f"param {key} must be a JSON value (text, number, list, dict), not {type(value).__name__}")
    if len(text) > 10_000:
        raise InvalidInput(f"param {key} is longer than 10,000 characters as JSON")
    return json.loads(text)


def literal_metrics(text: str) -> dict[str, int | float | str]:
    """``acc=0.91 loss=0.3`` as metrics: each value a number written out (no expression is
    evaluated), checked as :func:`metric_number` checks it.

    :raises InvalidInput: a word that is not ``K=NUMBER`` or a value that is not a number,
        one line naming each bad key; then nothing of the text is kept.
    """
    pairs, step = parse_assignments(text, "metric")
    if step is not None:
        raise InvalidInput("metrics here are KEY=NUMBER words; log a curve with %mv metric K=V --step N")
    values: dict[str, int | float | str] = {}
    errors: list[str] = []
    for key, raw in pairs:
        number: Any = raw
        for cast in (int, float):
            try:
                number = cast(raw)
                break
            except ValueError:
                continue
        try:
            values[key] = metric_number(key, number)
        except InvalidInput as exc:
            errors.append(exc.message)
    if errors:
        raise InvalidInput("; ".join(errors))
    return values
