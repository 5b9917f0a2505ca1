"""Merchant models, one module per capability; import them from here."""

from merchants.models.merchant import Membership, Merchant, Restriction, validate_credit_code
from merchants.models.onboarding import (
    CATEGORY_SCOPED_TYPES,
    AgreementAcceptance,
    AgreementVersion,
    Application,
    CategoryDocumentRule,
    Document,
    DocumentType,
    Probation,
    TrainingAttendance,
    TrainingSession,
    slot_key,
)
from merchants.models.standing import (
    Appeal,
    MerchantStanding,
    Sanction,
    Severity,
    ViolationEntry,
    ViolationRule,
)

__all__ = [
    "CATEGORY_SCOPED_TYPES",
    "AgreementAcceptance",
    "AgreementVersion",
    "Appeal",
    "Application",
    "CategoryDocumentRule",
    "Document",
    "DocumentType",
    "Membership",
    "Merchant",
    "MerchantStanding",
    "Probation",
    "Restriction",
    "Sanction",
    "Severity",
    "TrainingAttendance",
    "TrainingSession",
    "ViolationEntry",
    "ViolationRule",
    "slot_key",
    "validate_credit_code",
]
