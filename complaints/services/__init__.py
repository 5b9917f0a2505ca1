"""Complaint and report cases: every write goes through here, one module per capability.

Each step checks its rule, moves the status through WORKFLOW (which writes the decision
record), keeps the SLA clock (complaints.sla) and schedules side effects after commit.
Callers pass keyword arguments; the case row is locked for the duration of a step, so a
step and the minute sweep (which locks the same rows in its UPDATE) never interleave.
"""

from complaints.services.assignment import (
    assign,
    bulk_assign,
    has_agents,
    pick_agent,
)
from complaints.services.breaches import (
    MERCHANT_BREACH_RULE,
    record_merchant_breaches,
)
from complaints.services.cases import (
    PROPOSAL_OUTCOMES,
    ask_consumer,
    ask_merchant,
    close,
    consumer_replied,
    consumer_reply,
    escalate,
    merchant_answer,
    merchant_answer_with_files,
    propose_outcome,
    rate,
    reopen,
    resolve,
    respond,
)
from complaints.services.clocks import (
    sync_clocks,
)
from complaints.services.common import (
    OUTCOMES_BY_KIND,
    REOPEN_WINDOW,
    WORKFLOW,
)
from complaints.services.eligibility import (
    RemedyOption,
    category_exclusion,
    explain,
    opened_matters,
    remedy_eligibility,
    remedy_options,
    remedy_windows,
)
from complaints.services.intake import (
    case_for_token,
    check_filing,
    dismiss_mail,
    file_case,
    hash_token,
    mail_tracking_link,
    open_case_from_mail,
    purchase_for_filer,
)
from complaints.services.lookup import (
    link_expired,
    resend_link,
)
from complaints.services.policies import (
    policy_in_force,
    publish_policy,
)

__all__ = [
    "MERCHANT_BREACH_RULE",
    "OUTCOMES_BY_KIND",
    "PROPOSAL_OUTCOMES",
    "REOPEN_WINDOW",
    "WORKFLOW",
    "RemedyOption",
    "ask_consumer",
    "ask_merchant",
    "assign",
    "bulk_assign",
    "case_for_token",
    "category_exclusion",
    "check_filing",
    "close",
    "consumer_replied",
    "consumer_reply",
    "dismiss_mail",
    "escalate",
    "explain",
    "file_case",
    "has_agents",
    "hash_token",
    "link_expired",
    "mail_tracking_link",
    "merchant_answer",
    "merchant_answer_with_files",
    "open_case_from_mail",
    "opened_matters",
    "pick_agent",
    "policy_in_force",
    "propose_outcome",
    "publish_policy",
    "purchase_for_filer",
    "rate",
    "record_merchant_breaches",
    "remedy_eligibility",
    "remedy_options",
    "remedy_windows",
    "reopen",
    "resend_link",
    "resolve",
    "respond",
    "sync_clocks",
]
