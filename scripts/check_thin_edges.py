#!/usr/bin/env python3
"""Fail when an edge module (api.py, views, webhooks) queries or writes the ORM itself.

STYLE.md: `api.py` and views parse input, call one service or selector, and render; reads
live in selectors, writes and rules in services. import-linter cannot see this (it folds
`django.db` into `django`), so this reads the edge modules' syntax trees and reports:

- an import from `django.db` (transactions, F/Q, connections), except `QuerySet`, which
  names what a selector returns in annotations;
- an import of `tempfile` or `shutil` (files an upload is staged in belong to a service);
- any `.objects` / `._default_manager` / `._base_manager` (a model's manager);
- a call of a QuerySet or model method that no dict, str or form has under that name:
  `filter`, `select_related`, `first`, `save`, … (`get`, `update`, `values`, `create` are
  left out: dicts and QueryDicts have them; a manager's are caught by `.objects`),
  `get(...)` with keyword arguments only (`dict.get` takes positional ones) and `count()`
  without arguments (`str.count` and `list.count` take one). Decorators are not calls to
  check (`@router.delete(...)` declares an endpoint).

Consuming what a selector returned (iterating, slicing, a Paginator) is allowed.

    python scripts/check_thin_edges.py [ROOT]   (default: src/gridcare; exit 1 on findings)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERY_METHODS = {
    "aggregate",
    "all",
    "annotate",
    "bulk_create",
    "bulk_update",
    "defer",
    "delete",
    "distinct",
    "earliest",
    "exclude",
    "exists",
    "extra",
    "filter",
    "first",
    "full_clean",
    "get_or_create",
    "in_bulk",
    "last",
    "latest",
    "only",
    "order_by",
    "prefetch_related",
    "raw",
    "refresh_from_db",
    "save",
    "select_for_update",
    "select_related",
    "update_or_create",
    "using",
    "values_list",
}
ALLOWED_DB_NAMES = {"QuerySet"}
FILE_MODULES = {"tempfile", "shutil"}


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} (move it into a selector or service)"


def edge_modules(root: Path) -> list[Path]:
    """api.py, views*.py (or a views/ package) and webhooks.py anywhere under `root`."""
    found = (
        set(root.rglob("api.py")) | set(root.rglob("views*.py")) | set(root.rglob("webhooks.py"))
    )
    found |= {p for p in root.rglob("*.py") if "views" in p.relative_to(root).parts[:-1]}
    return sorted(p for p in found if "migrations" not in p.parts)


def _is_query_call(node: ast.Call) -> bool:
    if not isinstance(node.func, ast.Attribute):
        return False
    name, bare = node.func.attr, not node.args and not node.keywords
    keywords_only = not node.args and bool(node.keywords)
    return name in QUERY_METHODS or (name == "count" and bare) or (name == "get" and keywords_only)


def check_source(source: str, path: Path) -> Iterator[Finding]:
    tree = ast.parse(source, filename=str(path))
    decorators = {
        id(d)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for d in node.decorator_list
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.db"):
            names = {alias.name for alias in node.names}
            if node.module != "django.db.models" or not names <= ALLOWED_DB_NAMES:
                yield Finding(
                    path, node.lineno, f"imports {', '.join(sorted(names))} from {node.module}"
                )
        elif isinstance(node, ast.ImportFrom) and node.module in FILE_MODULES:
            yield Finding(path, node.lineno, f"imports from {node.module} (file handling)")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("django.db") or alias.name in FILE_MODULES:
                    yield Finding(path, node.lineno, f"imports {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            yield Finding(path, node.lineno, f"uses the model manager .{node.attr}")
        elif isinstance(node, ast.Call) and id(node) not in decorators and _is_query_call(node):
            assert isinstance(node.func, ast.Attribute)
            yield Finding(path, node.lineno, f"calls .{node.func.attr}() (a query)")


def check(root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for path in edge_modules(root):
        findings.extend(check_source(path.read_text(encoding="utf-8"), path))
    return sorted(findings, key=lambda f: (str(f.path), f.line))


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent.parent / "src" / "gridcare"
    findings = check(root)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} ORM use(s) in api.py/views; see STYLE.md §1 (thin edges)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
