"""API fuzzing: schemathesis over the whole OpenAPI schema (/api/schema/), in process through
the WSGI app, against the demo data, as every actor (anonymous, each staff role, a merchant
owner). Every response must be free of server errors and conform to the schema (documented
status codes' bodies and content types).

Each operation gets FUZZ_EXAMPLES valid and FUZZ_EXAMPLES invalid generated cases per actor
(default 2; CI keeps the default, a longer local run: `FUZZ_EXAMPLES=50 pytest
tests/security/test_api_fuzz.py`). Valid cases on one object (`{pk}`) use the id of a real
object the actor can list, so the bodies of actions (approve, verdict, reply, ...) reach the
services; invalid cases generate the id too.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token

from core.roles import Role

pytestmark = [pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
ACTORS = ["anonymous", *Role.values, "merchant_owner"]


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def schema(db):
    """The schema as the app serves it, through the WSGI app in this process.

    Like Django's test client, requests here must not close the database connection at
    their start and end (`close_old_connections`): the test's transaction lives on it."""
    import schemathesis
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo(db):
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", verbosity=0, stdout=quiet)


def _headers(actor: str) -> dict[str, str]:
    from django.contrib.auth import get_user_model

    if actor == "anonymous":
        return {}
    User = get_user_model()
    username = {
        Role.MERCHANT_MANAGEMENT: "mm",
        Role.QUALITY_MANAGEMENT: "qm",
        Role.CONSUMER_SERVICE: "cs",
        Role.DATA_ANALYSIS: "da",
        Role.QUALITY_MANAGER: "manager",
        "merchant_owner": "merchant_a",
    }[actor]
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return {"Authorization": f"Token {token.key}"}


def _real_pk(operation, headers: dict[str, str]) -> str | None:
    """The id of the first object the actor can list next to this `{pk}` operation."""
    from django.test import Client

    path = operation.path
    if "{pk}" not in path:
        return None
    listing = operation.base_path.rstrip("/") + path.split("{pk}")[0]
    response = Client().get(
        listing, HTTP_AUTHORIZATION=headers.get("Authorization", ""), HTTP_ACCEPT="application/json"
    )
    if response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    if isinstance(rows, list) and rows and isinstance(rows[0], dict) and "id" in rows[0]:
        return str(rows[0]["id"])
    return None


def _fuzz(operation, headers, tally: Tally, actor: str, path_parameters=None) -> None:
    from schemathesis import checks
    from schemathesis.core.failures import FailureGroup
    from schemathesis.generation import GenerationMode

    path_parameters = path_parameters or None
    wanted = [
        checks.not_a_server_error,
        checks.response_schema_conformance,
        checks.content_type_conformance,
    ]

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        try:
            strategy = operation.as_strategy(
                generation_mode=mode,
                # Valid input on a real object; invalid input (ids included) as generated.
                path_parameters=path_parameters if mode is GenerationMode.POSITIVE else None,
            )
        except Exception:
            if mode is GenerationMode.NEGATIVE:
                continue
            raise

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            response = case.call(headers=headers)
            tally.cases += 1
            tally.statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=wanted, headers=headers)
            except (AssertionError, FailureGroup) as exc:
                where = f"{actor} {case.method} {case.formatted_path}"
                tally.failures.append(f"{where} -> {response.status_code}: {exc}"[:1500])

        run()


@pytest.mark.django_db
def test_no_server_errors_and_schema_conformance_as_every_actor(schema, demo, record_property):
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole API, not a stub schema
    for actor in ACTORS:
        headers = _headers(actor)
        for operation in operations:
            pk = _real_pk(operation, headers)
            _fuzz(operation, headers, tally, actor, path_parameters=pk and {"pk": pk})
    summary = {
        "operations": len(operations),
        "actors": len(ACTORS),
        "cases": tally.cases,
        "server_errors": sum(n for status, n in tally.statuses.items() if status >= 500),
        "failures": len(tally.failures),
        "statuses": dict(sorted(tally.statuses.items())),
    }
    record_property("api_fuzz", json.dumps(summary))
    print(f"api fuzz: {json.dumps(summary)}")
    assert not tally.failures, "\n\n".join(tally.failures[:20])
    assert summary["server_errors"] == 0
    assert tally.cases >= len(operations) * len(ACTORS)  # every operation ran for everyone
