"""Business-application workflows as data: data/workflows.toml parsed into frozen objects.

Framework-free (no Django): the file is checked whole when first read, and a mistake (an
unknown step or document, a step without a limit for the default preset) fails loudly
with the kind and step it concerns. Format: docs/data-formats.md, "workflows.toml".

>>> flow = workflow("meter_calibration")
>>> [step.code for step in flow.steps]
['accept', 'calibration_result']
>>> flow.steps[1].limit("sgcc_2023"), flow.steps[1].limit("some_other_preset")
(5, 5)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

WORKFLOWS_FILE = Path(__file__).with_name("data") / "workflows.toml"

#: The document kinds a workflow may ask for (service.choices.DocumentKind values).
DOCUMENT_KINDS = frozenset({"id_card", "property_proof", "business_licence", "site_photo"})
CAPACITY_RULES = frozenset({"required", "optional", "none"})


class WorkflowFileError(ValueError):
    """workflows.toml says something the loader cannot use."""


@dataclass(frozen=True)
class Name:
    zh: str
    en: str

    def text(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


@dataclass(frozen=True)
class StepSpec:
    code: str
    name: Name
    #: Working days per preset code; empty for a step that waits for the customer.
    limits: dict[str, int]
    default_preset: str
    customer: bool = False

    def limit(self, preset: str) -> int | None:
        """Working days under `preset` (the default preset's when it names none)."""
        if self.customer:
            return None
        return self.limits.get(preset, self.limits[self.default_preset])


@dataclass(frozen=True)
class FieldSpec:
    code: str
    name: Name


@dataclass(frozen=True)
class Workflow:
    kind: str
    capacity: str
    fields: tuple[FieldSpec, ...]
    documents: tuple[str, ...]
    documents_if_organization: tuple[str, ...]
    steps: tuple[StepSpec, ...]

    def documents_for(self, *, organization: bool) -> tuple[str, ...]:
        extra = self.documents_if_organization if organization else ()
        return tuple(dict.fromkeys((*self.documents, *extra)))

    def step(self, code: str) -> StepSpec | None:
        return next((s for s in self.steps if s.code == code), None)


def _fail(where: str, message: str) -> WorkflowFileError:
    return WorkflowFileError(f"{WORKFLOWS_FILE.name}: {where}: {message}")


def _step(kind: str, raw: dict[str, Any], names: dict[str, Name], default: str) -> StepSpec:
    code = raw.get("code", "")
    where = f"kinds.{kind}, step {code!r}"
    if code not in names:
        raise _fail(where, "unknown step code (add it under [steps])")
    customer = bool(raw.get("customer", False))
    limits = {str(k): v for k, v in raw.get("limits", {}).items()}
    if customer and limits:
        raise _fail(where, "a customer step has no utility limit")
    if not customer and default not in limits:
        raise _fail(where, f"no limit for the default preset {default!r}")
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in limits.values()):
        raise _fail(where, "limits are whole working days, at least 1")
    return StepSpec(code, names[code], limits, default, customer)


def _workflow(
    kind: str, raw: dict[str, Any], names: dict[str, Name], fields: dict[str, Name], default: str
) -> Workflow:
    capacity = raw.get("capacity", "none")
    if capacity not in CAPACITY_RULES:
        raise _fail(f"kinds.{kind}", f"capacity must be one of {sorted(CAPACITY_RULES)}")
    documents = tuple(raw.get("documents", []))
    extra = tuple(raw.get("documents_if_organization", []))
    if unknown := set(documents + extra) - DOCUMENT_KINDS:
        raise _fail(f"kinds.{kind}", f"unknown documents {sorted(unknown)}")
    if unknown := set(raw.get("fields", [])) - set(fields):
        raise _fail(f"kinds.{kind}", f"unknown fields {sorted(unknown)} (add them under [fields])")
    steps = tuple(_step(kind, step, names, default) for step in raw.get("steps", []))
    if not steps or steps[-1].customer:
        raise _fail(f"kinds.{kind}", "needs steps, and the last one is the utility's")
    if len({s.code for s in steps}) != len(steps):
        raise _fail(f"kinds.{kind}", "a step code appears twice")
    return Workflow(
        kind=kind,
        capacity=capacity,
        fields=tuple(FieldSpec(code, fields[code]) for code in raw.get("fields", [])),
        documents=documents,
        documents_if_organization=extra,
        steps=steps,
    )


@cache
def _raw() -> dict[str, Any]:
    return tomllib.loads(WORKFLOWS_FILE.read_text(encoding="utf-8"))


@cache
def workflows() -> dict[str, Workflow]:
    """Every kind's workflow, in the file's order (read once per process)."""
    raw = _raw()
    default = raw.get("default_preset", "")
    names = {code: Name(v["zh"], v["en"]) for code, v in raw.get("steps", {}).items()}
    fields = {code: Name(v["zh"], v["en"]) for code, v in raw.get("fields", {}).items()}
    return {
        kind: _workflow(kind, spec, names, fields, default)
        for kind, spec in raw.get("kinds", {}).items()
    }


def workflow(kind: str) -> Workflow:
    """The workflow of `kind`; KeyError for a kind the file does not describe."""
    return workflows()[kind]


def default_preset() -> str:
    """The preset whose limits apply where the policy in use names none."""
    return str(_raw()["default_preset"])
