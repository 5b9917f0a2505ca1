"""Why the system moved a quarterly report (decision data `reason_code`/`reason_params`),
rendered in the reader's language by `core.decision_labels.reason_label`."""

from django.utils.translation import gettext_lazy as _

from core.decision_labels import sentences

# A newer report of the same quarter was published: {"id": the newer report's id}.
REPLACED_BY_REPORT = "replaced_by_report"

TEXTS = {
    REPLACED_BY_REPORT: _("Replaced by report #%(id)s."),
}

render = sentences(TEXTS)
