"""Check the shape of the code: which package may import which, and nothing private across modules.

Rules (docs/architecture.md):
- geo/ never imports streamlit, ui or pages.
- geo's packages import only the layers below them (LAYERS), so there is no cycle between packages.
- No module imports another module's private name (a leading underscore).
- Imports sit at the top of a module: an import inside a function is reported (one that breaks a
  genuine cycle should be fixed by moving code instead).

Usage: python scripts/check_layers.py [ROOT]; exits 1 and lists every finding.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

#: Each geo package (or top-level module) and what it may import from geo. "base" is model,
#: assumptions, privacy and text: small modules everything may use.
BASE = {"geo.model", "geo.assumptions", "geo.privacy", "geo.text"}
LAYERS: dict[str, set[str]] = {
    "base": set(),
    "geo.read": {"base"},
    "geo.analyse": {"base"},
    "geo.demo": {"base"},
    "geo.plan": {"base", "geo.analyse"},
    "geo.out": {"base", "geo.analyse", "geo.plan"},
    "geo.io": {"base", "geo.read", "geo.demo", "geo.analyse", "geo.plan", "geo.out"},
}


def is_ours(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def group(module: str) -> str:
    if module in BASE:
        return "base"
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else module


def module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(tree: ast.Module) -> list[tuple[ast.stmt, str, list[str], bool]]:
    """(node, module, imported names, at top level) for every import in the file."""
    out: list[tuple[ast.stmt, str, list[str], bool]] = []
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((node, alias.name, [], id(node) in top))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node, node.module, [a.name for a in node.names], id(node) in top))
    return out


def check(root: Path) -> list[str]:
    findings: list[str] = []
    for path in sorted(root.glob("geo/**/*.py")) + sorted(root.glob("ui/**/*.py")) + sorted(root.glob("pages/*.py")):
        name = module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_geo = name.startswith("geo")
        entry = path.name == "__main__.py"
        for node, target, names, at_top in imports(tree):
            where = f"{path.relative_to(root)}:{node.lineno}"
            if in_geo and any(is_ours(target, p) for p in ("streamlit", "ui", "pages")):
                findings.append(f"{where}: geo/ imports {target} (geo never imports streamlit, ui or pages)")
            if not at_top and (is_ours(target, "geo") or is_ours(target, "ui")):
                findings.append(f"{where}: import of {target} inside a function or block (imports go at the top)")
            for n in names:
                if n.startswith("_") and not n.startswith("__") and (is_ours(target, "geo") or is_ours(target, "ui")):
                    findings.append(f"{where}: imports the private name {n} from {target}")
            if in_geo and is_ours(target, "geo") and not entry:
                mine, theirs = group(name), group(target)
                # a name imported from a package may be a sub-module: judge by the module it names
                if theirs == "geo" and names:
                    theirs = group(f"geo.{names[0]}")
                if mine != theirs and mine in LAYERS and theirs not in LAYERS[mine]:
                    findings.append(f"{where}: {mine} may not import {theirs} (allowed: "
                                    f"{', '.join(sorted(LAYERS[mine])) or 'nothing'}; see docs/architecture.md)")
    return findings


def module_cycles(root: Path) -> list[str]:
    """Cycles among geo modules through their imports (any position): A imports B imports ... A."""
    files = {module_name(root, p): p for p in root.glob("geo/**/*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for _node, target, names, _top in imports(tree):
            if not is_ours(target, "geo"):
                continue
            for cand in [f"{target}.{n}" for n in names] + [target]:
                if cand in files and cand != mod:
                    graph[mod].add(cand)
                    break
    found: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n):], n]
                found.append("import cycle: " + " -> ".join(cycle))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    findings = check(root) + module_cycles(root)
    for line in findings:
        print(line)
    if findings:
        print(f"check_layers: {len(findings)} finding(s)")
        return 1
    print("check_layers: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
