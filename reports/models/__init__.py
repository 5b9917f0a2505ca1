"""Reports models, one module per capability: risk scores, quarterly snapshots, daily figures."""

from reports.models import figures, risk, snapshots  # noqa: F401
from reports.models.risk import ProbationEvaluation, RiskScore, RiskTier

__all__ = ["ProbationEvaluation", "RiskScore", "RiskTier"]
