"""Merchant portal pages under /merchant/ and Merchant Management pages under /staff/."""

from django.urls import path

from merchants.views import onboarding, standing, training

app_name = "merchants"
urlpatterns = [
    path("merchant/", onboarding.portal_home, name="portal-home"),
    path("merchant/signup/", onboarding.portal_signup, name="portal-signup"),
    path("merchant/apply/", onboarding.portal_apply, name="portal-apply"),
    path("merchant/apply/submit/", onboarding.portal_submit, name="portal-submit"),
    path("merchant/apply/new/", onboarding.portal_new_application, name="portal-new-application"),
    path("merchant/documents/", onboarding.portal_documents, name="portal-documents"),
    path("merchant/categories/", onboarding.portal_categories, name="portal-categories"),
    path("merchant/requirements/", onboarding.portal_requirements, name="portal-requirements"),
    path("merchant/agreement/", onboarding.portal_agreement, name="portal-agreement"),
    path("merchant/training/", onboarding.portal_training, name="portal-training"),
    path("merchant/team/", onboarding.portal_team, name="portal-team"),
    path("merchant/invitations/", onboarding.portal_invitations, name="portal-invitations"),
    path(
        "merchant/invitations/<int:pk>/",
        onboarding.portal_invitation_decide,
        name="portal-invitation-decide",
    ),
    path("staff/merchants/review/", onboarding.review_queue, name="review-queue"),
    path(
        "staff/merchants/applications/<int:pk>/",
        onboarding.application_detail,
        name="staff-application",
    ),
    path(
        "staff/merchants/applications/<int:pk>/decide/",
        onboarding.transition_application,
        name="staff-application-decide",
    ),
    path(
        "staff/merchants/documents/<int:pk>/review/",
        onboarding.review_document,
        name="staff-document-review",
    ),
    *standing.urlpatterns,
    *training.urlpatterns,
]
