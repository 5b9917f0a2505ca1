"""Programme titles and summaries are kept in Chinese and English and shown in the reader's
language (the other one when it is empty); the notes the training service writes on its steps
are codes rendered in the reader's language, and the sentences stored before the codes are
given their code by one statement (issue 19)."""

import datetime as dt
from importlib import import_module
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.alerts import render_text
from core.audit import decisions_for
from core.decision_labels import reason_label
from core.models import Alert, Decision
from merchants import reason_texts
from merchants.models import TrainingStep
from merchants.models.training import in_language
from merchants.services import training
from tests.factories import CategoryFactory, MembershipFactory, MerchantFactory
from tests.factories.merchants import sells_in
from tests.merchants.test_reason_texts import in_both
from tests.merchants.test_training import _answers, _quiz_assignment
from tests.merchants.training_helpers import manager, published

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2031, 3, 2, 9, 0, tzinfo=dt.UTC)
ZH, EN = "食品安全培训", "Food safety training"
ZH_SUMMARY, EN_SUMMARY = "食品类目商家必修。", "Required for food sellers."


@pytest.fixture
def mm(role_user):
    return manager(role_user)


@pytest.fixture
def owner():
    return MembershipFactory(merchant=MerchantFactory(status="active"), role="owner").user


def _page(user, url, language):
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_in_language_picks_the_readers_language_and_falls_back_to_the_other():
    with translation.override("en"):
        assert in_language("中文", "English") == "English"
        assert in_language("中文", "") == "中文"
    with translation.override("zh-hans"):
        assert in_language("中文", "English") == "中文"
        assert in_language("", "English") == "English"


def test_an_english_page_shows_the_english_title_and_a_chinese_page_the_chinese_one(mm, owner):
    p = published(mm, title=ZH, title_en=EN, summary=ZH_SUMMARY, summary_en=EN_SUMMARY)
    assignment = p.assignments.get(merchant=owner.membership.merchant)
    for url in ("/merchant/", f"/merchant/training/{assignment.pk}/"):
        english = _page(owner, url, "en")
        assert EN in english and ZH not in english
        chinese = _page(owner, url, "zh-hans")
        assert ZH in chinese and EN not in chinese
    detail = f"/merchant/training/{assignment.pk}/"
    assert EN_SUMMARY in _page(owner, detail, "en")
    assert ZH_SUMMARY in _page(owner, detail, "zh-hans")
    overview = "/staff/training/"
    assert EN in _page(mm, overview, "en") and ZH in _page(mm, overview, "zh-hans")


def test_a_missing_translation_falls_back_to_the_other_language(mm, owner):
    p = published(mm, title=ZH, title_en="", summary="", summary_en=EN_SUMMARY)
    assignment = p.assignments.get(merchant=owner.membership.merchant)
    url = f"/merchant/training/{assignment.pk}/"
    english = _page(owner, url, "en")
    assert ZH in english and EN_SUMMARY in english
    chinese = _page(owner, url, "zh-hans")
    assert ZH in chinese and EN_SUMMARY in chinese


def test_alerts_the_api_and_the_admin_list_name_the_programme_in_the_readers_language(mm, owner):
    with time_machine.travel(T0, tick=False):
        p = published(mm, title=ZH, title_en=EN)
    assignment = p.assignments.get()
    with time_machine.travel(assignment.due_at - dt.timedelta(days=2), tick=False):
        training.sweep_training()
    alert = Alert.objects.get(kind="training_due", recipient_user=owner)
    assert alert.payload["programme"] == {"zh": ZH, "en": EN}
    english, chinese = in_both(lambda: render_text(alert.kind, alert.payload))
    assert EN in english and ZH not in english
    assert ZH in chinese and EN not in chinese
    # An alert stored before both titles were kept shows its text as it is.
    assert "旧标题" in render_text("training_assigned", {"programme": "旧标题", "due": "x"})
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(mm)
    with translation.override("en"):
        row = api.get(f"/api/v1/training/programmes/{p.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (row["title"], row["title_en"], row["display_title"]) == (ZH, EN, EN)
    admin_list = _page(mm, "/admin/merchants/trainingprogramme/", "en")
    assert EN in admin_list


def test_the_lift_note_is_a_code_read_in_both_languages(mm, owner):
    merchant = owner.membership.merchant
    food = CategoryFactory()
    sells_in(merchant, food)
    with time_machine.travel(T0, tick=False):
        p = published(mm, title=ZH, title_en=EN, audience="categories", categories=[food])
    assignment = p.assignments.get()
    with time_machine.travel(assignment.due_at + dt.timedelta(days=8), tick=False):
        training.sweep_training()
    restriction = merchant.restrictions.get(reason="training_overdue")
    english, chinese = in_both(
        lambda: reason_texts.render(restriction.reason_code, restriction.reason_params)
    )
    assert EN in english and ZH in chinese
    with time_machine.travel(assignment.due_at + dt.timedelta(days=9), tick=False):
        training.finish_modules(assignment, actor=owner)
    lifted = TrainingStep.objects.get(assignment=assignment, step="lifted")
    assert (lifted.note, lifted.note_code) == ("", reason_texts.TRAINING_COMPLETED)
    assert in_both(lambda: lifted.note_text) == ("Training completed", "培训已完成")
    completed = TrainingStep.objects.get(assignment=assignment, step="completed")
    assert completed.note_code == reason_texts.COMPLETED_BY_MODULES
    english, chinese = in_both(lambda: completed.note_text)
    assert english == "Completed by working through the modules"
    decision = decisions_for(assignment).get(action="complete")
    assert decision.reason == ""
    assert in_both(lambda: reason_label(decision)) == (english, chinese)


def test_sentences_stored_before_the_codes_get_their_code_in_one_statement(mm, owner):
    p = published(mm, title=ZH)
    assignment = p.assignments.get()
    notes = {
        "lifted": "Training completed",
        "superseded": "培训项目新版本",
        "completed": "session:42",
        "attempt_1": "80%",
        "reminder_3": "Typed by a person",
    }
    rows = {
        step: TrainingStep.objects.create(assignment=assignment, step=step, at=T0, note=note)
        for step, note in notes.items()
    }
    migration = import_module("merchants.migrations.0017_training_step_note_codes")
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        cursor.execute(reason_texts.backfill_sql("merchants_trainingstep", "note", migration.NOTES))
    assert len(queries) == 1
    for row in rows.values():
        row.refresh_from_db()
    assert (rows["lifted"].note, rows["lifted"].note_code) == ("", reason_texts.TRAINING_COMPLETED)
    assert rows["superseded"].note_code == reason_texts.PROGRAMME_VERSION_CHANGED
    assert in_both(lambda: rows["superseded"].note_text)[0] == "New programme version"
    assert rows["completed"].note_code == reason_texts.COMPLETED_BY_SESSION
    assert rows["completed"].note_params == {"session_id": "42"}
    assert "#42" in in_both(lambda: rows["completed"].note_text)[0]
    for step in ("attempt_1", "reminder_3"):
        assert (rows[step].note, rows[step].note_code) == (notes[step], "")
        assert rows[step].note_text == notes[step]


def test_report_tables_title_programmes_in_the_reports_language():
    from reports.services.render import training_tables

    def figures(**titles):
        row = {"version": 2, "staff": False, "assigned": 1, "completed": 1, "overdue": 0}
        return {"training": {"programmes": [{**row, **titles, "rate": 1}], "categories": []}}

    def first_cell(data, language):
        with translation.override(language):
            return training_tables(
                {**data, "training": {**data["training"], "tiers": []}}, language
            )[0][1][1][0]

    both = figures(title=ZH, title_en=EN)
    assert first_cell(both, "en") == f"{EN} (v2)"
    assert first_cell(both, "zh-hans") == f"{ZH} (v2)"
    # A snapshot taken before English titles were kept.
    assert first_cell(figures(title=ZH), "en") == f"{ZH} (v2)"


def test_a_quiz_attempts_score_and_a_remedys_sanction_are_codes_in_the_readers_language(mm, owner):
    p, assignment = _quiz_assignment(mm, owner)
    started = training.start_quiz(assignment, actor=owner)["token"]
    answers = _answers(p)
    answers[next(iter(answers))] = 3  # one wrong of two
    training.submit_quiz(assignment, answers=answers, actor=owner, token=started)
    step = TrainingStep.objects.get(assignment=assignment, step="attempt_1")
    assert (step.note, step.note_code, step.note_params) == (
        "",
        reason_texts.QUIZ_SCORED,
        {"score": 50},
    )
    english, chinese = in_both(lambda: step.note_text)
    assert "50%" in english and "50%" in chinese and english != chinese

    remedy = training.assign_remedy(
        merchant=owner.membership.merchant, programme=p, source="merchants.sanction:7"
    )
    decision = decisions_for(remedy).get(action="assign")
    assert decision.reason == ""
    english, chinese = in_both(lambda: reason_label(decision))
    assert "#7" in english and "#7" in chinese and "merchants.sanction" not in english + chinese
    typed = training.assign_remedy(
        merchant=owner.membership.merchant, programme=p, source="Staff: repeat offences"
    )
    assert decisions_for(typed).get(action="assign").reason == "Staff: repeat offences"


def test_scores_and_sanction_references_stored_before_the_codes_are_converted(mm, owner):
    p = published(mm, title=ZH)
    assignment = p.assignments.get()
    notes = {"attempt_1": "80%", "attempt_2": "about 80%", "reminder_3": "80%"}
    rows = {
        step: TrainingStep.objects.create(assignment=assignment, step=step, at=T0, note=note)
        for step, note in notes.items()
    }
    content_type = ContentType.objects.get_for_model(assignment)
    made = {
        reason: Decision.objects.create(
            content_type=content_type,
            object_id=str(assignment.pk),
            action="assign",
            actor_label="system",
            reason=reason,
        )
        for reason in ("merchants.sanction:12", "Typed by a person")
    }
    migration = import_module("merchants.migrations.0020_quiz_score_and_remedy_source_codes")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    for row in rows.values():
        row.refresh_from_db()
    assert (rows["attempt_1"].note, rows["attempt_1"].note_code) == ("", reason_texts.QUIZ_SCORED)
    assert "80%" in in_both(lambda: rows["attempt_1"].note_text)[1]
    for step in ("attempt_2", "reminder_3"):
        assert (rows[step].note, rows[step].note_code) == (notes[step], "")
    converted = Decision.objects.get(pk=made["merchants.sanction:12"].pk)
    assert converted.reason == ""
    assert converted.data["reason_code"] == reason_texts.ASSIGNED_BY_SANCTION
    assert "#12" in in_both(lambda: reason_label(converted))[0]
    assert Decision.objects.get(pk=made["Typed by a person"].pk).reason == "Typed by a person"
