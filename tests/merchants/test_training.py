"""Training after go-live: publishing, audiences, recurrence, reminders, overdue consequences,
quiz scoring, versions, sessions and staff training."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import DomainError, NotAllowed
from core.models import Alert
from merchants.models import (
    Restriction,
    TrainingAssignment,
    TrainingStep,
)
from merchants.services import can_sell, training
from tests.factories import CategoryFactory, MembershipFactory, MerchantFactory
from tests.factories.merchants import TrainingSessionFactory, sells_in
from tests.merchants.training_helpers import department, manager, programme, published

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2031, 3, 2, 9, 0, tzinfo=dt.UTC)


def steps(assignment):
    return list(
        TrainingStep.objects.filter(assignment=assignment)
        .order_by("id")
        .values_list("step", flat=True)
    )


@pytest.fixture
def mm(role_user):
    return manager(role_user)


@pytest.fixture
def owner():
    return MembershipFactory(merchant=MerchantFactory(status="active"), role="owner").user


# --- publishing and audiences ---------------------------------------------------------------
def test_publishing_assigns_every_live_merchant_in_constant_statements(
    mm, django_assert_max_num_queries
):
    MerchantFactory.create_batch(5, status="active")
    MerchantFactory(status="probation")
    MerchantFactory(status="onboarding")
    MerchantFactory(status="suspended")
    few = programme()
    with time_machine.travel(T0, tick=False):
        result = training.publish_programme(few, actor=mm)
    assert result.assigned == 6
    assignment = TrainingAssignment.objects.filter(programme=few).first()
    assert assignment.due_at == T0 + dt.timedelta(days=30)
    MerchantFactory.create_batch(20, status="active")
    many = programme()
    with django_assert_max_num_queries(14):
        result = training.publish_programme(many, actor=mm)
    assert result.assigned == 26


def test_category_audience_assigns_sellers_and_a_merchant_entering_the_category(
    mm, django_capture_on_commit_callbacks
):
    food, toys = CategoryFactory(), CategoryFactory()
    seller = MerchantFactory(status="active")
    seller.categories.add(food)
    other = MerchantFactory(status="active")
    other.categories.add(toys)
    p = published(mm, audience="categories", categories=[food])
    assert list(p.assignments.values_list("merchant", flat=True)) == [seller.pk]
    with django_capture_on_commit_callbacks(execute=True):
        other.categories.add(food)
    assignment = p.assignments.get(merchant=other)
    assert assignment.reason == "audience"


def test_probation_audience_and_a_merchant_going_on_probation(
    mm, django_capture_on_commit_callbacks
):
    p = published(mm, audience="probation")
    newcomer = MerchantFactory(status="onboarding")
    assert not p.assignments.exists()
    with django_capture_on_commit_callbacks(execute=True):
        newcomer.status = "probation"
        newcomer.save()
    assert p.assignments.filter(merchant=newcomer).exists()


def test_risk_tier_audience_follows_the_reports_tiers(mm):
    from tests.factories.reports import RiskScoreFactory

    risky = RiskScoreFactory(tier="high").merchant
    RiskScoreFactory(tier="low")
    p = published(mm, audience="risk_tier", risk_tier="high")
    assert list(p.assignments.values_list("merchant", flat=True)) == [risky.pk]
    moved = RiskScoreFactory(tier="low")
    moved.tier = "high"
    moved.save()
    assert training.audience_changed("risk_tier") == 1
    assert p.assignments.filter(merchant=moved.merchant).exists()


def test_staff_programme_assigns_the_department_and_new_members(
    mm, role_user, django_capture_on_commit_callbacks
):
    agent = role_user("consumer_service")
    role_user("data_analysis")
    p = published(mm, audience="staff", department=department("consumer_service"))
    assert list(p.assignments.values_list("user", flat=True)) == [agent.pk]
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = role_user("consumer_service")
    assert p.assignments.filter(user=newcomer).exists()


def test_a_sanction_naming_training_as_remedy_assigns_once(mm, owner):
    merchant = owner.membership.merchant
    p = published(mm, audience="probation")
    first = training.assign_remedy(merchant=merchant, programme=p, source="merchants.sanction:7")
    again = training.assign_remedy(merchant=merchant, programme=p, source="merchants.sanction:7")
    assert first.pk == again.pk
    assert first.reason == "sanction"
    by_code = training.assign_remedy(
        merchant=merchant, programme=p.code, source="merchants.sanction:7"
    )
    assert by_code.pk == first.pk
    heard = []
    training.on_training_completed(heard.append)
    try:
        training.finish_modules(first, actor=owner)
    finally:
        training.COMPLETION_LISTENERS.remove(heard.append)
    assert [a.source for a in heard] == ["merchants.sanction:7"]
    assert Alert.objects.filter(kind="training_assigned", recipient_user=owner).count() == 1


# --- versions -------------------------------------------------------------------------------
def test_a_version_with_assignments_is_frozen_and_a_new_version_replaces_it(mm, owner):
    with time_machine.travel(T0, tick=False):
        v1 = published(mm)
        with pytest.raises(DomainError):
            training.ensure_editable(v1)
        v2 = training.new_version(v1, actor=mm)
        assert (v2.version, v2.status, v2.modules.count()) == (2, "draft", 1)
        training.ensure_editable(v2)
        result = training.publish_programme(v2, actor=mm)
    v1.refresh_from_db()
    assert v1.status == "retired"
    assert result.superseded == 1
    assert v1.assignments.get().status == "superseded"
    assert v2.assignments.get().merchant == owner.membership.merchant


def test_publishing_twice_or_an_incomplete_programme_is_refused(mm):
    empty = programme()
    empty.modules.all().delete()
    with pytest.raises(DomainError):
        training.publish_programme(empty, actor=mm)
    quizless = programme(pass_mark=80)
    with pytest.raises(DomainError):
        training.publish_programme(quizless, actor=mm)
    p = published(mm)
    with pytest.raises(DomainError):
        training.publish_programme(p, actor=mm)


def test_only_merchant_management_publishes(role_user):
    with pytest.raises(NotAllowed):
        training.publish_programme(programme(), actor=role_user("consumer_service"))


# --- recurrence and reminders ---------------------------------------------------------------
def test_a_yearly_programme_assigns_a_new_cycle_after_a_year(mm, owner):
    with time_machine.travel(T0, tick=False):
        p = published(mm, recurrence_months=12)
    with time_machine.travel(T0 + dt.timedelta(days=300), tick=False):
        assert training.sweep_training().recurred == 0
    with time_machine.travel(T0 + dt.timedelta(days=366), tick=False):
        result = training.sweep_training()
        again = training.sweep_training()
    assert result.recurred == 1 and again.recurred == 0
    cycles = sorted(p.assignments.values_list("cycle", "reason"))
    assert cycles == [(1, "published"), (2, "recurrence")]
    p.refresh_from_db()
    assert p.cycle_started_at == dt.datetime(2032, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_reminders_at_14_3_and_1_days_each_once(mm, owner):
    with time_machine.travel(T0, tick=False):
        p = published(mm, window_days=30)
    assignment = p.assignments.get()
    due = assignment.due_at
    alerts = Alert.objects.filter(kind="training_due", recipient_user=owner)
    with time_machine.travel(due - dt.timedelta(days=15), tick=False):
        training.sweep_training()
    assert alerts.count() == 0
    for days in (14, 3, 1):
        with time_machine.travel(due - dt.timedelta(days=days) + dt.timedelta(minutes=5)):
            training.sweep_training()
            training.sweep_training()
        assignment.refresh_from_db()
        assert assignment.reminded_days == days
    assert alerts.count() == 3
    assert steps(assignment) == ["reminder_14", "reminder_3", "reminder_1"]


def test_overdue_alerts_then_restricts_the_categories_once_and_completion_lifts(mm, owner):
    merchant = owner.membership.merchant
    food, toys = CategoryFactory(), CategoryFactory()
    sells_in(merchant, food, toys)
    with time_machine.travel(T0, tick=False):
        p = published(mm, audience="categories", categories=[food], window_days=10)
    assignment = p.assignments.get()
    with time_machine.travel(assignment.due_at + dt.timedelta(hours=1), tick=False):
        result = training.sweep_training()
        assert (result.overdue, result.restricted) == (1, 0)
        assert can_sell(merchant, food)
    assert Alert.objects.filter(kind="training_overdue", recipient_user=owner).count() == 1
    with time_machine.travel(assignment.due_at + dt.timedelta(days=8), tick=False):
        assert training.sweep_training().restricted == 1
        assert training.sweep_training().restricted == 0
        assert not can_sell(merchant, food)
        assert can_sell(merchant, toys)
    restrictions = Restriction.objects.filter(merchant=merchant, reason="training_overdue")
    assert restrictions.count() == 1
    assert restrictions.get().category == food
    with time_machine.travel(assignment.due_at + dt.timedelta(days=9), tick=False):
        training.finish_modules(assignment, actor=owner)
        assert can_sell(merchant, food)
    assignment.refresh_from_db()
    assert assignment.status == "completed" and assignment.lifted_at is not None
    assert steps(assignment) == ["overdue", "restricted", "modules_done", "completed", "lifted"]


def test_a_programme_for_all_merchants_restricts_the_whole_merchant(mm, owner):
    merchant = owner.membership.merchant
    with time_machine.travel(T0, tick=False):
        p = published(mm, window_days=5)
    due = p.assignments.get().due_at
    with time_machine.travel(due + dt.timedelta(days=30), tick=False):
        training.sweep_training()
        assert not can_sell(merchant)


def test_staff_overdue_alerts_the_staff_member_without_restriction(mm, role_user):
    agent = role_user("consumer_service")
    with time_machine.travel(T0, tick=False):
        p = published(mm, audience="staff", department=department("consumer_service"))
    with time_machine.travel(T0 + dt.timedelta(days=60), tick=False):
        result = training.sweep_training()
    assert result.overdue == 1 and result.restricted == 0
    assert Alert.objects.filter(kind="training_overdue", recipient_user=agent).exists()
    assert p.assignments.get().restricted_at is None


# --- quiz ----------------------------------------------------------------------------------------
def _quiz_assignment(mm, owner, **kwargs):
    p = published(mm, questions=2, pass_mark=100, max_attempts=2, **kwargs)
    assignment = p.assignments.get()
    training.finish_modules(assignment, actor=owner)
    return p, assignment


def _answers(p, right=True):
    return {
        str(q.pk): q.correct_choice if right else q.correct_choice + 1 for q in p.questions.all()
    }


def test_quiz_scoring_pass_completes_with_a_certificate_number(mm, owner):
    p, assignment = _quiz_assignment(mm, owner)
    started = training.start_quiz(assignment, actor=owner)["token"]
    answers = _answers(p)
    answers[next(iter(answers))] = 3  # one wrong of two
    attempt = training.submit_quiz(assignment, answers=answers, actor=owner, token=started)
    assert (attempt.score, attempt.passed) == (50, False)
    attempt = training.submit_quiz(assignment, answers=_answers(p), actor=owner, token=started)
    assert (attempt.number, attempt.score, attempt.passed) == (2, 100, True)
    assignment.refresh_from_db()
    assert assignment.status == "completed" and assignment.certificate_number


def test_a_second_attempt_beyond_the_allowed_count_is_refused(mm, owner):
    p, assignment = _quiz_assignment(mm, owner)
    started = training.start_quiz(assignment, actor=owner)["token"]
    for _ in range(2):
        training.submit_quiz(
            assignment, answers=_answers(p, right=False), actor=owner, token=started
        )
    with pytest.raises(DomainError) as excinfo:
        training.submit_quiz(assignment, answers=_answers(p), actor=owner, token=started)
    assert excinfo.value.code == "attempts_exhausted"
    with pytest.raises(DomainError):
        training.start_quiz(assignment, actor=owner)


def test_a_quiz_answered_after_its_window_is_refused(mm, owner):
    p, assignment = _quiz_assignment(mm, owner)
    with time_machine.travel(T0, tick=False):
        started = training.start_quiz(assignment, actor=owner)["token"]
    with (
        time_machine.travel(T0 + dt.timedelta(minutes=61), tick=False),
        pytest.raises(DomainError) as excinfo,
    ):
        training.submit_quiz(assignment, answers=_answers(p), actor=owner, token=started)
    assert excinfo.value.code == "window_closed"
    assert not assignment.attempts.exists()


def test_a_quiz_of_a_completed_or_replaced_assignment_is_refused(mm, owner):
    p, assignment = _quiz_assignment(mm, owner)
    started = training.start_quiz(assignment, actor=owner)["token"]
    training.submit_quiz(assignment, answers=_answers(p), actor=owner, token=started)
    with pytest.raises(DomainError) as excinfo:
        training.submit_quiz(assignment, answers=_answers(p), actor=owner, token=started)
    assert excinfo.value.code == "completed"


def test_another_merchant_cannot_take_the_training(mm, owner, owner_b):
    p = published(mm)
    assignment = p.assignments.get(merchant=owner.membership.merchant)
    with pytest.raises(NotAllowed):
        training.finish_modules(assignment, actor=owner_b)


# --- sessions ------------------------------------------------------------------------------------
def test_session_capacity_registration_and_attendance_complete_the_programme(mm, owner):
    p = published(mm)
    session = TrainingSessionFactory(
        kind="expert",
        is_onboarding=False,
        capacity=1,
        programme=p,
        starts_at=timezone.now() + dt.timedelta(days=3),
    )
    attendance = training.register_for_session(session=session, actor=owner)
    second = MembershipFactory(merchant=MerchantFactory(status="active")).user
    with pytest.raises(DomainError) as excinfo:
        training.register_for_session(session=session, actor=second)
    assert excinfo.value.code == "full"
    assert training.record_attendance(session=session, attendance_ids=[attendance.pk], actor=mm)
    assignment = p.assignments.get(merchant=owner.membership.merchant)
    assert assignment.status == "completed"


def test_staff_register_for_staff_sessions(mm, role_user):
    agent = role_user("consumer_service")
    session = TrainingSessionFactory(
        for_staff=True, is_onboarding=False, starts_at=timezone.now() + dt.timedelta(days=1)
    )
    training.register_for_session(session=session, actor=agent)
    with pytest.raises(DomainError):
        training.register_for_session(session=session, actor=agent)


# --- materials -----------------------------------------------------------------------------------
def test_materials_of_a_refused_file_type_are_rejected(mm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.uploads import store_upload

    with pytest.raises(ValidationError):
        store_upload(SimpleUploadedFile("slides.exe", b"MZ\x90\x00 not a pdf"), uploaded_by=mm)


# --- figures -------------------------------------------------------------------------------------
def test_completion_rates_per_programme_and_category(mm, owner):
    food = CategoryFactory()
    owner.membership.merchant.categories.add(food)
    MerchantFactory(status="active").categories.add(food)
    p = published(mm)
    training.finish_modules(p.assignments.get(merchant=owner.membership.merchant), actor=owner)
    row = next(r for r in training.completion_by_programme() if r["programme"] == p)
    assert (row["assigned"], row["completed"], row["rate"]) == (2, 1, 0.5)
    (cat_row,) = training.completion_by_category()
    assert (cat_row["category"], cat_row["assigned"], cat_row["completed"]) == (food, 2, 1)


def test_onboarding_attendance_still_gates_go_live(mm, owner):
    from merchants.services import record_training_completed, training_completed

    merchant = owner.membership.merchant
    session = TrainingSessionFactory()
    record_training_completed(session=session, merchant=merchant, actor=mm)
    assert training_completed(merchant)


# --- admin forms ---------------------------------------------------------------------------------
def test_admin_refuses_material_of_a_refused_file_type_and_edits_of_a_frozen_version(mm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from merchants.admin.training import MaterialForm, ProgrammeForm
    from tests import files

    draft = programme()
    module = draft.modules.get()
    bad = MaterialForm(
        data={"module": module.pk, "title": "Slides", "order": 1},
        files={"upload": SimpleUploadedFile("slides.exe", b"MZ\x90\x00 binary")},
    )
    assert not bad.is_valid() and "upload" in bad.errors
    good = MaterialForm(
        data={"module": module.pk, "title": "Slides", "order": 1},
        files={"upload": files.pdf("slides.pdf")},
    )
    assert good.is_valid(), good.errors
    assert good.save().file.content_type == "application/pdf"
    MerchantFactory(status="active")
    p = published(mm)
    assert training.is_frozen(p)
    data = {
        "code": p.code,
        "version": p.version,
        "title": "Changed",
        "audience": "all_merchants",
        "recurrence_months": 0,
        "window_days": 30,
        "max_attempts": 3,
    }
    form = ProgrammeForm(data=data, instance=p)
    assert not form.is_valid()
