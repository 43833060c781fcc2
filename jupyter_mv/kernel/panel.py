"""``%mv panel``: the versions of this notebook as an ipywidgets panel, for front ends
without the JupyterLab sidebar (Notebook 7, VS Code, Colab-like hosts).

A timeline of versions; buttons to snapshot, tag, compare (the diff rendered as HTML
by :func:`jupyter_mv.diff.render_html`), restore, and show a version's provenance
report. Each button calls the same
:class:`~jupyter_mv.kernel.session.KernelSession` and store methods as ``%mv``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from ..errors import InvalidInput, MVError
from .session import KernelSession

if TYPE_CHECKING:
    from ..store import Version

__all__ = ["Panel", "version_label", "metric_svg", "models_html"]

_DISK = ""


def version_label(v: Version) -> str:
    """``v3 · 2026-11-23 16:40 · message · best, @production · acc=0.93``."""
    parts = [v.name, time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created))]
    if v.kind != "full":
        parts.append(f"[{v.kind}]")
    if v.message:
        parts.append(v.message if len(v.message) <= 50 else v.message[:49] + "…")
    names = [*v.tags, *(f"@{a}" for a in v.aliases)]
    if names:
        parts.append(", ".join(names))
    if v.metrics:
        parts.append(
            " ".join(
                f"{k}={val:.4g}" if isinstance(val, float) else f"{k}={val}" for k, val in list(v.metrics.items())[:3]
            )
        )
    return " · ".join(parts)


def metric_svg(points: list[dict[str, Any]], metric: str, selected: str | None = None) -> str:
    """A metric across versions as a small SVG, one circle per version (its ``<title>``
    names the version, as hovering shows); the selected version filled."""
    if not points:
        return ""
    width, height, pad = 320, 120, 16
    values = [float(p["value"]) for p in points]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (i / max(1, len(points) - 1)) * (width - 2 * pad)
        return x, pad + (1 - (v - lo) / span) * (height - 2 * pad)

    coords = [xy(i, v) for i, v in enumerate(values)]
    line = " ".join(f"{'L' if i else 'M'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
    dots = "".join(
        f'<circle class="mv-point" data-version="{html.escape(p["name"])}" cx="{x:.1f}" cy="{y:.1f}" r="4" '
        f'fill="{"#1976d2" if p["id"] == selected else "white"}" stroke="#1976d2">'
        f"<title>{html.escape(p['name'])}: {html.escape(metric)}={p['value']:.4g}</title></circle>"
        for p, (x, y) in zip(points, coords)
    )
    return (
        f'<svg class="mv-chart" data-metric="{html.escape(metric)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><path d="{line}" fill="none" stroke="#1976d2"/>{dots}</svg>'
    )


def models_html(listing: list[dict[str, Any]]) -> str:
    """The store's models as a small table: version, aliases, made by, metrics."""
    if not listing:
        return "<i>no models yet: <code>%mv save OBJ --name NAME</code></i>"
    rows = "".join(
        f"<tr><td>{html.escape(v['label'])}</td><td>{html.escape(' '.join('@' + a for a in v['aliases']))}</td>"
        f"<td>{html.escape(v['made_by'] or '-')}</td>"
        f"<td>{html.escape(' '.join(f'{k}={val}' for k, val in v['metrics'].items()))}</td></tr>"
        for m in listing
        for v in m["versions"]
    )
    return f"<b>Models</b><table class='mv-models'>{rows}</table>"


class Panel:
    """The widget tree (:attr:`widget`) and its handlers."""

    def __init__(self, session: KernelSession) -> None:
        self.session = session
        self.title = W.HTML()
        self.timeline = W.Select(options=[], rows=8, layout=W.Layout(width="100%"))
        self.compare = W.Dropdown(
            options=[("the files on disk", _DISK)], description="compare with", layout=W.Layout(width="100%")
        )
        self.message = W.Text(placeholder="message for a new version", layout=W.Layout(flex="1"))
        self.metric_values = W.Text(placeholder="metrics: acc=0.91 f1=f1", layout=W.Layout(flex="1"))
        self.metric = W.Dropdown(options=[], description="metric")
        self.chart = W.HTML()
        self.models = W.HTML()
        self.model_pick = W.Dropdown(options=[], description="model")
        self.alias_name = W.Text(value="production", placeholder="alias", layout=W.Layout(flex="1"))
        self.alias_button = W.Button(description="Set alias", icon="bookmark")
        self._series: dict[str, list[dict[str, Any]]] = {}
        self.snapshot_button = W.Button(description="Snapshot", icon="camera", button_style="primary")
        self.tag_name = W.Text(placeholder="tag name", layout=W.Layout(flex="1"))
        self.tag_button = W.Button(description="Tag", icon="tag")
        self.diff_button = W.Button(description="Diff", icon="columns")
        self.restore_to = W.Text(
            placeholder="restore into folder (empty: in place, after a safety version)", layout=W.Layout(flex="1")
        )
        self.restore_button = W.Button(description="Restore", icon="undo", button_style="warning")
        self.report_button = W.Button(description="Report", icon="file-text")
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.status = W.HTML()
        self.diff_view = W.HTML()
        self.snapshot_button.on_click(self._guard(self.do_snapshot))
        self.tag_button.on_click(self._guard(self.do_tag))
        self.diff_button.on_click(self._guard(self.do_diff))
        self.restore_button.on_click(self._guard(self.do_restore))
        self.report_button.on_click(self._guard(self.do_report))
        self.refresh_button.on_click(self._guard(lambda: self.refresh()))
        self.alias_button.on_click(self._guard(self.do_model_alias))
        self.metric.observe(lambda _: self._draw(), names="value")
        self.timeline.observe(lambda _: self._draw(), names="value")
        row = W.HBox
        self.widget = W.VBox(
            [
                row([self.title, self.refresh_button, self.report_button]),
                self.timeline,
                row([self.message, self.metric_values, self.snapshot_button]),
                row([self.tag_name, self.tag_button]),
                row([self.compare, self.diff_button]),
                row([self.restore_to, self.restore_button]),
                self.metric,
                self.chart,
                self.models,
                row([self.model_pick, self.alias_name, self.alias_button]),
                self.status,
                self.diff_view,
            ]
        )
        self._guard(lambda: self.refresh())()

    # -- state --------------------------------------------------------------------------------------

    def versions(self) -> list[Version]:
        nb = self.session.notebook_path()
        return self.session.store.log(nb, kinds=["full", "safety"])

    def refresh(self, select: str | None = None) -> None:
        nb = self.session.notebook_path()
        self.title.value = f"<b>jupyter-mv</b> · {html.escape(nb.name)}"
        versions = self.versions()
        options = [(version_label(v), v.id) for v in versions]
        keep = select or self.timeline.value
        self.timeline.options = options
        ids = [vid for _, vid in options]
        self.timeline.value = keep if keep in ids else (ids[0] if ids else None)
        self.compare.options = [("the files on disk", _DISK), *options]
        self._refresh_models(versions)
        if not versions:
            self.say("no versions yet: press Snapshot to store the first")

    def _refresh_models(self, versions: list[Version]) -> None:
        from ..store import query, records
        from ..verbs import models_listing

        store = self.session.store
        key = records.notebook_key(store, self.session.notebook_path())
        self._series = query.metric_series(store.db, key) if versions else {}
        names = sorted(self._series)
        keep = self.metric.value
        self.metric.options = names
        self.metric.value = keep if keep in names else (names[0] if names else None)
        listing = models_listing(self.session.store)
        self.models.value = models_html(listing)
        labels = [v["label"] for m in listing for v in m["versions"]]
        keep_model = self.model_pick.value
        self.model_pick.options = labels
        self.model_pick.value = keep_model if keep_model in labels else (labels[0] if labels else None)
        self._draw()

    def _draw(self) -> None:
        metric = self.metric.value
        self.chart.value = metric_svg(self._series.get(metric, []), metric, self.timeline.value) if metric else ""

    def say(self, text: str, *, error: bool = False) -> None:
        color = "#b00020" if error else "inherit"
        self.status.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    def _guard(self, action: Callable[[], Any]) -> Callable[..., None]:
        """Run a handler; a jupyter-mv error becomes one line in the panel, not a traceback."""

        def handler(*_: Any) -> None:
            try:
                with self.session.access.paused():
                    action()
            except MVError as exc:
                self.say(exc.message, error=True)
            except OSError as exc:
                self.say(f"{exc.strerror or exc}", error=True)

        return handler

    def _selected(self) -> str:
        if not self.timeline.value:
            raise InvalidInput("select a version first")
        return str(self.timeline.value)

    # -- buttons -------------------------------------------------------------------------------------

    def do_snapshot(self) -> None:
        from .tracking import evaluate, parse_assignments

        pairs, step = parse_assignments(self.metric_values.value.strip(), "metric")
        values, errors = evaluate(pairs, getattr(self.session.shell, "user_ns", None) or {}, "metric")
        if errors:
            raise InvalidInput("; ".join(errors))
        if values:
            self.session.log_metrics(values, step=step)
        version = self.session.snapshot(self.message.value.strip())
        self.message.value = ""
        self.metric_values.value = ""
        self.refresh(select=version.id)
        self.say(f"stored {version.name} ({version.short_id}) with {len(version.files)} files")

    def do_tag(self) -> None:
        version = self.session.store.tag(self._selected(), self.tag_name.value.strip(), notebook=self.session.scope())
        self.tag_name.value = ""
        self.refresh(select=version.id)
        self.say(f"tagged {version.name} as {version.tags[-1]}")

    def do_diff(self) -> None:
        from ..diff import render_html

        selected = self._selected()
        other = self.compare.value or None
        store = self.session.store
        result = store.diff(other, selected) if other else store.diff(selected, None)
        # The diff names both sides in its own heading: the status line does not repeat it.
        self.diff_view.value = render_html(result)
        self.say("")

    def do_model_alias(self) -> None:
        if not self.model_pick.value:
            raise InvalidInput("no model version to point an alias at")
        model = self.session.registry.set_model_alias(self.session.store, self.model_pick.value, self.alias_name.value)
        self.refresh()
        self.say(f"{model.name}@{self.alias_name.value} -> {model.label}")

    def do_report(self) -> None:
        from ..provenance import build_report, render

        version = self.session.store.get(self._selected())
        # The report's own heading names the version.
        self.diff_view.value = render(build_report(self.session.store, version.id), "html")
        self.say("")

    def do_restore(self) -> None:
        target = self.restore_to.value.strip() or None
        result = self.session.store.restore(self._selected(), to=target)
        self.refresh()
        kept = f"; the files it replaced are kept as {result.safety.name}" if result.safety else ""
        where = f" into {target}" if target else ""
        self.say(f"restored {len(result.written)} files from {result.version.name}{where}{kept}")
