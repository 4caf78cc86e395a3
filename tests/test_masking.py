"""Every declared sensitive field, core's and installed plugins', is masked on every path."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from commons_core import Actor, open_commons
from commons_core.demo import load_demo
from commons_core.model import sensitive_fields
from commons_core.plugins import make_plugin_host
from commons_core.reports import ReportParams
from commons_core.services import Commons
from commons_core.testing import POSTGRES_ENV, backend_params, postgres_schema


@pytest.fixture(scope="module", params=backend_params())
def full_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Commons]:
    """The demo with every installed plugin."""
    context: Any = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('mask') / 'm.db'}"
    else:
        context = postgres_schema(os.environ[POSTGRES_ENV])
        url = context.__enter__()
    commons = open_commons(url, host=make_plugin_host(), upgrade=True)
    load_demo(commons, Actor.local_admin(), seed=5)
    yield commons
    commons.close()
    if context is not None:
        context.__exit__(None, None, None)


def is_masked(value: Any) -> bool:
    return value is None or (isinstance(value, str) and "*" in value)


def sensitive_entities(commons: Commons) -> list[Any]:
    return [e for e in commons.entities if sensitive_fields(e.model)]


def test_sensitive_fields_are_declared(full_demo: Commons) -> None:
    names = {e.name for e in sensitive_entities(full_demo)}
    assert {"resident", "household", "party_member", "key_group_flag", "staff"} <= names
    total = sum(len(sensitive_fields(e.model)) for e in sensitive_entities(full_demo))
    print(f"sensitive fields declared: {total}")


def test_objects_and_exports_are_masked(full_demo: Commons) -> None:
    admin = Actor.local_admin()
    checked = 0
    with full_demo.unit_of_work(admin) as uow:  # an export is audited: not read-only
        for entity in sensitive_entities(full_demo):
            repo = uow.repo(entity.model)
            fields = sensitive_fields(entity.model)
            for path in ("find", "export"):
                records = repo.find(limit=50) if path == "find" else list(repo.export())[:50]
                for record in records:
                    for name in fields:
                        assert is_masked(getattr(record, name)), f"{entity.name}.{name} via {path}"
                        checked += 1
    assert checked > 0


def test_revealed_values_never_appear_in_reports(full_demo: Commons) -> None:
    admin = Actor.local_admin()
    secrets: set[str] = set()
    with full_demo.unit_of_work(admin) as uow:
        for entity in sensitive_entities(full_demo):
            for record in uow.repo(entity.model).find(limit=200, reveal=True):
                for name in sensitive_fields(entity.model):
                    value = getattr(record, name)
                    if isinstance(value, str) and len(value) >= 8:
                        secrets.add(value)
        community = uow.find_community("文化路社区")
        outputs = []
        for report in full_demo.reports.values():
            result = report.run(uow, community, ReportParams())
            outputs.append(json.dumps(result.data, ensure_ascii=False, default=str))
            outputs.append(json.dumps(result.rows, ensure_ascii=False, default=str))
    blob = "\n".join(outputs)
    assert secrets
    leaked = sorted(s for s in secrets if s in blob)
    assert leaked == []
