"""Fail when a module is too long: geo/ and ui/ modules at most 500 lines, pages at most 200.

Run by ``make lint`` (target ``lint-size``). Every ``*.py`` under geo/ and ui/ (sub-packages
included) and under pages/ is counted; a line is a line of the file, blank lines and comments
included (as ``wc -l`` counts them, plus a last line without a newline).

Usage: python scripts/check_sizes.py [--root REPO_ROOT] [PATH ...]
With PATHs (files or folders, relative to the root), only the files under them are checked.
Exit status: 0 when every file is within its limit, 1 otherwise (each file over is listed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# (folder under the repository root, most lines a module in it may have)
LIMITS: list[tuple[str, int]] = [("geo", 500), ("ui", 500), ("pages", 200)]


def count_lines(path: Path) -> int:
    """Lines of a text file, as an editor numbers them."""
    return len(path.read_text(encoding="utf-8").splitlines())


def _selected(rel: Path, only: list[Path]) -> bool:
    return not only or any(rel == p or p in rel.parents for p in only)


def oversized(root: Path, only: list[Path] | None = None) -> tuple[list[tuple[Path, int, int]], int]:
    """(relative path, lines, limit) of every checked file over its limit, and how many files were checked."""
    only = [Path(p) for p in (only or [])]
    over: list[tuple[Path, int, int]] = []
    checked = 0
    for folder, limit in LIMITS:
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root)
            if "__pycache__" in rel.parts or not _selected(rel, only):
                continue
            checked += 1
            n = count_lines(path)
            if n > limit:
                over.append((rel, n, limit))
    return over, checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="repository root (default: the folder above scripts/)")
    parser.add_argument("paths", nargs="*", type=Path, help="check only the files under these paths")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    only = [(p.resolve().relative_to(root) if p.is_absolute() else p) for p in args.paths]
    over, checked = oversized(root, only)
    rules = ", ".join(f"{folder}/ <= {limit}" for folder, limit in LIMITS)
    if not over:
        print(f"check_sizes: OK: {checked} files within the limits ({rules} lines)")
        return 0
    print(f"check_sizes: FAILED: {len(over)} of {checked} files over the limit ({rules} lines):", file=sys.stderr)
    width = max(len(str(rel)) for rel, _, _ in over)
    for rel, n, limit in sorted(over, key=lambda t: (-(t[1] - t[2]), str(t[0]))):
        print(f"  {rel!s:<{width}}  {n:5d} lines  (limit {limit}, {n - limit} over)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
