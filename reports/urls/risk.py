"""Reports pages: risk (staff only)."""

from django.urls import path

from reports.views import risk

urlpatterns = [
    path("staff/risk/", risk.risk_list, name="risk-list"),
    path("staff/risk/merchants/<int:pk>/", risk.merchant_risk, name="risk-merchant"),
    path(
        "staff/risk/merchants/<int:pk>/history/",
        risk.merchant_risk_history,
        name="risk-merchant-history",
    ),
    path(
        "staff/risk/probations/<int:pk>/decide/",
        risk.override_probation,
        name="risk-probation-override",
    ),
]
