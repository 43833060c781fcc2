"""A reproduce result as text for a terminal or ``%mv reproduce``."""

from __future__ import annotations

from typing import Any

__all__ = ["render_text"]


def render_text(result: dict[str, Any], *, color: bool = False) -> str:
    """The result for a terminal or ``%mv reproduce``: environment first, then cells,
    files, models, metrics, and the verdict last."""

    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    marks = {
        "identical": style("✓", "32"),
        "reproduced": style("✓", "32"),
        "within_tolerance": style("≈", "32"),
        "not_recorded": style("·", "2"),
        "different": style("✗", "31"),
        "missing": style("✗", "31"),
        "not_saved": style("✗", "31"),
        "not_run": style("✗", "31"),
        "skipped": style("·", "2"),
        "not_compared": style("?", "33"),
    }
    v = result["notebook_version"]
    kernel = result["kernel"] or {}
    lines = [f"Reproducing {v['label']} ({v['short_id']}) in a fresh {kernel.get('name') or 'python3'} kernel"]
    env = result["environment"]
    if env:
        if env["differences"]:
            lines.append(
                style(
                    f"environment: {len(env['differences'])} difference"
                    f"{'s' if len(env['differences']) != 1 else ''} from the recorded one",
                    "33",
                )
            )
            lines += [f"  {d}" for d in env["differences"][:40]]
            if len(env["differences"]) > 40:
                lines.append(f"  … {len(env['differences']) - 40} more")
        elif env["status"] == "unchanged":
            lines.append("environment: the same as recorded")
        if env["note"]:
            lines.append(f"environment: {env['note']}")
    for w in result["warnings"]:
        lines.append(style(f"warning: {w['message']}", "33"))
    if result["cells"]:
        rules = result.get("rules") or {}
        lines.append(f"cells (numbers within rtol {rules.get('rtol', 1e-6):g}, volatile text ignored):")
        for c in result["cells"]:
            count = f"[{c['execution_count']}]" if c["execution_count"] is not None else "[ ]"
            reason = f"  ({c['reason']})" if c["reason"] else ""
            lines.append(
                f"  {marks.get(c['status'], '?')} cell {c['position']:<3} {count:<6} "
                f"{c['status'].replace('_', ' ')}{reason}"
            )
            first = c.get("first")
            if first:
                value = first.get("value") or [first.get("recorded"), first.get("reproduced")]
                where = f" in line {first['line']}" if first.get("line") else ""
                lines.append(f"      first difference{where}: recorded {value[0]}, reproduced {value[1]}")
            lines += [f"      {d}" for d in c["diff"]]
    for key, title in (("files", "files written"), ("models", "models")):
        if result[key]:
            lines.append(f"{title}:")
            for item in result[key]:
                name = item.get("path") or item.get("label")
                lines.append(f"  {marks.get(item['status'], '?')} {name}  {item['status'].replace('_', ' ')}")
    if result["metrics"]:
        lines.append("metrics:")
        for m in result["metrics"]:
            lines.append(
                f"  {marks.get(m['status'], '?')} {m['name']}  recorded {m['recorded']}, "
                f"reproduced {m['reproduced'] if m['reproduced'] is not None else '—'}"
            )
    verdict = {"reproduced": "32", "different": "31", "failed": "31"}.get(result["status"], "0")
    lines.append(style(result["summary"], "1;" + verdict) + f"  ({result['duration']:.1f} s)")
    if result.get("folder"):
        lines.append(f"kept the run in {result['folder']}")
    return "\n".join(lines) + "\n"
