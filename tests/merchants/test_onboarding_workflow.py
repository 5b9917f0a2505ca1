"""The application workflow: sign-up, completeness, every allowed and refused transition."""

import pytest
from django.utils import translation

from core.exceptions import DomainError, InvalidTransition, NotAllowed
from core.models import Decision
from merchants import services
from merchants.models import Application, Membership, Merchant, Probation
from tests.factories.core import CategoryFactory, UserFactory
from tests.merchants.onboarding_helpers import (
    agreement,
    complete_application,
    make_ready_to_approve,
    signed_up,
    upload,
    valid_code,
)

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def staff(role_user):
    return role_user("merchant_management")


def test_sign_up_creates_merchant_owner_and_draft_application():
    owner, merchant, category = signed_up()
    assert merchant.status == Merchant.Status.ONBOARDING
    assert Membership.objects.get(user=owner).role == Membership.Role.OWNER
    application = services.open_application(merchant)
    assert application.status == S.DRAFT
    assert list(merchant.categories.all()) == [category]


def test_wrong_credit_code_is_refused_and_nothing_is_stored():
    user = UserFactory()
    bad = valid_code(1)[:17] + ("0" if valid_code(1)[17] != "0" else "1")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.register_merchant(
            user=user,
            legal_name="Bad Co",
            credit_code=bad,
            contact_name="x",
            contact_email="x@example.test",
        )
    assert "check digit" in str(refused.value.message_dict["credit_code"])
    assert not Merchant.objects.exists()
    assert not Membership.objects.exists()


def test_wrong_credit_code_error_is_translated():
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.register_merchant(
            user=UserFactory(),
            legal_name="Bad Co",
            credit_code="123",
            contact_name="x",
            contact_email="x@example.test",
        )
    assert "统一社会信用代码" in refused.value.message_dict["credit_code"][0]


def test_submitting_an_empty_application_lists_exactly_what_is_missing():
    owner, merchant, category = signed_up()
    agreement()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.submit_application(application=services.open_application(merchant), actor=owner)
    message = refused.value.messages[0]
    assert "Business licence" in message
    assert f"Product quality test report for {category.name_en}" in message
    assert "Accept Merchant agreement, version " in message
    assert "training" not in message
    assert services.open_application(merchant).status == S.DRAFT
    assert not Decision.objects.filter(action="submitted").exists()


def test_submitting_with_only_the_test_report_missing_names_only_it():
    owner, merchant, category = signed_up()
    upload(merchant, owner)
    services.accept_agreement(merchant=merchant, actor=owner, version=agreement())
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.submit_application(application=services.open_application(merchant), actor=owner)
    assert refused.value.messages[0] == (
        "The application is not complete yet. Still missing: "
        f"Product quality test report for {category.name_en}."
    )


def test_full_path_from_sign_up_to_probation_records_every_step(staff):
    owner, merchant, category = signed_up()
    application = make_ready_to_approve(owner, merchant, category, staff)
    services.approve_application(application=application, actor=staff, reason="All good")
    merchant.refresh_from_db()
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert merchant.status == Merchant.Status.PROBATION
    probation = Probation.objects.get(merchant=merchant)
    assert (probation.ends_at - probation.starts_at).days == 90
    assert (probation.first_spot_check_due_at - probation.starts_at).days == 30
    assert merchant.probation_ends_at == probation.ends_at
    steps = list(
        Decision.objects.filter(object_id=str(application.pk), content_type__model="application")
        .order_by("created_at", "pk")
        .values_list("from_state", "to_state", "actor_id")
    )
    assert steps == [
        ("", "draft", owner.pk),
        ("draft", "submitted", owner.pk),
        ("submitted", "under_review", staff.pk),
        ("under_review", "approved", staff.pk),
    ]
    assert services.can_sell(merchant, category)


def test_needs_changes_loop_back_to_submitted(staff):
    owner, merchant, category = signed_up()
    complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    services.start_review(application=application, actor=staff)
    services.request_changes(application=application, actor=staff, reason="Licence is blurry")
    application.refresh_from_db()
    assert application.status == S.NEEDS_CHANGES
    assert application.is_editable_by_merchant
    services.submit_application(application=application, actor=owner)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    decision = Decision.objects.get(to_state="needs_changes")
    assert decision.reason == "Licence is blurry"


ALLOWED = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.UNDER_REVIEW},
    S.UNDER_REVIEW: {S.APPROVED, S.REJECTED, S.NEEDS_CHANGES},
    S.NEEDS_CHANGES: {S.SUBMITTED},
    S.APPROVED: set(),
    S.REJECTED: set(),
}


def test_transition_table_is_exactly_the_spec():
    for state in S.values:
        assert services.APPLICATION_FLOW.allowed(state) == ALLOWED[state]


def _move(application, to, owner, staff):
    if to == S.SUBMITTED:
        return services.submit_application(application=application, actor=owner)
    if to == S.UNDER_REVIEW:
        return services.start_review(application=application, actor=staff)
    if to == S.NEEDS_CHANGES:
        return services.request_changes(application=application, actor=staff, reason="r")
    if to == S.REJECTED:
        return services.reject_application(application=application, actor=staff, reason="r")
    return services.approve_application(application=application, actor=staff)


@pytest.mark.parametrize(
    ("start", "to"),
    [(s, t) for s in S.values for t in S.values if t != S.DRAFT and t not in ALLOWED[s]],
)
def test_refused_transitions_say_so_and_change_nothing(staff, start, to):
    owner, merchant, category = signed_up()
    complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    Application.objects.filter(pk=application.pk).update(status=start)
    application.refresh_from_db()
    before = Decision.objects.count()
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        _move(application, to, owner, staff)
    assert "Cannot go from" in refused.value.messages[0]
    application.refresh_from_db()
    assert application.status == start
    assert Decision.objects.count() == before


def test_approval_refused_until_documents_accepted_and_training_done(staff):
    owner, merchant, category = signed_up()
    complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    services.start_review(application=application, actor=staff)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.approve_application(application=application, actor=staff)
    message = refused.value.messages[0]
    assert "Business licence" in message and "onboarding training" in message
    application.refresh_from_db()
    merchant.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert merchant.status == Merchant.Status.ONBOARDING
    assert not Probation.objects.exists()


def test_reject_and_request_changes_need_a_reason(staff):
    owner, merchant, category = signed_up()
    complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    services.start_review(application=application, actor=staff)
    for service in (services.reject_application, services.request_changes):
        with pytest.raises(DomainError):
            service(application=application, actor=staff, reason="  ")
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_merchant_user_cannot_act_on_another_merchants_application():
    owner_a, merchant_a, category = signed_up(n=1)
    owner_b, _merchant_b, _ = signed_up(n=2)
    complete_application(owner_a, merchant_a, category)
    with translation.override("en"), pytest.raises(NotAllowed) as refused:
        services.submit_application(
            application=services.open_application(merchant_a), actor=owner_b
        )
    assert refused.value.messages[0] == "You can only act for your own merchant."
    assert services.open_application(merchant_a).status == S.DRAFT


def test_merchant_user_cannot_review_their_own_application():
    owner, merchant, category = signed_up()
    complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    with pytest.raises(NotAllowed):
        services.start_review(application=application, actor=owner)


def test_new_application_after_rejection_and_only_one_open(staff):
    owner, merchant, category = signed_up()
    with pytest.raises(DomainError):
        services.start_application(merchant=merchant, actor=owner)
    complete_application(owner, merchant, category)
    application = services.open_application(merchant)
    services.submit_application(application=application, actor=owner)
    services.start_review(application=application, actor=staff)
    services.reject_application(application=application, actor=staff, reason="Not a fit")
    again = services.start_application(merchant=merchant, actor=owner)
    assert again.status == S.DRAFT and again.pk != application.pk


def test_owner_adds_staff_member_and_staff_member_cannot_add_more():
    owner, merchant, _category = signed_up()
    colleague = UserFactory()
    services.add_staff_member(merchant=merchant, actor=owner, user=colleague)
    assert colleague.membership.role == Membership.Role.STAFF
    with pytest.raises(NotAllowed):
        services.add_staff_member(merchant=merchant, actor=colleague, user=UserFactory())


def test_details_editable_only_while_draft_or_needs_changes(staff):
    owner, merchant, category = signed_up()
    other = CategoryFactory()
    services.update_merchant_details(
        merchant=merchant, actor=owner, contact_name="Wang Fang", categories=[category, other]
    )
    merchant.refresh_from_db()
    assert merchant.contact_name == "Wang Fang"
    assert set(merchant.categories.all()) == {category, other}
    services.update_merchant_details(merchant=merchant, actor=owner, categories=[category])
    complete_application(owner, merchant, category)
    services.submit_application(application=services.open_application(merchant), actor=owner)
    with pytest.raises(DomainError):
        services.update_merchant_details(merchant=merchant, actor=owner, contact_name="X")
