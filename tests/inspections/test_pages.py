"""Pages: the queue, the result grid (one post), the merchant portal and its isolation."""

import pytest

from core.roles import Role
from inspections import services
from inspections.models import Inspection, Objection
from products.models import Requirement
from tests.factories.core import UserFactory
from tests.factories.inspections import InspectionPlanFactory


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def test_the_queue_lists_due_plans_and_is_for_quality_management(
    client_for, qm, merchant_a, owner_a
):
    InspectionPlanFactory(merchant=merchant_a, reason="Quarterly spot check 2026Q4")
    page = client_for(qm).get("/staff/inspections/")
    assert page.status_code == 200
    assert "Quarterly spot check 2026Q4" in page.content.decode()
    assert client_for(owner_a).get("/staff/inspections/").status_code == 403


def test_staff_start_an_inspection_from_the_queue(client_for, qm, product_a):
    plan = InspectionPlanFactory(merchant=product_a.merchant)
    response = client_for(qm).post(
        f"/staff/inspections/plans/{plan.pk}/start/",
        {"product": product_a.pk, "lot_size": "500", "batch": "L-1", "lab": "CTI"},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/inspections/{inspection.pk}/record/"


def start(product, qm, lot_size=1200):
    plan = InspectionPlanFactory(merchant=product.merchant)
    return services.start_inspection(
        plan=plan, product=product, lot_size=lot_size, batch="G", by=qm
    )


def grid_post(inspection, *, failing_label=(), net="500"):
    data = {"grid": "1"}
    for requirement in inspection.standard_version.requirements.all():
        size = inspection.sampling_plans[requirement.severity]["sample_size"]
        for sample in range(1, size + 1):
            if requirement.kind == Requirement.Kind.MEASURED:
                data[f"v-{sample}-{requirement.pk}"] = net
                data[f"u-{requirement.pk}"] = requirement.unit
            elif requirement.code == "LABEL" and sample in failing_label:
                data[f"f-{sample}-{requirement.pk}"] = "on"
    return data


def test_the_grid_renders_80_samples_fills_the_rest_and_decides_after_confirming(
    client_for, qm, product_a, django_assert_max_num_queries
):
    inspection = start(product_a, qm)  # lot 1200: code J, n = 80
    client = client_for(qm)
    url = f"/staff/inspections/{inspection.pk}/record/"
    with django_assert_max_num_queries(25):
        page = client.get(url)
    html = page.content.decode()
    assert html.count('type="checkbox"') == 160  # PB and LABEL on 80 samples
    assert html.count('inputmode="decimal"') == 80
    assert "inspections/grid.js" in html and "<script>" not in html
    # Measured values and two ticked boxes: the other boxes stay "not recorded".
    response = client.post(url, {**grid_post(inspection, failing_label=(3, 9)), "save": "1"})
    assert response.status_code == 302
    assert inspection.results.count() == 82
    inspection.refresh_from_db()
    assert inspection.status == "draft"
    # Giving the verdict now says why not.
    refused = client.post(url, {"decide": "1"})
    assert "82 of 240" in refused.content.decode()
    # The whole grid posts again (as the browser does) with the fill button.
    response = client.post(url, {**grid_post(inspection, failing_label=(3, 9)), "fill": "1"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.results.count() == 240
    assert inspection.results.filter(passed=False).count() == 2  # the ticks are kept
    assert inspection.status == "recorded"
    # The first press of "give the verdict" names what it does and saves nothing.
    preview = client.post(url, {"decide": "1"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert 'data-testid="confirm-verdict"' in text
    assert "The verdict cannot be changed here afterwards." in text
    inspection.refresh_from_db()
    assert inspection.status == "recorded"
    response = client.post(url, {"decide": "1", "confirm": "1", "expect": "accepted"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "accepted"
    assert inspection.verdict_detail["minor"]["nonconforming"] == 2


def test_the_grid_shows_labels_units_and_incomplete_at_no_results(client_for, qm, product_a):
    inspection = start(product_a, qm, lot_size=50)
    net = inspection.standard_version.requirements.get(code="NET")
    page = client_for(qm).get(f"/staff/inspections/{inspection.pk}/record/")
    html = page.content.decode()
    header = html[html.index('<thead><tr><th scope="col">Sample') :].split("</thead>")[0]
    for requirement in inspection.standard_version.requirements.all():
        assert f">{requirement.code}<" not in header
        assert requirement.description_en[:20] in header  # the English label on English pages
        assert requirement.description not in header
    assert f"{net.unit} · 495\N{EN DASH}505" in header
    state = html[html.index('data-testid="verdict-state"') :].split("</span>")[0]
    assert "Incomplete" in state and "Accepted" not in state
    assert 'class="status warn"' in html
    assert "Save and fill the remaining pass/fail items as conforming" in html
    history = html[html.index('data-testid="history"') :].split("</ul>")[0]
    assert "start →" not in history and "draft" not in history
    assert "Inspection started (Draft)" in html
    assert ", version " in html


def test_a_rejection_is_confirmed_with_points_and_delisting_named(client_for, qm, product_a):
    from inspections.grid import fill_conforming

    inspection = start(product_a, qm, lot_size=50)
    client = client_for(qm)
    url = f"/staff/inspections/{inspection.pk}/record/"
    data = grid_post(inspection)
    critical = inspection.standard_version.requirements.get(code="PB")
    data[f"f-1-{critical.pk}"] = "on"
    client.post(url, {**data, "save": "1"})
    assert fill_conforming(inspection=inspection, by=qm) > 0
    assert inspection.results.get(sample_number=1, requirement=critical).passed is False
    preview = client.post(url, {"decide": "1"}).content.decode()
    assert "Save the verdict “Rejected”" in preview
    assert "is taken off sale" in preview and "violation points" in preview
    stale = client.post(url, {"decide": "1", "confirm": "1", "expect": "accepted"})
    assert "The results changed since the preview" in stale.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == "recorded"
    client.post(url, {"decide": "1", "confirm": "1", "expect": "rejected"})
    inspection.refresh_from_db()
    assert inspection.status == "rejected"
    history = client.get(url).content.decode()
    history = history[history.index('data-testid="history"') :].split("</ul>")[0]
    assert "Verdict given (Results recorded → Rejected)" in history


def test_fill_conforming_leaves_measured_and_recorded_cells_alone(qm, product_a):
    from inspections.grid import empty_attribute_cells, fill_conforming

    inspection = start(product_a, qm, lot_size=50)
    label = inspection.standard_version.requirements.get(code="LABEL")
    services.record_results(
        inspection=inspection,
        results=[{"sample_number": 2, "requirement": label.pk, "passed": False}],
        by=qm,
    )
    expected_attribute = len(empty_attribute_cells(inspection))
    assert fill_conforming(inspection=inspection, by=qm) == expected_attribute
    assert empty_attribute_cells(inspection) == []
    assert inspection.results.get(sample_number=2, requirement=label).passed is False
    assert not inspection.results.filter(requirement__kind=Requirement.Kind.MEASURED).exists()
    assert fill_conforming(inspection=inspection, by=qm) == 0
    inspection.refresh_from_db()
    assert inspection.status == "draft"  # measured values still missing


def test_a_bad_grid_value_shows_the_error_and_stores_nothing(client_for, qm, product_a):
    inspection = start(product_a, qm)
    response = client_for(qm).post(
        f"/staff/inspections/{inspection.pk}/record/", {**grid_post(inspection, net="abc")}
    )
    assert response.status_code == 200
    assert "abc is not a number" in response.content.decode()
    assert not inspection.results.exists()


def test_the_grid_is_not_for_merchants(client_for, owner_a, qm, product_a):
    inspection = start(product_a, qm)
    assert client_for(owner_a).get(f"/staff/inspections/{inspection.pk}/record/").status_code == 403


def test_a_merchant_sees_their_inspections_and_objects_on_the_portal(
    client_for, owner_a, product_a, inspect
):
    rejected = inspect(product_a, failures={"critical": 1})
    client = client_for(owner_a)
    listing = client.get("/merchant/inspections/").content.decode()
    assert f"/merchant/inspections/{rejected.pk}/" in listing
    detail = client.get(f"/merchant/inspections/{rejected.pk}/").content.decode()
    assert "Object and ask for a re-test" in detail
    response = client.post(f"/merchant/inspections/{rejected.pk}/", {"reason": "Wrong sample"})
    assert response.status_code == 302
    assert Objection.objects.get().status == "retest_scheduled"


def test_merchant_b_cannot_open_merchant_as_inspection(client_for, owner_b, product_a, inspect):
    rejected = inspect(product_a, failures={"critical": 1})
    client = client_for(owner_b)
    assert client.get(f"/merchant/inspections/{rejected.pk}/").status_code == 404
    assert client.post(f"/merchant/inspections/{rejected.pk}/", {"reason": "x"}).status_code == 404
    assert (
        f"/merchant/inspections/{rejected.pk}/"
        not in client.get("/merchant/inspections/").content.decode()
    )
    assert not Objection.objects.exists()


def test_staff_without_a_merchant_cannot_use_the_portal(client_for, role_user):
    assert (
        client_for(role_user(Role.QUALITY_MANAGEMENT)).get("/merchant/inspections/").status_code
        == 403
    )
    assert client_for(UserFactory()).get("/staff/inspections/").status_code == 403


def test_an_untouched_box_is_not_recorded_but_a_pasted_pass_is(client_for, qm, product_a):
    inspection = start(product_a, qm, lot_size=50)
    label = inspection.standard_version.requirements.get(code="LABEL")
    response = client_for(qm).post(
        f"/staff/inspections/{inspection.pk}/record/",
        {"grid": "1", "save": "1", f"c-f-2-{label.pk}": "1", f"f-3-{label.pk}": "on"},
    )
    assert response.status_code == 302
    assert dict(inspection.results.values_list("sample_number", "passed")) == {2: True, 3: False}
