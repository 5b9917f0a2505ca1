"""The training certificate: a one-page PDF naming the programme and its version, the
merchant (or staff member), the completion date and the certificate number. Rendered with
reportlab's built-in CID font STSong-Light (Chinese and Latin, no font file)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

CJK_FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def render_certificate(assignment) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _font()
    programme = assignment.programme
    holder = (
        assignment.merchant.legal_name
        if assignment.merchant_id
        else (assignment.user.get_full_name() or assignment.user.get_username())
    )
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
    pdf.setTitle(_("Training certificate"))
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 50 * mm, _("Training certificate"))
    pdf.setFont(font, 14)
    pdf.drawCentredString(width / 2, height - 75 * mm, _("This certifies that"))
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, height - 92 * mm, holder)
    pdf.setFont(font, 14)
    pdf.drawCentredString(width / 2, height - 110 * mm, _("has completed the training programme"))
    pdf.setFont(font, 18)
    pdf.drawCentredString(
        width / 2,
        height - 126 * mm,
        _("%(title)s (version %(version)s)")
        % {"title": programme.display_title, "version": programme.version},
    )
    pdf.setFont(font, 11)
    completed = timezone.localtime(assignment.completed_at).strftime("%Y-%m-%d")
    lines = [
        _("Completed on: %(date)s") % {"date": completed},
        _("Cycle: %(cycle)s") % {"cycle": assignment.cycle},
        _("Certificate number: %(number)s") % {"number": assignment.certificate_number},
    ]
    best = assignment.attempts.filter(passed=True).order_by("number").first()
    if best is not None:
        lines.append(_("Quiz score: %(score)s%%") % {"score": best.score})
    y = height - 150 * mm
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 7 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
