"""The layering rules bite: each import-linter contract fails on a copy of the code that
breaks it, and the thin-edge check (scripts/check_thin_edges.py) reports each kind of ORM
use in api.py and views while leaving what edges legitimately do alone."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "gridcare"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _thin_edges() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_thin_edges", ROOT / "scripts" / "check_thin_edges.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


# --- api.py and views do not query the ORM ---


def test_api_modules_and_views_query_no_orm_themselves() -> None:
    findings = _thin_edges().check(SRC)
    assert [str(f) for f in findings] == []


EDGE_WITH_EVERY_KIND_OF_ORM_USE = """
from django.db import transaction
from django.db.models import F, QuerySet
import tempfile

def view(request, account):
    Account.objects.create(number="1")
    links = account.meter_links.select_related("meter")
    accounts = selectors.accounts_visible_to(request.user).filter(status="active")
    first = accounts.order_by("number").first()
    total = accounts.count()
    one = selectors.customer_timeline(user=request.user).get(pk=1)
    lines = conversation.messages.all()
    form.save()
"""


def test_the_thin_edge_check_reports_each_kind_of_orm_use(tmp_path: Path) -> None:
    check = _thin_edges()
    edge = tmp_path / "api.py"
    edge.write_text(EDGE_WITH_EVERY_KIND_OF_ORM_USE, encoding="utf-8")

    found = {(f.line, f.what) for f in check.check(tmp_path)}

    assert found == {
        (2, "imports transaction from django.db"),
        (3, "imports F, QuerySet from django.db.models"),
        (4, "imports tempfile"),
        (7, "uses the model manager .objects"),
        (8, "calls .select_related() (a query)"),
        (9, "calls .filter() (a query)"),
        (10, "calls .order_by() (a query)"),
        (10, "calls .first() (a query)"),
        (11, "calls .count() (a query)"),
        (12, "calls .get() (a query)"),
        (13, "calls .all() (a query)"),
        (14, "calls .save() (a query)"),
    }
    assert check.main(["check", str(tmp_path)]) == 1


EDGE_THAT_ONLY_PARSES_CALLS_AND_RENDERS = """
from django.core.paginator import Paginator
from django.db.models import QuerySet

@router.delete("/bindings/{number}")
def view(request) -> QuerySet:
    q = request.GET.get("q", "").strip()
    context = {"q": q}
    context.update(page=Paginator(selectors.customer_search(user=request.user, query=q), 20))
    names = ",".join(sorted(context.keys()))
    return render(request, "x.html", {"n": names.count(","), "v": list(context.values())})
"""


@pytest.mark.parametrize("name", ["api.py", "views_inbox.py", "webhooks.py", "views/pages.py"])
def test_the_thin_edge_check_passes_an_edge_that_parses_calls_and_renders(
    name: str, tmp_path: Path
) -> None:
    check = _thin_edges()
    edge = tmp_path / "app" / name
    edge.parent.mkdir(parents=True)
    edge.write_text(EDGE_THAT_ONLY_PARSES_CALLS_AND_RENDERS, encoding="utf-8")
    (tmp_path / "app" / "selectors.py").write_text("X.objects.filter()\n", encoding="utf-8")

    assert check.edge_modules(tmp_path) == [edge]
    assert check.check(tmp_path) == []


# --- import-linter contracts ---

#: (contract id, file under src/gridcare, a line that breaks the contract there)
BREAKS = [
    ("layers", "grid/selectors.py", "from gridcare.customers import models as _up\n"),
    (
        "no-models-in-ui",
        "console/views_metering.py",
        "from gridcare.metering.models import LoadEvent\n",
    ),
    ("no-models-in-ui", "portal/views.py", "from gridcare.contact.models import Conversation\n"),
    (
        "services-not-tasks",
        "notify/services/enqueue.py",
        "def _later():\n    from gridcare.notify.tasks import deliver_notifications_task\n",
    ),
    ("no-sibling-cycles", "notify/queue.py", "from gridcare.notify import tasks as _tasks\n"),
    ("framework-free", "metering/engine/schema.py", "import django.db\n"),
]
CONTRACTS = sorted({contract for contract, _path, _line in BREAKS})


def _lint_imports(tree: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """lint-imports over the copy in `tree` (first on the path, before the installed one)."""
    options = [opt for contract in contracts for opt in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache", *options],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("layering")
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    shutil.copytree(
        SRC,
        tree / "src" / "gridcare",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "locale"),
    )
    return tree


def test_every_contract_is_kept_by_the_code_as_it_is(code_copy: Path) -> None:
    result = _lint_imports(code_copy, *CONTRACTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("contract", "path", "line"), BREAKS)
def test_each_contract_fails_on_a_copy_that_breaks_it(
    contract: str, path: str, line: str, code_copy: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(code_copy, broken)
    target = broken / "src" / "gridcare" / path
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")

    result = _lint_imports(broken, contract)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    module = "gridcare." + path.removesuffix(".py").replace("/", ".")
    assert module.rsplit(".", 1)[-1] in result.stdout  # reports the import we added
