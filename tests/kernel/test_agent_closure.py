"""The kernel agent is the package's own kernel-side modules, read as source and run in a
kernel that lacks jupyter-mv: each of them may import, at its top level, only the standard
library, IPython (with the traitlets and ipykernel it runs on) and the other modules of the
agent. An import of any other module of the package breaks every such kernel."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import jupyter_mv
from jupyter_mv.server.agent import AGENT_MODULES, agent_sources

#: What a kernel without jupyter-mv has besides the standard library.
KERNEL_PACKAGES = {"IPython", "traitlets", "ipykernel"}


def _is_module(name: str) -> bool:
    path = Path(jupyter_mv.__file__).parent.joinpath(*name.split(".")[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _top_level_imports(tree: ast.Module, module: str) -> list[str]:
    """Absolute names of the modules ``module`` imports when it is imported (statements at
    its top level, in ``try`` and ``if`` blocks too, but not under ``TYPE_CHECKING``)."""
    package = module if module == "kernel" else module.rpartition(".")[0]
    names: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    names.append(node.module or "")
                    continue
                parts = ["jupyter_mv", *filter(None, package.split("."))]
                base = parts[: len(parts) - (node.level - 1)]
                if node.module:
                    names.append(".".join([*base, node.module]))
                else:  # from . import x: x is a module of the package, or a name in it
                    for alias in node.names:
                        name = ".".join([*base, alias.name])
                        names.append(name if _is_module(name) else ".".join(base))
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(tree.body)
    return names


@pytest.mark.parametrize("module", AGENT_MODULES)
def test_an_agent_module_imports_only_what_a_plain_kernel_has(module: str) -> None:
    source = agent_sources()[module]
    agent = {"jupyter_mv." + m for m in AGENT_MODULES} | {"jupyter_mv"}
    wrong = []
    for name in _top_level_imports(ast.parse(source), module):
        top = name.partition(".")[0]
        if top == "jupyter_mv":
            if name not in agent:
                wrong.append(name)
        elif top not in sys.stdlib_module_names and top not in KERNEL_PACKAGES and top != "__future__":
            wrong.append(name)
    assert not wrong, f"jupyter_mv.{module} imports {wrong}, which a kernel without jupyter-mv lacks"


def test_the_check_sees_a_relative_import_of_a_module_outside_the_agent() -> None:
    tree = ast.parse("from ..store import open_store\nfrom . import tracking, _Hooks\nimport numpy\n")
    assert _top_level_imports(tree, "kernel.session") == [
        "jupyter_mv.store",
        "jupyter_mv.kernel.tracking",
        "jupyter_mv.kernel",
        "numpy",
    ]
