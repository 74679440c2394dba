"""The package layout: a few shared helpers at the top, every other module in a stage, imports one way.

The stages, from the top down (a module may import its own stage and any stage below it):

    cli  →  sending  →  replies  →  money  →  rules  →  texts, intake  →  storage  →  shared

"shared" is the handful of modules directly under ``smsremind/`` (config, checks, clock, errors, i18n,
mail); ``locale`` holds the translation catalogs.
``texts`` and ``intake`` stand side by side: neither imports the other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "smsremind"
RANK = {
    "cli": 7,
    "sending": 6,
    "replies": 5,
    "money": 4,
    "rules": 3,
    "texts": 2,
    "intake": 2,
    "storage": 1,
    "locale": 0,  # the translation catalogs and the build step compiling them; imports nothing of ours
    "": 0,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _stage(module: str) -> str:
    if module == "smsremind.__main__":  # `python -m smsremind`: the entry point, above everything
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in RANK else ""


def _imports(module: str, path: Path) -> set[str]:
    """Every smsremind module this one imports, at the top or inside a function."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("smsremind"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base])
                base = base.rstrip(".")
            if not base.startswith("smsremind"):
                continue
            for alias in node.names:
                # `from smsremind.x import y` names a module when y is one, else an attribute of x.
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return found - {module}


GRAPH = {m: {i for i in _imports(m, p) if i in MODULES} for m, p in MODULES.items()}


def test_at_most_eight_modules_directly_under_the_package() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_every_other_module_lives_in_a_stage() -> None:
    stray = [m for m in MODULES if _stage(m) == "" and m.count(".") > 1]
    assert stray == []
    stages = {_stage(m) for m in MODULES} - {""}
    assert stages == set(RANK) - {""}


def test_each_stage_says_what_it_takes_and_gives() -> None:
    for stage in set(RANK) - {""}:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) >= 1 and len(doc) > 60, stage


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module: str) -> None:
    mine = _stage(module)
    wrong = [
        f"{module} ({mine or 'shared'}) imports {target} ({_stage(target) or 'shared'})"
        for target in sorted(GRAPH[module])
        if not _allowed(mine, _stage(target))
    ]
    assert wrong == []


def _allowed(mine: str, theirs: str) -> bool:
    if theirs == mine:
        return True
    if {mine, theirs} == {"texts", "intake"}:
        return False
    return RANK[theirs] < RANK[mine]


def test_no_import_cycle() -> None:
    seen: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(GRAPH[node]):
            if seen.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in seen:
                visit(nxt, [*path, nxt])
        seen[node] = 2

    for module in sorted(GRAPH):
        if module not in seen:
            visit(module, [module])
    assert cycles == []


def test_each_module_imports_on_its_own() -> None:
    """A fresh interpreter per module: an import that only works after another module was loaded fails."""
    script = (
        "import subprocess, sys\n"
        "bad = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
        "    if r.returncode: bad.append(name + ': ' + r.stderr.strip().splitlines()[-1])\n"
        "print('\\n'.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *sorted(MODULES)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
