"""Print module and function sizes of the application code; fail past the limits.

    .venv/bin/python scripts/sizes.py            # the over-limit ones, then a summary; exit 1 if any
    .venv/bin/python scripts/sizes.py --all      # every module and its largest function

Limits (STYLE.md): a module under 400 lines, a function under 60 lines. Counted: every
.py file of the application (domains, core, engines, app.py, config.py, extensions.py);
migrations, tests, bench and scripts aside. A function's size is its lines from `def`
(or its first decorator) to its last line; a nested function counts inside its parent too.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE_LIMIT = 400
FUNCTION_LIMIT = 60
SKIP_DIRS = {"migrations", "tests", "bench", "scripts", "node_modules", "instance", "static", "templates", "docs",
             "demo"}


def application_files(root: Path = ROOT) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") for p in parts) or parts[0] in SKIP_DIRS:
            continue
        files.append(path)
    return files


def function_sizes(tree: ast.AST) -> list[tuple[str, int, int]]:
    """(qualified name, first line, line count) of every function and method."""
    out = []

    def walk(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                name = f"{prefix}{child.name}"
                out.append((name, first, child.end_lineno - first + 1))
                walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
            else:
                walk(child, prefix)

    walk(tree)
    return out


def measure(root: Path = ROOT) -> list[dict]:
    rows = []
    for path in application_files(root):
        text = path.read_text(encoding="utf-8")
        functions = function_sizes(ast.parse(text, filename=str(path)))
        rows.append({"path": str(path.relative_to(root)), "lines": len(text.splitlines()), "functions": functions})
    return rows


def problems(rows: list[dict]) -> list[str]:
    found = []
    for row in rows:
        if row["lines"] > MODULE_LIMIT:
            found.append(f"{row['path']}: module of {row['lines']} lines (limit {MODULE_LIMIT})")
        for name, first, size in row["functions"]:
            if size > FUNCTION_LIMIT:
                found.append(f"{row['path']}:{first}: function {name} of {size} lines (limit {FUNCTION_LIMIT})")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="print every module, not only those over a limit")
    args = parser.parse_args(argv)
    rows = measure()
    if args.all:
        for row in sorted(rows, key=lambda r: -r["lines"]):
            name, _, size = max(row["functions"], key=lambda f: f[2], default=("-", 0, 0))
            print(f"{row['lines']:5d}  {row['path']:45s} largest function {size:3d} {name}")
    found = problems(rows)
    for line in found:
        print(line)
    largest = max(rows, key=lambda r: r["lines"])
    longest = max(((r["path"], *f) for r in rows for f in r["functions"]), key=lambda f: f[3])
    print(f"{len(rows)} modules; largest {largest['path']} ({largest['lines']} lines); longest function "
          f"{longest[0]}:{longest[2]} {longest[1]} ({longest[3]} lines); {len(found)} over the limits "
          f"({MODULE_LIMIT} lines a module, {FUNCTION_LIMIT} a function)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
