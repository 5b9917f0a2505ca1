"""Permission matrix: every URL pattern of the site, requested as every kind of actor, against
objects that belong to merchant A, with the outcome each actor must get written down below.

Actors (the columns of every entry, in this order):

    anon  not signed in            a    owner of merchant A (the objects' merchant)
    mm    Merchant Management      b    owner of merchant B (must never see A's data)
    qm    Quality Management       c    consumer holding the review link of A's purchase
    cs    Consumer Service              and the tracking link of their complaint against A
                                        (not signed in; only token URLs differ for them)
    da    Data Analysis
    qmr   Quality Managers

Outcomes: ok (200), login (redirect to a login page), redir (any other redirect), 400, 401,
403, 404, 405. A server error is always a failure.

Leaks: A's private strings (order number, buyer, document number, inspection batch, appeal
statement, sanction reason, ...) never appear in a response to anon, b or c; A's public
strings (legal name, product title) never appear in b's responses except on public pages
(entries marked `pub`); B's strings never appear in a's or c's responses (B's public ones
except on public pages). c sees A's private strings of their own purchase and case only
(`c_own`); consumer contacts and Consumer Service's internal notes never reach a either
(`staff_only`).

Admin pages follow one rule instead of entries (see `_admin_expected`): never for non-staff
(login), and for staff exactly what the ModelAdmin's own permission methods grant (add,
history and delete pages for one staff role each, see SAMPLED_ADMIN_VIEWS).

Adding a URL: see "Permission matrix" in docs/conventions.md. A URL without an entry fails
with the entry to add, filled with what each actor got, to be checked before pasting.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.roles import Role

pytestmark = pytest.mark.django_db

ACTORS = ["anon", "mm", "qm", "cs", "da", "qmr", "a", "b", "c"]
STAFF = {
    "mm": Role.MERCHANT_MANAGEMENT,
    "qm": Role.QUALITY_MANAGEMENT,
    "cs": Role.CONSUMER_SERVICE,
    "da": Role.DATA_ANALYSIS,
    "qmr": Role.QUALITY_MANAGER,
}
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "permission-matrix.json"

# name: (kwargs, outcomes for: anon mm qm cs da qmr a b c [, "pub"])
# kwargs: "pk=<object>" (an object of merchant A, see `world`), "kind='entry'" a literal.
# A detail route of the API (`<basename>-detail`) is requested with A's object of that kind.
PAGES = {
    # site
    "home": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "set_language": ("", "redir redir redir redir redir redir redir redir redir pub"),
    "login": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "logout": ("", "405 405 405 405 405 405 405 405 405 pub"),
    # 503 until a Celery worker answers the health check's ping (none in most tests).
    "health": ("", "ok/503 ok/503 ok/503 ok/503 ok/503 ok/503 ok/503 ok/503 ok/503 pub"),
    "health-live": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "health-ready": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "api-root": ("", "403 ok ok ok ok ok ok ok 403"),
    "schema": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "api-docs": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "core:inbox": ("", "login ok ok ok ok ok ok ok login"),
    "core:inbox-read": ("", "login 405 405 405 405 405 405 405 login"),
    "core:download": ("pk=upload", "404 ok 404 404 404 404 ok 404 404"),
    # public pages (the review link is the consumer's)
    "merchants:portal-signup": ("", "ok redir redir redir redir redir redir redir ok pub"),
    "reviews:product-reviews": ("product_id=product", "ok ok ok ok ok ok ok ok ok pub"),
    "reviews:write": ("token=review_token", "404 404 404 404 404 404 404 404 ok"),
    "complaints:new-complaint": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "complaints:remedies": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "complaints:new-report": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "complaints:rights-guide": ("", "ok ok ok ok ok ok ok ok ok pub"),
    # The tracking link opens the case for whoever holds it (c); any other token is a 404.
    "complaints:case": ("token=case_token", "404 404 404 404 404 404 404 404 ok"),
    "complaints:case-reply": ("token=case_token", "405 405 405 405 405 405 405 405 405"),
    "complaints:case-rate": ("token=case_token", "405 405 405 405 405 405 405 405 405"),
    "complaints:case-attachment": (
        "token=case_token upload_id=case_file",
        "404 404 404 404 404 404 404 404 ok",
    ),
    # Published quarterly reports: platform figures only, so not `pub`: no merchant's name
    # may appear on them either. The index also lists published quality notices, which name
    # the merchant and the product (never a buyer): public.
    "reports:public-index": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "reports:public-report": (
        "year=report_year quarter=report_quarter",
        "ok ok ok ok ok ok ok ok ok",
    ),
    "reports:public-download": (
        "year=report_year quarter=report_quarter language='en' file_format='csv'",
        "ok ok ok ok ok ok ok ok ok",
    ),
    # merchant portal
    "merchants:portal-home": ("", "ok 403 403 403 403 403 ok ok ok"),
    "merchants:portal-apply": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-submit": ("", "405 405 405 405 405 405 405 405 405"),
    "merchants:portal-new-application": ("", "405 405 405 405 405 405 405 405 405"),
    "merchants:portal-documents": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-categories": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-requirements": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-agreement": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-training": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-team": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-training-assignment": (
        "pk=training_assignment",
        "login 403 403 403 403 403 ok 404 login",
    ),
    "merchants:portal-training-quiz": (
        "pk=training_assignment",
        "login 403 403 403 403 403 redir 404 login",
    ),
    "merchants:portal-training-certificate": (
        "pk=training_assignment",
        "login 403 403 403 403 403 ok 404 login",
    ),
    "merchants:staff-training": ("", "login ok 403 403 403 ok 403 403 login"),
    "merchants:staff-my-training": ("", "login ok ok ok ok ok 403 403 login"),
    "merchants:staff-my-training-assignment": (
        "pk=training_assignment",
        "login 404 404 404 404 404 403 403 login",
    ),
    "merchants:staff-my-training-quiz": (
        "pk=training_assignment",
        "login 404 404 404 404 404 403 403 login",
    ),
    "merchants:staff-my-training-certificate": (
        "pk=training_assignment",
        "login 404 404 404 404 404 403 403 login",
    ),
    # Any signed-in non-staff account reads its own invitations (none here).
    "merchants:portal-invitations": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:portal-invitation-decide": ("pk=invitation", "405 405 405 405 405 405 405 405 405"),
    "merchants:standing": ("", "login 403 403 403 403 403 ok ok login"),
    "merchants:appeal-new": ("kind='entry' pk=entry", "login 403 403 403 403 403 ok 404 login"),
    "products:merchant-products": ("", "login 403 403 403 403 403 ok ok login"),
    "products:merchant-product-new": ("", "login 403 403 403 403 403 ok ok login"),
    "products:merchant-product-edit": ("pk=product", "login 403 403 403 403 403 ok 404 login"),
    "products:merchant-claim-check": ("", "login 403 403 403 403 403 405 405 login"),
    "products:merchant-standards": ("", "login 403 403 403 403 403 ok ok login"),
    "reviews:merchant-ratings": ("", "login 403 403 403 403 403 ok ok login"),
    "reviews:merchant-reply": ("pk=review", "login 405 405 405 405 405 405 405 login"),
    "inspections:merchant-inspections": ("", "login 403 403 403 403 403 ok ok login"),
    "inspections:merchant-inspection": ("pk=inspection", "login 403 403 403 403 403 ok 404 login"),
    "complaints:portal-cases": ("", "login 403 403 403 403 403 ok ok login"),
    "complaints:portal-remedies": ("", "login 403 403 403 403 403 ok ok login"),
    "complaints:portal-remedy-done": ("pk=remedy", "login 403 403 403 403 403 redir 404 login"),
    "complaints:portal-case": ("pk=case", "login 403 403 403 403 403 ok 404 login"),
    # A GET on an action address shows the case page; only a POST runs the action.
    "complaints:portal-case-action": (
        "pk=case action='answer'",
        "login 403 403 403 403 403 ok 404 login",
    ),
    # labs, suppliers, lots, findings, traceability; the case lookup and rating link
    "products:staff-suppliers": ("", "login 403 ok 403 403 ok 403 403 login"),
    "products:staff-supplier": ("pk=supplier", "login 403 ok 403 403 ok 403 403 login"),
    "inspections:staff-samples": ("pk=inspection", "login 403 ok 403 403 403 403 403 login"),
    "inspections:staff-labs": ("", "login 403 ok 403 403 ok 403 403 login"),
    "inspections:staff-lab": ("pk=lab", "login 403 ok 403 403 ok 403 403 login"),
    "inspections:lab-samples": ("", "login 403 403 403 403 403 403 403 login"),
    "inspections:lab-sample": ("code=lab_sample", "login 403 403 403 403 403 403 403 login"),
    "inspections:lab-template": ("code=lab_sample", "login 403 403 403 403 403 403 403 login"),
    "inspections:public-product": ("pk=product", "ok ok ok ok ok ok ok ok ok pub"),
    "inspections:public-lot": ("code=lot_code", "ok ok ok ok ok ok ok ok ok pub"),
    "inspections:merchant-lots": ("", "login 403 403 403 403 403 ok ok login"),
    "inspections:merchant-lot-qr": ("pk=lot", "login 403 403 403 403 403 ok 404 login"),
    "complaints:lookup": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "complaints:rate-link": ("token=rating_token", "404 404 404 404 404 404 404 404 ok"),
    "reports:assessor-home": ("", "login 403 403 403 403 403 403 403 login"),
    "reports:staff-findings": ("", "login 403 403 403 403 ok 403 403 login"),
    "reports:staff-finding": ("pk=finding", "login 403 403 403 403 ok 403 403 login"),
    "reports:staff-trace-lot": ("pk=lot", "login ok ok ok ok ok 403 403 login"),
    "reports:staff-trace-product": ("pk=product", "login ok ok ok ok ok 403 403 login"),
    # staff pages
    "merchants:review-queue": ("", "login ok 403 403 403 403 403 403 login"),
    "merchants:staff-application": ("pk=application", "login ok 403 403 403 403 403 403 login"),
    "merchants:staff-application-decide": ("pk=application", "405 405 405 405 405 405 405 405 405"),
    "merchants:staff-document-review": ("pk=document", "405 405 405 405 405 405 405 405 405"),
    "merchants:staff-standing": ("merchant_id=merchant", "login ok ok 403 403 ok 403 403 login"),
    "merchants:staff-appeals": ("", "login ok 403 403 403 403 403 403 login"),
    "merchants:staff-appeal": ("pk=appeal", "login ok 403 403 403 403 403 403 login"),
    "products:staff-claims": ("", "login ok ok 403 403 403 403 403 login"),
    "products:staff-rescan": ("", "login 405 405 403 403 403 403 403 login"),
    "reviews:moderation": ("", "login 403 ok ok 403 403 403 403 login"),
    "reviews:staff-fold": ("pk=review", "login 405 405 405 405 405 405 405 login"),
    "reviews:staff-unfold": ("pk=review", "login 405 405 405 405 405 405 405 login"),
    "reviews:staff-dismiss": ("pk=signal", "login 405 405 405 405 405 405 405 login"),
    "inspections:staff-queue": ("", "login 403 ok 403 403 403 403 403 login"),
    "inspections:staff-start": ("pk=plan", "login 403 ok 403 403 403 403 403 login"),
    "inspections:staff-record": ("pk=inspection", "login 403 ok 403 403 403 403 403 login"),
    "inspections:staff-lab-report": ("pk=inspection", "login 403 405 403 403 403 403 403 login"),
    "inspections:staff-corrective-action": (
        "pk=switching",
        "login 403 405 403 403 403 403 403 login",
    ),
    # Consumer Service works cases; Quality Managers read them (no action forms).
    "complaints:staff-queue": ("", "login 403 403 ok 403 ok 403 403 login"),
    "complaints:staff-queue-scope": ("scope='mine'", "login 403 403 ok 403 ok 403 403 login"),
    "complaints:staff-bulk-assign": ("", "login 403 403 405 403 403 403 403 login"),
    "complaints:staff-case": ("pk=case", "login 403 403 ok 403 ok 403 403 login"),
    "complaints:staff-reissue-link": ("pk=case", "login 403 403 405 403 403 403 403 login"),
    "complaints:staff-case-action": (
        "pk=case action='respond'",
        "login 403 403 404 403 404 403 403 login",
    ),
    # Quality incidents: the departments that act on them read them; Quality Management and
    # Consumer Service open them; a GET on an action address is a 404 (only POST acts).
    "complaints:staff-incidents": ("", "login 403 ok ok ok ok 403 403 login"),
    "complaints:incident-new": ("", "login 403 ok ok 403 403 403 403 login"),
    "complaints:incident-detail": ("pk=incident", "login 403 ok ok ok ok 403 403 login"),
    "complaints:incident-action": (
        "pk=incident action='contain'",
        "login 403 404 404 404 404 403 403 login",
    ),
    "complaints:portal-incidents": ("", "login 403 403 403 403 403 ok ok login"),
    # Remedies: Consumer Service, Quality Management and the Quality Managers.
    "complaints:remedy-grant": (
        "target_kind='case' pk=case",
        "login 403 ok ok 403 ok 403 403 login",
    ),
    "complaints:remedy": ("pk=remedy", "login 403 ok ok 403 ok 403 403 login"),
    "complaints:remedy-action": (
        "pk=remedy action='done'",
        "login 403 404 404 403 404 403 403 login",
    ),
    "complaints:intake": ("", "login 403 403 ok 403 403 403 403 login"),
    # An incident's buyer notices and public notice: Quality Management runs them, Consumer
    # Service reads them, Quality Managers approve; every step is a POST.
    "complaints:incident-notices": (
        "pk=notified_incident",
        "login 403 ok ok 403 ok 403 403 login",
    ),
    "complaints:incident-notify-buyers": (
        "pk=notified_incident",
        "405 405 405 405 405 405 405 405 405",
    ),
    "complaints:incident-notice-prefill": (
        "pk=notified_incident",
        "405 405 405 405 405 405 405 405 405",
    ),
    "complaints:incident-notice-draft": (
        "pk=notified_incident",
        "405 405 405 405 405 405 405 405 405",
    ),
    "complaints:incident-notice-approve": (
        "pk=notified_incident",
        "405 405 405 405 405 405 405 405 405",
    ),
    "complaints:incident-notice-withdraw": (
        "pk=notified_incident",
        "405 405 405 405 405 405 405 405 405",
    ),
    "complaints:intake-complaint": ("", "login 403 403 ok 403 403 403 403 login"),
    "complaints:intake-report": ("", "login 403 403 ok 403 403 403 403 login"),
    "complaints:intake-mail": ("pk=mail", "login 403 403 ok 403 403 403 403 login"),
    "complaints:intake-mail-dismiss": ("pk=mail", "login 403 403 405 403 403 403 403 login"),
    # Risk: the departments that act on it; the probation override is a POST.
    "reports:risk-list": ("", "login ok ok 403 ok ok 403 403 login"),
    "reports:risk-merchant": ("pk=merchant", "login ok ok 403 ok ok 403 403 login"),
    "reports:risk-merchant-history": ("pk=merchant", "login ok ok 403 ok ok 403 403 login"),
    "reports:risk-probation-override": ("pk=probation", "405 405 405 405 405 405 405 405 405"),
    # Dashboards and quarterly reports: Quality Managers and Data Analysis.
    "reports:dashboards": ("", "login 403 403 403 ok ok 403 403 login"),
    "reports:dashboard-figure": (
        "code='complaints_filed'",
        "login 403 403 403 ok ok 403 403 login",
    ),
    "reports:snapshot-list": ("", "login 403 403 403 ok ok 403 403 login"),
    "reports:snapshot-generate": ("", "405 405 405 405 405 405 405 405 405"),
    "reports:snapshot-detail": ("pk=snapshot", "login 403 403 403 ok ok 403 403 login"),
    "reports:snapshot-download": (
        "pk=snapshot language='en' file_format='csv'",
        "login 403 403 403 ok ok 403 403 login",
    ),
    "reports:report-publish": ("pk=report", "405 405 405 405 405 405 405 405 405"),
    # API (/api/v1/)
    "alert-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "alert-detail": ("pk=alert", "403 404 404 404 404 404 ok 404 403"),
    "alert-read": ("pk=alert", "403 405 405 405 405 405 405 405 403"),
    "merchant-application-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "merchant-application-detail": ("pk=application", "403 ok 404 404 404 ok ok 404 403"),
    "merchant-application-approve": ("pk=application", "403 405 405 405 405 405 405 405 403"),
    "merchant-application-reject": ("pk=application", "403 405 405 405 405 405 405 405 403"),
    "merchant-application-request-changes": (
        "pk=application",
        "403 405 405 405 405 405 405 405 403",
    ),
    "merchant-application-start-review": ("pk=application", "403 405 405 405 405 405 405 405 403"),
    "merchant-application-submit": ("pk=application", "403 405 405 405 405 405 405 405 403"),
    "merchant-category-request-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "merchant-category-request-detail": (
        "pk=category_request",
        "403 ok 404 404 404 ok ok 404 403",
    ),
    "merchant-category-request-approve": (
        "pk=category_request",
        "403 405 405 405 405 405 405 405 403",
    ),
    "merchant-category-request-reject": (
        "pk=category_request",
        "403 405 405 405 405 405 405 405 403",
    ),
    "merchant-document-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "merchant-document-detail": ("pk=document", "403 ok 404 404 404 ok ok 404 403"),
    "merchant-document-review": ("pk=document", "403 405 405 405 405 405 405 405 403"),
    "merchant-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "merchant-detail": ("pk=merchant", "403 ok ok ok ok ok ok 404 403"),
    "merchant-requirements": ("pk=merchant", "403 ok ok ok ok ok ok 404 403"),
    "violation-entry-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "violation-entry-detail": ("pk=entry", "403 ok ok 404 404 ok ok 404 403"),
    "sanction-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "sanction-detail": ("pk=sanction", "403 ok ok 404 404 ok ok 404 403"),
    "sanction-revoke": ("pk=sanction", "403 405 405 405 405 405 405 405 403"),
    "appeal-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "appeal-detail": ("pk=appeal", "403 ok ok 404 404 ok ok 404 403"),
    "appeal-decide": ("pk=appeal", "403 405 405 405 405 405 405 405 403"),
    "appeal-review": ("pk=appeal", "403 405 405 405 405 405 405 405 403"),
    "training-programme-list": ("", "403 ok ok ok ok ok 403 403 403"),
    "training-programme-detail": ("pk=training_programme", "403 ok ok ok ok ok 403 403 403"),
    "training-assignment-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "training-assignment-detail": (
        "pk=training_assignment",
        "403 ok 404 404 404 ok ok 404 403",
    ),
    "training-assignment-finish-modules": (
        "pk=training_assignment",
        "403 405 405 405 405 405 405 405 403",
    ),
    "training-assignment-start-quiz": (
        "pk=training_assignment",
        "403 405 405 405 405 405 405 405 403",
    ),
    "training-assignment-quiz": (
        "pk=training_assignment",
        "403 405 405 405 405 405 405 405 403",
    ),
    "training-session-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "training-session-detail": ("pk=training_session", "403 ok ok ok ok ok ok ok 403"),
    "training-session-register": ("pk=training_session", "403 405 405 405 405 405 405 405 403"),
    # suppliers, lots, labs, traceability
    "supplier-list": ("", "403 403 ok 403 ok ok 403 403 403"),
    "supplier-detail": ("pk=supplier", "403 403 ok 403 ok ok 403 403 403"),
    "supplier-approve": ("pk=supplier", "403 403 405 403 405 405 403 403 403"),
    "supplier-reject": ("pk=supplier", "403 403 405 403 405 405 403 403 403"),
    "supplier-suspend": ("pk=supplier", "403 403 405 403 405 405 403 403 403"),
    "lot-list": ("", "403 403 ok 403 ok ok ok ok 403"),
    "lot-detail": ("pk=lot", "403 403 ok 403 ok ok ok 404 403"),
    "lab-list": ("", "403 403 ok 403 403 ok 403 403 403"),
    "lab-detail": ("pk=lab", "403 403 ok 403 403 ok 403 403 403"),
    "lab-sample-list": ("", "403 ok ok 403 ok ok 403 403 403"),
    "lab-sample-detail": ("code=lab_sample", "403 ok ok 403 ok ok 403 403 403"),
    "lab-sample-custody": ("code=lab_sample", "403 405 405 403 405 405 403 403 403"),
    "lab-sample-report": ("code=lab_sample", "403 405 405 403 405 405 403 403 403"),
    "lab-results-list": ("", "403 403 403 403 403 403 403 403 403"),
    "trace-lot-detail": ("pk=lot", "403 ok ok ok ok ok 403 403 403"),
    "trace-product-detail": ("pk=product", "403 ok ok ok ok ok 403 403 403"),
    "category-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "category-detail": ("pk=category", "403 ok ok ok ok ok ok ok 403"),
    "standard-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "standard-detail": ("pk=standard", "403 ok ok ok ok ok ok ok 403"),
    "standard-version-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "standard-version-in-force": ("", "403 404 404 404 404 404 404 404 403"),
    "standard-version-detail": ("pk=standard_version", "403 ok ok ok ok ok ok ok 403"),
    "product-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "product-detail": ("pk=product", "403 ok ok ok ok ok ok 404 403"),
    "product-delist": ("pk=product", "403 405 405 405 405 405 405 405 403"),
    "product-relist": ("pk=product", "403 405 405 405 405 405 405 405 403"),
    "product-restrict": ("pk=product", "403 405 405 405 405 405 405 405 403"),
    "claim-flag-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "claim-flag-detail": ("pk=claim_flag", "403 ok ok ok ok ok ok 404 403"),
    "claim-flag-clear": ("pk=claim_flag", "403 405 405 405 405 405 405 405 403"),
    "claim-flag-restrict-listing": ("pk=claim_flag", "403 405 405 405 405 405 405 405 403"),
    "claim-scan-list": ("", "403 405 405 405 405 405 405 405 403"),
    "claim-scan-run-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "claim-scan-run-detail": ("pk=scan_run", "403 ok ok 404 404 404 404 404 403"),
    "purchase-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "purchase-import-batch": ("", "401 401 401 401 401 401 401 401 401"),
    "purchase-detail": ("pk=purchase", "403 ok ok ok ok ok ok 404 403"),
    "purchase-review-link": ("pk=purchase", "401 401 401 401 401 401 401 401 401"),
    "review-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "review-detail": ("pk=review", "403 ok ok ok ok ok ok 404 403"),
    "review-fold": ("pk=review", "403 405 405 405 405 405 405 405 403"),
    "review-reply": ("pk=review", "403 405 405 405 405 405 405 405 403"),
    "review-unfold": ("pk=review", "403 405 405 405 405 405 405 405 403"),
    "service-rating-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "service-rating-detail": ("pk=service_rating", "403 ok ok ok ok ok ok 404 403"),
    "merchant-rating-figure-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "merchant-rating-figure-detail": ("pk=merchant_figure", "403 ok ok ok ok ok ok 404 403"),
    "product-rating-figure-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "product-rating-figure-detail": ("pk=product_figure", "403 ok ok ok ok ok ok 404 403"),
    "rating-standing-list": ("", "403 ok 403 403 403 ok 403 403 403"),
    "rating-standing-detail": ("pk=standing", "403 ok 403 403 403 ok 403 403 403"),
    "rating-standing-keep": ("pk=standing", "403 405 403 403 403 405 403 403 403"),
    "rating-standing-lift": ("pk=standing", "403 405 403 403 403 405 403 403 403"),
    "review-signal-list": ("", "403 403 ok ok 403 403 403 403 403"),
    "review-signal-detail": ("pk=signal", "403 403 ok ok 403 403 403 403 403"),
    "review-signal-dismiss": ("pk=signal", "403 403 405 405 403 403 403 403 403"),
    "inspection-plan-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "inspection-plan-detail": ("pk=plan", "403 ok ok 404 ok ok 404 404 403"),
    "inspection-plan-cancel": ("pk=plan", "403 405 405 405 405 405 405 405 403"),
    "inspection-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "inspection-detail": ("pk=inspection", "403 ok ok 404 ok ok ok 404 403"),
    "inspection-results": ("pk=inspection", "403 ok ok 404 ok ok ok 404 403"),
    "inspection-verdict": ("pk=inspection", "403 405 405 405 405 405 405 405 403"),
    "inspection-objection-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "inspection-objection-detail": ("pk=objection", "403 ok ok 404 ok ok ok 404 403"),
    "inspection-switching-list": ("", "403 ok ok ok ok ok ok ok 403"),
    "inspection-switching-detail": ("pk=switching", "403 ok ok 404 ok ok ok 404 403"),
    # complaints: staff readers (Consumer Service, Quality Managers, Data Analysis) read;
    # steps are POSTs for Consumer Service; filing and rating for the storefront account.
    "case-list": ("", "403 403 403 ok ok ok 403 403 403"),
    "case-detail": ("pk=case", "403 403 403 ok ok ok 403 403 403"),
    "case-history": ("pk=case", "403 403 403 ok ok ok 403 403 403"),
    "case-messages": ("pk=case", "403 403 403 ok ok ok 403 403 403"),
    "case-ask-consumer": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-ask-merchant": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-assign": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-close": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-escalate": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-reopen": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-resolve": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "case-respond": ("pk=case", "403 403 403 405 403 403 403 403 403"),
    "ad-report-list": ("", "403 403 403 ok ok ok 403 403 403"),
    "ad-report-detail": ("pk=ad_report", "403 403 403 ok ok ok 403 403 403"),
    "ad-report-history": ("pk=ad_report", "403 403 403 ok ok ok 403 403 403"),
    "ad-report-messages": ("pk=ad_report", "403 403 403 ok ok ok 403 403 403"),
    "ad-report-ask-consumer": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-ask-merchant": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-assign": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-close": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-escalate": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-reopen": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-resolve": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-respond": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-substantiate": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-unsubstantiate": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "ad-report-verify": ("pk=ad_report", "403 403 403 405 403 403 403 403 403"),
    "case-rate": ("", "403 403 403 405 403 403 403 403 403"),
    "merchant-case-list": ("", "403 403 403 403 403 403 ok ok 403"),
    "merchant-case-detail": ("pk=case", "403 403 403 403 403 403 ok 404 403"),
    "merchant-case-messages": ("pk=case", "403 403 403 403 403 403 ok 404 403"),
    "merchant-case-merchant-answer": ("pk=case", "403 403 403 403 403 403 405 405 403"),
    "incident-list": ("", "403 403 ok ok ok ok 403 403 403"),
    "incident-detail": ("pk=incident", "403 403 ok ok ok ok 403 403 403"),
    "incident-contain": ("pk=incident", "403 403 405 405 405 405 403 403 403"),
    "incident-lift": ("pk=incident", "403 403 405 405 405 405 403 403 403"),
    "incident-confirm": ("pk=incident", "403 403 405 405 405 405 403 403 403"),
    "incident-dismiss": ("pk=incident", "403 403 405 405 405 405 403 403 403"),
    "merchant-incident-list": ("", "403 403 403 403 403 403 ok ok 403"),
    "merchant-incident-detail": ("pk=incident", "403 403 403 403 403 403 ok 404 403"),
    # remedies: staff who handle them read all; a merchant reads its own (B: 404).
    "remedy-list": ("", "403 403 ok ok 403 ok ok ok 403"),
    "remedy-detail": ("pk=remedy", "403 403 ok ok 403 ok ok 404 403"),
    # A GET names no action, so it meets the write permission: 405 for staff, 403 for others.
    "remedy-done": ("pk=remedy", "403 403 405 405 403 405 403 403 403"),
    "remedy-failed": ("pk=remedy", "403 403 405 405 403 405 403 403 403"),
    "remedy-platform-pays-first": ("pk=remedy", "403 403 405 405 403 405 403 403 403"),
    "recovery-list": ("", "403 403 ok ok 403 ok 403 403 403"),
    "recovery-detail": ("pk=recovery", "403 403 ok ok 403 ok 403 403 403"),
    "recovery-settle": ("pk=recovery", "403 403 405 405 403 405 403 403 403"),
    "sla-policy-list": ("", "403 403 403 ok ok ok 403 403 403"),
    # Published quality notices are public; the steps are POSTs for the incident roles.
    "quality-notice-list": ("", "ok ok ok ok ok ok ok ok ok pub"),
    "quality-notice-detail": ("pk=quality_notice", "ok ok ok ok ok ok ok ok ok pub"),
    "quality-notice-approve": ("pk=quality_notice", "403 403 405 405 403 405 403 403 403"),
    "quality-notice-withdraw": ("pk=quality_notice", "403 403 405 405 403 405 403 403 403"),
    "sla-policy-detail": ("pk=sla_policy", "403 403 403 ok ok ok 403 403 403"),
    # reports
    "risk-score-list": ("", "403 ok ok 403 ok ok 403 403 403"),
    "risk-score-detail": ("pk=risk_score", "403 ok ok 403 ok ok 403 403 403"),
    "risk-score-history": ("pk=risk_score", "403 ok ok 403 ok ok 403 403 403"),
    "probation-evaluation-list": ("", "403 ok 403 403 ok ok 403 403 403"),
    "probation-evaluation-detail": ("pk=evaluation", "403 ok 403 403 ok ok 403 403 403"),
    "quarterly-snapshot-list": ("", "403 403 403 403 ok ok 403 403 403"),
    "quarterly-snapshot-detail": ("pk=snapshot", "403 403 403 403 ok ok 403 403 403"),
    "quarterly-report-list": ("", "403 403 403 403 ok ok 403 403 403"),
    "quarterly-report-detail": ("pk=report", "403 403 403 403 ok ok 403 403 403"),
    # Without ?file_format=&language= the download is a 400 (the readers get that far).
    "quarterly-report-download": ("pk=report", "403 403 403 403 400 400 403 403 403"),
    "quarterly-report-publish": ("pk=report", "403 403 403 403 405 405 403 403 403"),
    "dashboard-series": ("", "403 403 403 403 ok ok 403 403 403"),
}

# Admin names that are not one of a ModelAdmin's five views.
ADMIN_PAGES = {
    "admin:index": "login ok ok ok ok ok login login login",
    "admin:login": "ok redir redir redir redir redir ok ok ok",
    "admin:logout": "redir 405 405 405 405 405 redir redir redir",
    "admin:password_change": "login ok ok ok ok ok login login login",
    "admin:password_change_done": "login ok ok ok ok ok login login login",
    "admin:autocomplete": "login 403 403 403 403 403 login login login",
    "admin:jsi18n": "login ok ok ok ok ok login login login",
    "admin:view_on_site": "login 404 404 404 404 404 login login login",
    "admin:auth_user_password_change": "login 403 403 403 403 403 login login login",
}
ADMIN_VIEWS = ("changelist", "add", "history", "delete", "change")
# Known server errors (name: status), each with the fix it needs; the test fails once it is
# fixed, so the entry goes.
ADMIN_KNOWN_ERRORS: dict[str, str] = {}
# add/history/delete pages are rendered for one staff role each (the first the ModelAdmin
# lets in, else mm) and checked as every non-staff actor; changelists and object pages as
# every role. Keeps the admin part at ~15 requests per model.
SAMPLED_ADMIN_VIEWS = ("add", "history", "delete")

# Link tokens the consumer `c` holds; every other actor tries a random token of their own.
TOKENS = ("review_token", "case_token", "rating_token")

OUTCOME_OF = {200: "ok", 400: "400", 401: "401", 403: "403", 404: "404", 405: "405", 503: "503"}
# MATRIX_OBSERVED=<file>: also write every entry as observed (to review a change in bulk).
OBSERVED = open(os.environ["MATRIX_OBSERVED"], "a") if os.environ.get("MATRIX_OBSERVED") else None  # noqa: SIM115


@dataclass
class World:
    objects: dict
    a_private: list[str]  # never to anon, b or c (c: except c_own)
    a_public: list[str]  # never to b, except on public pages
    b_strings: list[str]  # never to a or c (B's public ones, b_public, on public pages only)
    b_public: list[str]
    c_own: list[str]  # A's private strings of c's own purchase and case: c may see them
    staff_only: list[str]  # consumer contacts and internal notes: never to a either


# --- the objects -----------------------------------------------------------------------------


def _world(owner_a, owner_b, staff) -> World:
    from datetime import timedelta

    from django.contrib.auth.models import Group

    from complaints import services as complaints
    from complaints.models import CaseKind, InboundMail, QualityIncident
    from complaints.notifications import rating_link
    from core.models import Alert
    from core.uploads import store_upload
    from inspections import labs
    from inspections import services as inspections
    from inspections.models import SwitchingRecord
    from merchants import services as merchants
    from merchants.models import Appeal, CategoryRequest, Sanction
    from merchants.services import start_probation
    from products.models import ScanRun, Supplier
    from products.services import supply
    from reports.models.snapshots import QuarterlyReport
    from reports.services import assessment, snapshots
    from reports.services.figures import quarter_of
    from reports.services.probation import override_probation
    from reviews.models import (
        IntegritySignal,
        MerchantRatingFigure,
        MerchantRatingStanding,
        ProductRatingFigure,
    )
    from reviews.services.tokens import new_token
    from tests import files
    from tests.factories import CategoryFactory, ProductFactory
    from tests.factories.complaints import CaseFactory
    from tests.factories.core import UserFactory
    from tests.factories.inspections import (
        InspectionPlanFactory,
        LabFactory,
        PassFailRequirementFactory,
        PublishedVersionFactory,
    )
    from tests.factories.merchants import ApplicationFactory, DocumentFactory, sells_in
    from tests.factories.products import ClaimFlagFactory, QualityStandardFactory
    from tests.factories.reports import RiskScoreFactory, RiskScoreHistoryFactory
    from tests.factories.reviews import ProductReviewFactory, PurchaseFactory, ServiceRatingFactory
    from tests.factories.standing import EvidenceFactory

    # The rules catalogue, as the standing tests put it back after a transactional test.
    import_module("merchants.migrations.0003_standing").seed_rules(apps, None)
    merchant_a, merchant_b = owner_a.membership.merchant, owner_b.membership.merchant
    merchant_a.legal_name = "Alphaleak Trading Co., Ltd."
    merchant_a.save(update_fields=["legal_name"])
    merchant_b.legal_name = "Betaleak Goods Co., Ltd."
    merchant_b.save(update_fields=["legal_name"])
    category = CategoryFactory(code="leak-cat", name_en="Leakcheck goods", name_zh="泄漏检查")
    sells_in(merchant_a, category)
    sells_in(merchant_b, category)
    version = PublishedVersionFactory(standard=QualityStandardFactory(category=category))
    PassFailRequirementFactory(version=version, code="LABEL")
    wanted = CategoryFactory(code="leak-cat-2", name_en="Leakcheck extras", name_zh="泄漏检查二")
    category_request = CategoryRequest.objects.create(
        merchant=merchant_a,
        category=wanted,
        test_report=DocumentFactory(
            merchant=merchant_a,
            document_type="test_report",
            category=wanted,
            status="pending",
            number="ALPHALEAK-TR-0001",
        ),
    )

    application = ApplicationFactory(merchant=merchant_a, status="submitted")
    document = DocumentFactory(merchant=merchant_a, number="ALPHALEAK-DOC-0001")
    product = ProductFactory(merchant=merchant_a, category=category, title="Alphaleak Kettle")
    product_b = ProductFactory(merchant=merchant_b, category=category, title="Betaleak Toaster")
    claim_flag = ClaimFlagFactory(product=product)
    token, token_hash = new_token()
    purchase = PurchaseFactory(
        product=product,
        order_number="ALPHALEAK-ORDER-0001",
        consumer="alphaleak.buyer@shop.test",
        review_token_hash=token_hash,
    )
    PurchaseFactory(
        product=product_b,
        order_number="BETALEAK-ORDER-0001",
        consumer="betaleak.buyer@shop.test",
    )
    review = ProductReviewFactory(
        purchase=PurchaseFactory(
            product=product,
            order_number="ALPHALEAK-ORDER-0002",
            consumer="alphaleak.reviewer@shop.test",
        ),
        text="Alphaleak review: the kettle is fine.",
    )
    service_rating = ServiceRatingFactory(purchase=review.purchase)
    signal = IntegritySignal.objects.create(kind="burst", review=review, evidence={"n": 3})
    today = timezone.localdate()
    merchant_figure = MerchantRatingFigure.objects.create(
        merchant=merchant_a,
        as_of=today,
        window_days=90,
        rating_count=1,
        description_accuracy_sum=5,
        service_attitude_sum=5,
        logistics_sum=5,
        description_accuracy=Decimal(5),
        service_attitude=Decimal(5),
        logistics=Decimal(5),
        overall=Decimal(5),
        computed_at=timezone.now(),
    )
    standing = MerchantRatingStanding.objects.create(
        merchant=merchant_a,
        state="restricted",
        previous_state="ok",
        figure=merchant_figure,
        changed_at=timezone.now(),
        review_due_at=timezone.now() + timedelta(days=90),
    )
    product_figure = ProductRatingFigure.objects.create(
        product=product,
        merchant=merchant_a,
        as_of=today,
        window_days=90,
        review_count=1,
        stars_sum=5,
        stars=Decimal(5),
        computed_at=timezone.now(),
    )
    scan_run = ScanRun.objects.create(reason="Alphaleak rescan", requested_by=staff["qm"])

    qm = staff["qm"]
    plan = InspectionPlanFactory(merchant=merchant_a, reason="Alphaleak spot check")
    inspection = inspections.start_inspection(
        plan=plan, product=product, lot_size=500, batch="ALPHALEAK-BATCH-1", by=qm
    )
    # A's sample goes to a testing lab before the results are in.
    lab = LabFactory(name="Alphaleak Testing Lab")
    sample = labs.assign_sample(inspection=inspection, lab=lab, by=qm, seal_number="ALPHALEAK-SEAL")
    rows = [
        {"sample_number": n, "requirement": r.pk, "passed": False}
        for r in inspection.standard_version.requirements.all()
        for n in range(1, inspection.sampling_plans[r.severity]["sample_size"] + 1)
    ]
    inspections.record_results(inspection=inspection, results=rows, by=qm)
    inspection = inspections.decide_verdict(inspection=inspection, by=qm)
    objection = inspections.submit_objection(
        inspection=inspection, reason="Alphaleak objection: wrong lot.", by=owner_a
    )
    open_plan = InspectionPlanFactory(merchant=merchant_a, reason="Alphaleak periodic")
    switching = SwitchingRecord.objects.get(merchant=merchant_a, category=category)

    entry = merchants.record_violation(
        merchant=merchant_a,
        rule_code="inspection_lot_rejected",
        evidence=EvidenceFactory(),
        note="Alphaleak violation note",
    )
    sanction = merchants.impose_sanction(
        merchant=merchant_a,
        kind="warning",
        rule_code="inspection_lot_rejected",
        evidence=EvidenceFactory(),
        by=staff["mm"],
        reason="Alphaleak sanction reason",
    )
    appeal = merchants.submit_appeal(
        by=owner_a, statement="Alphaleak appeal statement", sanction=sanction
    )
    assert isinstance(appeal, Appeal) and isinstance(sanction, Sanction)
    # A restriction and a sanction the system wrote (a code plus parameters), so the pages
    # that show them are read for raw codes in both languages (tests/security/
    # test_no_raw_codes.py). The restriction is on a category A does not sell in, so A's
    # listings and rights are unchanged.
    from merchants import reason_texts

    merchants.restrict(
        merchant=merchant_a,
        kind="sales_restriction",
        reason="document_expired",
        source="merchants.document:test_report:alphaleak",
        category=CategoryFactory(),
        reason_code=reason_texts.DOCUMENT_EXPIRED,
        reason_params={
            "document_type": "test_report",
            "number": "ALPHALEAK-REPORT-1",
            "expires": "2026-01-01",
        },
    )
    Sanction.objects.create(
        merchant=merchant_a,
        kind="warning",
        origin="ladder",
        status="ended",
        step_points=12,
        points_at_imposition=12,
        reason="12 points reached the 12-point step of the sanction ladder.",
        reason_code=reason_texts.LADDER_STEP,
        reason_params={"points": 12, "step": 12},
        starts_at=timezone.now(),
        ends_at=timezone.now(),
        ended_at=timezone.now(),
        end_reason_code=reason_texts.TIME_RAN_OUT,
        appeal_until=timezone.now() + timedelta(days=7),
    )
    # A ledger note and a listing's status reason the system wrote (codes plus parameters):
    # a withdrawn entry (no points, so no ladder step) and a product delisted by a sanction.
    from merchants.models import ViolationEntry

    ViolationEntry.objects.create(
        merchant=merchant_a,
        rule=entry.rule,
        rule_code=entry.rule_code,
        points=entry.points,
        evidence_type=entry.evidence_type,
        evidence_id=str(EvidenceFactory().pk),  # the evidence model's own key (a UUID)
        occurred_at=entry.occurred_at,
        expires_at=entry.expires_at,
        appeal_until=entry.appeal_until,
        status="withdrawn",
        withdrawn_at=timezone.now(),
        note_code=reason_texts.CASE_NOT_ANSWERED,
        note_params={"reference": "ALPHALEAK-CASE-1"},
    )
    ProductFactory(
        merchant=merchant_a,
        category=category,
        title="Alphaleak Delisted Kettle",
        status="delisted",
        status_cause="sanction",
        status_reason_code=reason_texts.DELISTED_BY_SANCTION,
        status_reason_params=reason_texts.quoted(
            reason_texts.LADDER_STEP, {"points": 12, "step": 12}
        ),
    )
    alert = Alert.objects.filter(recipient_user=owner_a).earliest("pk")  # the sanction's

    # Complaints: the consumer `c` filed a complaint about their purchase (they hold its
    # tracking link); another consumer reported A's ad; B has a case of its own.
    cs = staff["cs"]
    evidence = store_upload(files.png("alphaleak-evidence.png"))
    case = CaseFactory(
        merchant=merchant_a,
        product=product,
        consumer_name="Alphaleak Consumer",
        consumer_email="alphaleak.complainant@shop.test",
        order_number="ALPHALEAK-ORDER-0001",
        description="Alphaleak complaint: the kettle leaks at the seam.",
        attachments=[evidence],
    )
    case_token = case.tracking_token
    complaints.assign(case=case, to=cs, by=cs)
    complaints.respond(case=case, by=cs, text="Alphaleak answer to the consumer.")
    complaints.respond(case=case, by=cs, text="Alphaleak internal note.", internal=True)
    # The quality-defect complaint opened a quality incident about A's product (intake hook).
    incident = QualityIncident.objects.get(cases=case)
    ad_report = CaseFactory(
        kind=CaseKind.AD_REPORT,
        merchant=merchant_a,
        product=product,
        consumer_name="Alphaleak Reporter",
        consumer_email="alphaleak.reporter@shop.test",
        order_number="ALPHALEAK-ORDER-0003",
        description="Alphaleak ad report: it does not boil in ten seconds.",
        advertised_claim="Boils in ten seconds",
    )
    CaseFactory(
        merchant=merchant_b,
        product=product_b,
        consumer_email="betaleak.buyer@shop.test",
        order_number="BETALEAK-ORDER-0001",
        description="Betaleak complaint: the toaster burns.",
    )
    # Remedies on A's case: a refund A must pay, and one the platform pays (at fault) with
    # its recovery against A.
    from complaints.services import remedies as remedy_services

    remedy = remedy_services.grant_remedy(
        case=case,
        by=cs,
        kind="refund",
        amount="50.00",
        payer="merchant",
        due_at=timezone.now() + timedelta(days=3),
    )
    recovery = remedy_services.grant_remedy(
        case=case,
        by=cs,
        kind="compensation",
        amount="20.00",
        payer="platform",
        platform_reason="platform_at_fault",
        due_at=timezone.now() + timedelta(days=3),
    ).recovery
    mail = InboundMail.objects.create(
        message_id="<alphaleak-1@mail.test>",
        from_name="Alphaleak Mailer",
        from_address="alphaleak.mailer@shop.test",
        subject="Alphaleak mail subject",
        body="Alphaleak mail body: my order never came.",
        received_at=timezone.now(),
    )

    # Reports: A's risk score and its history, a probation review of A, this quarter's
    # published report.
    risk_score = RiskScoreFactory(merchant=merchant_a)
    RiskScoreHistoryFactory(merchant=merchant_a)
    probation = start_probation(merchant=merchant_a, actor=staff["mm"])
    evaluation = override_probation(
        probation=probation,
        outcome="extend",
        extend_days=30,
        reason="Alphaleak probation override reason",
        by=staff["mm"],
    )
    period = quarter_of(timezone.now())
    snapshot = snapshots.request_snapshot(year=period.year, quarter=period.quarter, by=staff["qmr"])
    snapshot = snapshots.generate(snapshot_id=snapshot.pk)
    report = snapshots.publish_report(
        report=QuarterlyReport.objects.get(snapshot=snapshot), by=staff["qmr"]
    )

    from merchants.services import training as training_services
    from tests.merchants.training_helpers import published

    training_assignment = published(staff["mm"], title="Quality week").assignments.get(
        merchant=owner_a.membership.merchant
    )
    training_services.finish_modules(training_assignment, actor=owner_a)
    from tests.factories.merchants import TrainingSessionFactory

    training_session = TrainingSessionFactory(kind="expert", is_onboarding=False, capacity=9)

    # A's self-operated supply: an approved supplier and a lot of A's product.
    supplier = supply.approve_supplier(
        supplier=Supplier.objects.create(
            name="Alphaleak Mills",
            licence_number="ALPHALEAK-LICENCE",
            licence_valid_until=timezone.localdate() + timedelta(days=400),
            certificates="ISO 9001",
            factory_audit_date=timezone.localdate() - timedelta(days=10),
            factory_audit_passed=True,
        ),
        by=qm,
    )
    supply.link_supplier(product=product, supplier=supplier)
    lot = supply.register_lot(product=product, number="ALPHALEAK-LOT-1", quantity=1000)
    assessor = UserFactory()
    assessor.groups.add(Group.objects.get(name="external_assessor"))
    finding = assessment.record_finding(
        title="Alphaleak finding", detail="Cases wait too long.", commitment="C3.3", by=assessor
    )

    invitation = merchants.invite_team_member(
        merchant=merchant_a, actor=owner_a, identifier="alphaleak-invitee"
    )

    # A confirmed incident on A's kettle: its buyers are queued for a notice and its public
    # quality notice is published (it names A and the kettle: public, never a buyer).
    from complaints.models import QualityIncident
    from complaints.services import buyer_notices, quality_notices

    notified_incident = QualityIncident.objects.create(
        reference="QI-ALPHALEAK-1",
        kind=QualityIncident.Kind.COUNTERFEIT,
        status=QualityIncident.Status.RESOLVED,
        source=QualityIncident.Source.COMPLAINT,
        merchant=merchant_a,
        product=product,
        summary="Alphaleak incident summary",
        findings="The seal is not the brand's.",
        opened_at=timezone.now(),
        resolved_at=timezone.now(),
    )
    buyer_notices.notify_buyers(incident=notified_incident, by=qm)
    quality_notice = quality_notices.approve_and_publish(
        notice=quality_notices.draft_notice(incident=notified_incident, by=qm), by=staff["qmr"]
    )

    objects = {
        "notified_incident": notified_incident.pk,
        "quality_notice": quality_notice.pk,
        "training_assignment": training_assignment.pk,
        "training_programme": training_assignment.programme_id,
        "training_session": training_session.pk,
        "invitation": invitation.pk,
        "lab": lab.pk,
        "lab_sample": sample.code,
        "supplier": supplier.pk,
        "lot": lot.pk,
        "lot_code": lot.code,
        "finding": finding.pk,
        "rating_token": rating_link(case).rstrip("/").rsplit("/", 1)[1],
        "merchant": merchant_a.pk,
        "upload": document.file.pk,
        "application": application.pk,
        "document": document.pk,
        "category_request": category_request.pk,
        "product": product.pk,
        "category": category.pk,
        "standard": version.standard.pk,
        "standard_version": version.pk,
        "claim_flag": claim_flag.pk,
        "scan_run": scan_run.pk,
        "purchase": purchase.pk,
        "review": review.pk,
        "review_token": token,
        "service_rating": service_rating.pk,
        "merchant_figure": merchant_figure.pk,
        "standing": standing.pk,
        "product_figure": product_figure.pk,
        "signal": signal.pk,
        "plan": open_plan.pk,
        "inspection": inspection.pk,
        "objection": objection.pk,
        "switching": switching.pk,
        "entry": entry.pk,
        "sanction": sanction.pk,
        "appeal": appeal.pk,
        "alert": alert.pk,
        "case": case.pk,
        "incident": incident.pk,
        "case_token": case_token,
        "remedy": remedy.pk,
        "recovery": recovery.pk,
        "case_file": evidence.pk,
        "ad_report": ad_report.pk,
        "sla_policy": case.policy_id,
        "mail": mail.pk,
        "risk_score": risk_score.pk,
        "probation": probation.pk,
        "evaluation": evaluation.pk,
        "snapshot": snapshot.pk,
        "report": report.pk,
        "report_year": report.year,
        "report_quarter": report.quarter,
    }
    return World(
        objects=objects,
        a_private=[
            "ALPHALEAK-ORDER-0001",
            "alphaleak.buyer@shop.test",
            "alphaleak.reviewer@shop.test",
            "ALPHALEAK-DOC-0001",
            "ALPHALEAK-TR-0001",
            "Alphaleak objection",
            "Alphaleak appeal statement",
            "Alphaleak sanction reason",
            "Alphaleak violation note",
            "Alphaleak spot check",
            "Alphaleak periodic",
            "Alphaleak probation override reason",
            # A's cases: the consumer `c`'s complaint (c sees these on their own case link,
            # see c_own), another consumer's ad report (never theirs), the staff's notes.
            "alphaleak.complainant@shop.test",
            "Alphaleak Consumer",
            "Alphaleak complaint",
            "Alphaleak answer to the consumer",
            "alphaleak.reporter@shop.test",
            "Alphaleak Reporter",
            "ALPHALEAK-ORDER-0003",
            "Alphaleak ad report",
            "Alphaleak internal note",
            "Alphaleak Mailer",
            "alphaleak.mailer@shop.test",
            "Alphaleak mail",
            "Alphaleak incident summary",
        ],
        c_own=[
            "ALPHALEAK-ORDER-0001",
            "alphaleak.complainant@shop.test",
            "Alphaleak Consumer",
            "Alphaleak complaint",
            "Alphaleak answer to the consumer",
        ],
        staff_only=[
            "alphaleak.complainant@shop.test",
            "alphaleak.reporter@shop.test",
            "Alphaleak internal note",
            "Alphaleak Mailer",
            "alphaleak.mailer@shop.test",
            "Alphaleak mail",
        ],
        # The inspected lot's number is on the product's public quality record (issue 23:
        # consumers match the lot printed on their package), so it is public, not private.
        a_public=["Alphaleak Trading", "Alphaleak Kettle", "Alphaleak review", "ALPHALEAK-BATCH-1"],
        b_strings=[
            "Betaleak Goods",
            "Betaleak Toaster",
            "BETALEAK-ORDER-0001",
            "betaleak.buyer",
            "Betaleak complaint",
        ],
        # The complaint form's shop list names every live merchant: B's name on public pages.
        b_public=["Betaleak Goods", "Betaleak Toaster"],
    )


# --- the walk --------------------------------------------------------------------------------


def _patterns(resolver=None, prefix="", namespace=None):
    """(full name or None, route text, pattern) for every URL pattern of the site."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, prefix + str(pattern.pattern), pattern


def _admin_names() -> dict[str, tuple]:
    """admin:<app>_<model>_<view> -> (ModelAdmin, view) for every registered model."""
    names = {}
    for model, model_admin in admin.site._registry.items():
        for view in ADMIN_VIEWS:
            names[f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"] = (
                model_admin,
                view,
            )
    return names


class Requester:
    def __init__(self, users: dict):
        self.clients = {}
        for actor in ACTORS:
            client = Client(raise_request_exception=False)
            if users.get(actor) is not None:
                client.force_login(users[actor])
            self.clients[actor] = client
        self.login_urls = (reverse("login"), reverse("admin:login"))

    def outcome(self, actor: str, url: str):
        response = self.clients[actor].get(url)
        status = response.status_code
        if status in (301, 302, 303, 307, 308):
            target = response.headers.get("Location", "")
            path = target.split("?")[0]
            return ("login" if path.endswith(self.login_urls) else "redir"), response
        return OUTCOME_OF.get(status, str(status)), response


def _fill(spec: str, objects: dict, actor: str) -> dict:
    kwargs = {}
    for part in spec.split():
        key, _, value = part.partition("=")
        if value.startswith("'"):
            kwargs[key] = value.strip("'")
        elif value in TOKENS and actor != "c":
            kwargs[key] = secrets.token_urlsafe(32)  # only the consumer holds the links
        else:
            kwargs[key] = objects[value]
    return kwargs


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", errors="replace")


def _leaks(actor: str, response, world: World, public: bool) -> list[str]:
    if actor == "b":
        forbidden = world.a_private + ([] if public else world.a_public)
    elif actor == "anon":
        forbidden = world.a_private
    elif actor in ("a", "c"):
        forbidden = [s for s in world.b_strings if not (public and s in world.b_public)]
        if actor == "a":
            forbidden += world.staff_only
        else:
            forbidden += [s for s in world.a_private if s not in world.c_own]
    else:
        return []
    body = _body(response)
    return [marker for marker in forbidden if marker in body]


@pytest.fixture
def users(owner_a, owner_b, role_user):
    return {"anon": None, "c": None, "a": owner_a, "b": owner_b} | {
        actor: role_user(role, username=f"matrix-{actor}") for actor, role in STAFF.items()
    }


@pytest.fixture
def world(users):
    return _world(users["a"], users["b"], users)


def _record(part: str, cells: int, failures: int) -> None:
    ARTIFACT.parent.mkdir(exist_ok=True)
    data = json.loads(ARTIFACT.read_text()) if ARTIFACT.exists() else {}
    data[part] = {"cells": cells, "failures": failures}
    ARTIFACT.write_text(json.dumps(data, indent=2))
    print(f"permission matrix ({part}): {cells} URL x actor cells checked, {failures} failing")


def _missing_entry(name: str, route: str, pattern, requester, world) -> str:
    keys = sorted(pattern.pattern.converters) or sorted(
        set(pattern.pattern.regex.groupindex) - {"format"}
    )
    if keys:
        kinds = ", ".join(sorted(world.objects))
        spec = " ".join(
            f"{k}=<kind of A's object: {kinds}; or a new kind in _world()>" for k in keys
        )
        cells = "<anon mm qm cs da qmr a b c>"
    else:
        spec = ""
        cells = " ".join(requester.outcome(actor, "/" + route)[0] for actor in ACTORS)
    return (
        f"URL {name!r} (/{route}) has no entry in PAGES in"
        f' tests/security/test_permission_matrix.py. Add:\n    "{name}": ("{spec}", "{cells}"),\n'
        "(cells show what each actor gets now: check every one against the design before"
        " pasting; add ' pub' at the end if the page is public)"
    )


def test_every_page_and_api_route_gives_each_actor_the_expected_outcome_and_leaks_nothing(
    users, world
):
    requester = Requester(users)
    admin_names = _admin_names()
    problems, cells, seen = [], 0, set()
    for name, route, pattern in _patterns():
        if route.startswith("admin/"):
            continue  # test_admin_...
        if name is None:
            problems.append(f"/{route} has no name: name it, then add an entry to PAGES")
            continue
        if name in seen or name in admin_names:
            continue  # a format-suffix twin of a named route
        seen.add(name)
        if name not in PAGES:
            problems.append(_missing_entry(name, route, pattern, requester, world))
            continue
        spec, expected = PAGES[name]
        expected = expected.split()
        public = expected[-1:] == ["pub"]
        expected = expected[: len(ACTORS)]
        assert len(expected) == len(ACTORS), f"{name}: give one outcome per actor {ACTORS}"
        observed = []
        for actor, want in zip(ACTORS, expected, strict=True):
            url = reverse(name, kwargs=_fill(spec, world.objects, actor))
            got, response = requester.outcome(actor, url)
            observed.append(got)
            cells += 1
            if got not in want.split("/"):  # "ok/503": either is right
                problems.append(f"{name} as {actor}: {url} gave {got}, the table says {want}")
            if got == "ok" and (leaked := _leaks(actor, response, world, public)):
                problems.append(f"LEAK {name} as {actor}: {url} shows {leaked}")
        if OBSERVED is not None:
            row = " ".join(observed) + (" pub" if public else "")
            OBSERVED.write(f'    "{name}": ("{spec}", "{row}"),\n')
    stale = sorted(set(PAGES) - seen)
    problems += [f"PAGES has {name!r}, which is no longer a URL name: remove it" for name in stale]
    _record("pages", cells, len(problems))
    assert not problems, "\n".join(problems)
    assert cells >= len(PAGES) * len(ACTORS)


def _admin_object(model):
    """A row to open in the admin: merchant A's when the model has a merchant, else any."""
    manager = model._default_manager
    fields = {f.name for f in model._meta.get_fields()}
    rows = (
        manager.filter(merchant__legal_name__startswith="Alphaleak")
        if "merchant" in fields
        else manager
    )
    return rows.order_by("pk").first()


def _admin_expected(model_admin, view: str, user, obj) -> str:
    """What Django's admin must answer a staff user: the ModelAdmin's permission methods."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    if view == "changelist":
        return "ok" if model_admin.has_view_or_change_permission(request) else "403"
    if view == "add":
        return "ok" if model_admin.has_add_permission(request) else "403"
    if view == "history":
        if obj is None:
            return "redir"  # the admin's "no such object" redirect comes first here
        return "ok" if model_admin.has_view_or_change_permission(request, obj) else "403"
    allowed = (
        model_admin.has_delete_permission(request, obj)
        if view == "delete"
        else model_admin.has_view_or_change_permission(request, obj)
    )
    if not allowed:
        return "403"
    return "redir" if obj is None else "ok"


def test_every_admin_page_is_staff_only_and_follows_the_model_admin_permissions(users, world):
    from django.contrib.contenttypes.models import ContentType

    requester = Requester(users)
    admin_names = _admin_names()
    objects = dict(world.objects)
    objects["merchant_ct"] = ContentType.objects.get(app_label="merchants", model="merchant").pk
    objects["user_a"] = users["a"].pk
    specs = {
        "admin:view_on_site": "content_type_id=merchant_ct object_id=merchant",
        "admin:auth_user_password_change": "id=user_a",
    }
    problems, cells, seen = [], 0, set()
    for name, route, _pattern in _patterns():
        if not route.startswith("admin/") or name in seen:
            continue
        if name is None or name == "admin:app_list":
            continue  # the object-id redirect and the catch-all; app lists below
        seen.add(name)
        if name in admin_names:
            model_admin, view = admin_names[name]
            obj = _admin_object(model_admin.model)
            kwargs = (
                {}
                if view in ("changelist", "add")
                else {"object_id": str(obj.pk) if obj is not None else "999999999"}
            )
            expected = {
                actor: "login"
                if users.get(actor) is None or not users[actor].is_staff
                else ADMIN_KNOWN_ERRORS.get(name)
                or _admin_expected(model_admin, view, users[actor], obj)
                for actor in ACTORS
            }
            if view in SAMPLED_ADMIN_VIEWS:
                staff = [actor for actor in STAFF if expected[actor] == "ok"] or ["mm"]
                expected = {
                    a: want for a, want in expected.items() if a not in STAFF or a == staff[0]
                }
        elif name in ADMIN_PAGES:
            kwargs = _fill(specs.get(name, ""), objects, "")
            expected = dict(zip(ACTORS, ADMIN_PAGES[name].split(), strict=True))
        else:
            problems.append(
                f"admin URL {name!r} (/{route}) is not a ModelAdmin view: add it to ADMIN_PAGES"
                f' in tests/security/test_permission_matrix.py, e.g. "{name}":'
                ' "<anon mm qm cs da qmr a b c>"'
            )
            continue
        url = reverse(name, kwargs=kwargs)
        for actor, want in expected.items():
            got, _response = requester.outcome(actor, url)
            cells += 1
            if got != want:
                problems.append(f"{name} as {actor}: {url} gave {got}, expected {want}")
    for app_label in {m._meta.app_label for m in admin.site._registry}:
        url = reverse("admin:app_list", kwargs={"app_label": app_label})
        for actor in ACTORS:
            user = users.get(actor)
            if user is None or not user.is_staff:
                want = "login"
            else:
                want = "ok" if user.has_module_perms(app_label) else "404"
            got, _response = requester.outcome(actor, url)
            cells += 1
            if got != want:
                problems.append(f"admin:app_list as {actor}: {url} gave {got}, expected {want}")
    _record("admin", cells, len(problems))
    assert not problems, "\n".join(problems)
    assert cells >= len(admin_names) * (len(ACTORS) - len(STAFF) + 1)


# --- writes ----------------------------------------------------------------------------------
# Every route of PAGES is also POSTed (API detail routes also DELETEd) as every actor, with an
# empty body, inside a savepoint that is rolled back: the cell records whether the actor gets
# past the door (a form error 200/400, a redirect after a step, a 201), and never lets one
# actor's write change what the next one meets. Outcomes as above, plus 415/429/500 as their
# numbers. name: (POST cells, DELETE cells or None) for: anon mm qm cs da qmr a b c.
from tests.security.write_matrix import WRITES  # noqa: E402


def _write_outcome(requester, actor, method, url):
    from django.db import transaction

    client = requester.clients[actor]
    cookies = client.cookies.__class__()
    cookies.update(client.cookies)
    try:
        with transaction.atomic():
            response = getattr(client, method)(url)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies  # a logout or login must not change the actor
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        path = response.headers.get("Location", "").split("?")[0]
        return "login" if path.endswith(requester.login_urls) else "redir"
    return OUTCOME_OF.get(status, str(status))


def test_every_route_gives_each_actor_the_expected_outcome_for_writes(users, world, settings):
    settings.RATELIMIT_ENABLE = False  # the limits have their own tests; here: who may write
    requester = Requester(users)
    admin_names = _admin_names()
    problems, cells, seen = [], 0, set()
    observed_rows = []
    for name, route, _pattern in _patterns():
        if route.startswith("admin/") or name is None or name in seen or name in admin_names:
            continue
        seen.add(name)
        if name not in PAGES:
            continue  # the GET test reports it
        spec = PAGES[name][0]
        methods = ["post"] + (["delete"] if name.endswith("-detail") and ":" not in name else [])
        row = {}
        for method in methods:
            got_all = []
            for actor in ACTORS:
                url = reverse(name, kwargs=_fill(spec, world.objects, actor))
                got_all.append(_write_outcome(requester, actor, method, url))
                cells += 1
            row[method] = " ".join(got_all)
        observed_rows.append(
            f'    "{name}": ("{row["post"]}", '
            + (f'"{row["delete"]}"' if "delete" in row else "None")
            + "),\n"
        )
        if name not in WRITES:
            problems.append(f"no WRITES entry for {name!r}: {observed_rows[-1].strip()}")
            continue
        want_post, want_delete = WRITES[name]
        for method, want in (("post", want_post), ("delete", want_delete)):
            if method not in row:
                continue
            if want is None:
                problems.append(f"{name}: DELETE cells missing, observed {row[method]}")
                continue
            for actor, got, expected in zip(ACTORS, row[method].split(), want.split(), strict=True):
                if got not in expected.split("/"):
                    problems.append(
                        f"{name} {method.upper()} as {actor}: gave {got}, the table says {expected}"
                    )
    if OBSERVED is not None:
        OBSERVED.write("# writes\n" + "".join(observed_rows))
    problems += [f"WRITES has {n!r}, which is no longer a URL name" for n in set(WRITES) - seen]
    _record("writes", cells, len(problems))
    assert not problems, "\n".join(problems)
