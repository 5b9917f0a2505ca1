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

__all__ = [
    "CATEGORY_SCOPED_TYPES",
    "AgreementAcceptance",
    "AgreementVersion",
    "Application",
    "CategoryDocumentRule",
    "Document",
    "DocumentType",
    "Membership",
    "Merchant",
    "Probation",
    "Restriction",
    "TrainingAttendance",
    "TrainingSession",
    "slot_key",
    "validate_credit_code",
]
