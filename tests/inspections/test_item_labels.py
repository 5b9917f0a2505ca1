"""Test items are shown by a label in the reader's language (the English description on
English pages, the Chinese one otherwise), with the unit a measured item is recorded in:
in the result grid, the merchant's inspection page, the lab's sheet, errors and the API."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from core.exceptions import DomainError
from inspections import services
from products.models import Requirement
from tests.factories.inspections import InspectionPlanFactory, PassFailRequirementFactory

pytestmark = pytest.mark.django_db


def start(product, qm, lot_size=50):
    plan = InspectionPlanFactory(merchant=product.merchant)
    return services.start_inspection(
        plan=plan, product=product, lot_size=lot_size, batch="G", by=qm
    )


def test_the_label_follows_the_language_and_falls_back_to_chinese(version):
    net = version.requirements.get(code="NET")
    only_chinese = PassFailRequirementFactory(
        version=version, code="SEAL", description="封口完好", description_en=""
    )
    with translation.override("en"):
        assert net.label == "Net content"
        assert net.label_with_unit == "Net content (g)"
        assert only_chinese.label == "封口完好"  # never the bare code
        assert only_chinese.label_with_unit == "封口完好"  # pass/fail: no unit
        assert str(net) == "NET: Net content"
    with translation.override("zh-hans"):
        assert net.label == "净含量"
        assert net.label_with_unit == "净含量 (g)"


@pytest.mark.parametrize(
    ("language", "net", "label", "absent"),
    [
        ("en", "Net content", "Label shows the producer's name and address", "净含量"),
        ("zh-hans", "净含量", "标签标明生产者名称和地址", "Net content"),
    ],
)
def test_the_grid_heads_its_columns_with_labels_in_the_readers_language(
    client, qm, product_a, language, net, label, absent
):
    inspection = start(product_a, qm)
    client.force_login(qm)
    with translation.override(language):
        sample = gettext("sample")
        html = client.get(
            f"/staff/inspections/{inspection.pk}/record/", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    header = html[html.index('<thead><tr><th scope="col">') :].split("</thead>")[0]
    assert f'<span class="item">{net}</span>' in header
    assert f'<span class="item">{label}</span>'.replace("'", "&#x27;") in header
    assert absent not in html
    for code in ("NET", "LABEL", "PB"):
        assert f">{code}<" not in header
    # each input names its item, with the unit for a measured one
    assert f'aria-label="{net} (g), {sample} 1"' in html
    assert f'aria-label="{label}, {sample} 1: '.replace("'", "&#x27;") in html


@pytest.mark.parametrize(
    ("language", "named"), [("en", "Net content (NET)"), ("zh-hans", "净含量 (NET)")]
)
def test_errors_name_the_item_by_its_label_and_code(product_a, qm, version, language, named):
    inspection = start(product_a, qm, lot_size=1200)
    net = version.requirements.get(code="NET")
    with translation.override(language), pytest.raises(DomainError) as error:
        services.record_results(
            inspection=inspection,
            results=[{"sample_number": 1, "requirement": net.pk, "value": "500"}],
            by=qm,
        )
    assert named in " ".join(error.value.message_dict["results"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Label shows the producer&#x27;s name and address"),
        ("zh-hans", "标签标明生产者名称和地址"),
    ],
)
def test_the_merchant_page_names_failed_items_in_the_readers_language(
    client, owner_a, product_a, inspect, language, expected
):
    rejected = inspect(product_a, failures={"critical": 1})
    client.force_login(owner_a)
    html = client.get(
        f"/merchant/inspections/{rejected.pk}/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert f"<td>{expected}</td>" in html
    assert "PB —" not in html


@pytest.mark.parametrize(("language", "expected"), [("en", "Net content"), ("zh-hans", "净含量")])
def test_the_api_gives_each_item_its_label(owner_a, food, version, language, expected):
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.force_authenticate(owner_a)
    body = api.get(f"/api/v1/standard-versions/?category={food.pk}").json()["results"]
    items = {item["code"]: item for item in body[0]["requirements"]}
    assert items["NET"]["label"] == expected
    assert items["NET"]["description"] == "净含量"
    assert items["NET"]["description_en"] == "Net content"
    assert items["NET"]["unit"] == "g"


def test_the_seeded_standards_and_the_migration_give_items_english_names(qm, food):
    from products import services as standards

    standard = standards.create_standard(
        category=food, code="food-general", name_zh="食品", name_en="Food", by=qm
    )
    draft = standard.versions.get()
    standards.save_requirement(
        version=draft,
        code="MOIST",
        description="水分",
        kind="measured",
        unit="g/100g",
        max_value="14.5",
        severity="major",
    )
    standards.publish_version(version=draft, by=qm)  # frozen from now on
    migration = importlib.import_module("products.migrations.0008_requirement_description_en")
    migration.fill_english(apps, None)
    moisture = Requirement.objects.get(code="MOIST")
    assert moisture.locked
    assert moisture.description_en == "Moisture"
    with translation.override("en"):
        assert moisture.label_with_unit == "Moisture (g/100g)"

    from products.demo import REQUIREMENTS_EN, STANDARDS

    seeded = {(code, item[0]) for code, _zh, _en, items in STANDARDS.values() for item in items}
    assert seeded == set(REQUIREMENTS_EN)
    assert REQUIREMENTS_EN == migration.ENGLISH
