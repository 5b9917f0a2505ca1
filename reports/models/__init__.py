"""Reports models, one module per capability: risk scores, quarterly snapshots, daily figures."""

from reports.models import assessment, figures, risk, snapshots  # noqa: F401
from reports.models.assessment import Finding, FindingResponse
from reports.models.risk import ProbationEvaluation, RiskScore, RiskScoreHistory, RiskTier

__all__ = [
    "Finding",
    "FindingResponse",
    "ProbationEvaluation",
    "RiskScore",
    "RiskScoreHistory",
    "RiskTier",
]
