"""No code under ``src/`` assigns an attribute of a third-party module or class.

The build reaches other packages through their public extension points only (entry
points, events, configuration, subclasses). An assignment such as
``pybtex.plugin.entry_points = f`` or ``SomeClass.method = f`` (a patch) is found by
reading the syntax tree of every module: the assigned attribute's chain starts from a
name imported from a package that is neither the standard library nor the project's.
An exception must be listed in :data:`ALLOWED` and in the README, with the pinned
version in ``pyproject.toml`` and a test that fails if the patch stops applying.
"""

from __future__ import annotations

import ast
import sys

import pytest

from conftest import ROOT

PROJECT = {"therapybook", "bookbuild", "cohortgen"}
#: "module.py: target" → why, and where its guard test is. Empty: no patch remains.
ALLOWED: dict[str, str] = {}


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top not in PROJECT and top not in sys.stdlib_module_names and top != "__future__"


def imported_names(tree: ast.AST) -> set[str]:
    """Names bound by imports of third-party modules (modules and what they export)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names
                      if _third_party(a.name)}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _third_party(
                node.module or ""):
            names |= {a.asname or a.name for a in node.names}
    return names


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def patches(source: str) -> list[str]:
    """Attribute assignments (and ``setattr`` calls) rooted at a third-party import."""
    tree = ast.parse(source)
    names = imported_names(tree)
    found = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in {"setattr", "delattr"} and node.args):
            if _root(node.args[0]) in names:
                found.append(ast.unparse(node))
            continue
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and isinstance(t.ctx, ast.Store | ast.Del) \
                        and _root(t) in names:
                    found.append(ast.unparse(t))
    return found


@pytest.mark.parametrize("code", [
    "import pybtex.plugin\npybtex.plugin.entry_points = lambda **k: ()",
    "from sphinx.domains.std import StandardDomain\nStandardDomain._resolve = f",
    "import sphinx.builders\nsphinx.builders.make_chunks = f",
    "from jupyter_client.manager import AsyncKernelManager as M\n"
    "M.class_traits()['client_factory'].default_value = C",
    "from nbclient import NotebookClient\nsetattr(NotebookClient, 'shutdown_kernel', 'x')",
    "from sphinx.search.fr import SearchFrench\nSearchFrench.stem += 1",
])
def test_the_check_finds_each_kind_of_patch(code):
    assert patches(code), code


@pytest.mark.parametrize("code", [
    "import os\nos.environ['X'] = '1'",
    "import sys\nsys.argv = ['x']",
    "import matplotlib\nmatplotlib.rcParams['backend'] = 'agg'",
    "def f(app, config):\n    config.mathjax_path = 'x'",
    "class P:\n    def f(self):\n        self.parent.client_factory = C",
])
def test_the_check_leaves_configuration_and_instances_alone(code):
    assert patches(code) == []


def test_no_module_of_src_patches_another_package():
    found = {}
    for path in sorted((ROOT / "src").rglob("*.py")):
        rel = path.relative_to(ROOT / "src").as_posix()
        for target in patches(path.read_text(encoding="utf-8")):
            if f"{rel}: {target}" not in ALLOWED:
                found.setdefault(rel, []).append(target)
    assert found == {}
