"""The structure that docs/architecture.md draws, checked from the code.

The imports of every module of ``jupyter_mv`` (at module level and inside functions,
but not those under ``if TYPE_CHECKING:``, which never run) form no circle; the layers
import only downwards: the core (store, capture, diff, provenance and the small modules
beside them) never imports a face, and ``store/`` never imports ``remote/``. ruff's
banned-api rules say the same at lint time; this test also sees imports ruff is not
configured for, such as a new package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupyter_mv

PACKAGE = Path(jupyter_mv.__file__).parent
FACES = ("jupyter_mv.server", "jupyter_mv.kernel", "jupyter_mv.cli", "jupyter_mv.verbs", "jupyter_mv.api")
CORE = (
    "jupyter_mv.store",
    "jupyter_mv.capture",
    "jupyter_mv.diff",
    "jupyter_mv.provenance",
    "jupyter_mv.errors",
    "jupyter_mv.progress",
    "jupyter_mv.units",
    "jupyter_mv.locate",
    "jupyter_mv.metrics",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of the package that ``path`` imports when it runs."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child):
                for orelse in child.orelse:
                    visit(orelse)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("jupyter_mv"):
                        found.add(resolve(alias.name) or alias.name)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    stem = ".".join(base + ([child.module] if child.module else []))
                else:
                    stem = child.module or ""
                if stem.startswith("jupyter_mv"):
                    for alias in child.names:
                        target = resolve(f"{stem}.{alias.name}") if f"{stem}.{alias.name}" in modules else None
                        found.add(target or resolve(stem) or stem)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    files = [p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts]
    modules = {module_name(p) for p in files}
    return {module_name(p): runtime_imports(p, modules) & modules for p in files}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return out


def within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in roots)


def test_the_graph_is_read() -> None:
    """The control: the reader finds the imports it must (a test that reads nothing passes nothing)."""
    edges = graph()
    assert len(edges) > 80
    assert "jupyter_mv.store.records" in edges["jupyter_mv.store.snapshot"]
    assert any(t.startswith("jupyter_mv.store.") for t in edges["jupyter_mv.remote.sync"])
    assert "jupyter_mv.store.snapshot" in edges["jupyter_mv.store.store"], "an import inside a function is an edge"
    assert "jupyter_mv.store.store" not in edges["jupyter_mv.store.snapshot"], "a TYPE_CHECKING import is none"
    assert "jupyter_mv.verbs" in edges["jupyter_mv.kernel.magics"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_runs() -> None:
    assert circles(graph()) == []


def test_the_core_imports_no_face_and_the_store_no_remote() -> None:
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            if within(module, CORE) and within(target, FACES):
                wrong.append(f"{module} -> {target}")
            if within(module, ("jupyter_mv.store",)) and within(target, ("jupyter_mv.remote",)):
                wrong.append(f"{module} -> {target}")
            if within(module, ("jupyter_mv.kernel",)) and within(target, ("jupyter_mv.cli",)):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_capture_sent_to_other_interpreters_parses_on_python_3_8() -> None:
    """credentials.py and probe.py run inside a kernelspec's interpreter, which may be old:
    no syntax newer than 3.8 (a formatter's parenthesised ``with``, a ``match``)."""
    for name in ("credentials.py", "probe.py"):
        source = (PACKAGE / "capture" / name).read_text(encoding="utf-8")
        ast.parse(source, feature_version=(3, 8))
    try:
        ast.parse("match x:\n    case 1: pass\n", feature_version=(3, 8))
    except SyntaxError:
        pass
    else:  # the control: feature_version really holds the parser to 3.8
        raise AssertionError("ast.parse does not refuse 3.10 syntax under feature_version=(3, 8)")
