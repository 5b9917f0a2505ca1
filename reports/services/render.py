"""Rendering a snapshot: CSV, PDF and the inline SVG charts of the web pages.

Every function here is pure: its output depends only on the stored figures, the language
and the audience, never on the clock, the database or the machine's locale, so rendering a
snapshot again years later gives the same bytes. The PDF is written with reportlab's
`invariant` mode (fixed creation date and document id) and the built-in CID font
STSong-Light, which covers Chinese and Latin text and needs no font file.

Audiences: `staff` gets everything, `public` (the transparency page) only platform-level
figures: merchant scorecards are evaluations of named businesses for internal governance,
and M3.10 asks the platform to publish its own quality figures.
"""

from __future__ import annotations

import io
from datetime import datetime

from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.exports import csv_writer
from reports.services.figures import PLATFORM_KEYS, SANCTION_KINDS, SCORECARD_KEYS

STAFF, PUBLIC = "staff", "public"
AUDIENCES = (STAFF, PUBLIC)
LANGUAGES = ("zh-hans", "en")
FORMATS = ("csv", "pdf")
CJK_FONT = "STSong-Light"

SHARES = {"response_within_target_share", "resolution_within_target_share", "inspection_pass_rate"}
HOURS = {"median_response_hours", "median_resolution_hours"}
RATINGS = {"average_stars", "average_service_rating"}


# --- labels and numbers ----------------------------------------------------------------------
def figure_labels() -> dict[str, str]:
    """Labels in the active language."""
    return {
        "complaints_filed": _("Complaints filed"),
        "complaints_resolved": _("Complaints resolved"),
        "response_within_target_share": _("First response within target (24 h)"),
        "resolution_within_target_share": _("Resolved within target (72 h)"),
        "median_response_hours": _("Median first response time (hours)"),
        "median_resolution_hours": _("Median resolution time (hours)"),
        "inspections_done": _("Inspections done"),
        "inspection_pass_rate": _("Inspection pass rate"),
        "products_delisted": _("Products delisted"),
        "sanctions": _("Sanctions imposed"),
        "violation_points": _("Violation points recorded"),
        "average_stars": _("Average product rating (stars)"),
        "average_service_rating": _("Average service rating"),
        "ad_reports_filed": _("False-advertising reports filed"),
        "ad_reports_substantiated": _("False-advertising reports substantiated"),
    }


def sanction_labels() -> dict[str, str]:
    return {
        "warning": _("Warning"),
        "sales_restriction": _("Sales restriction"),
        "product_delisting": _("Product delisting"),
        "suspension": _("Suspension"),
        "termination": _("Termination"),
    }


def format_value(key: str, value) -> str:
    """Display form, independent of the machine's locale."""
    if value is None:
        return "—"
    if key in SHARES:
        return f"{value * 100:.1f}%"
    if key in HOURS:
        return f"{value:.1f}"
    if key in RATINGS:
        return f"{value:.2f}"
    return f"{int(value):,}"


def format_change(key: str, value) -> str:
    if value is None:
        return "—"
    if key in SHARES:
        return f"{value * 100:+.1f} pp"
    if key in HOURS:
        return f"{value:+.1f}"
    if key in RATINGS:
        return f"{value:+.2f}"
    return f"{int(value):+,}"


def csv_value(key: str, value) -> str:
    """Spreadsheet form: plain numbers (shares in percent), empty when there is none."""
    if value is None:
        return ""
    if key in SHARES:
        return f"{value * 100:.1f}"
    if key in HOURS:
        return f"{value:.1f}"
    if key in RATINGS:
        return f"{value:.2f}"
    return str(int(value))


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def header_lines(figures: dict) -> list[tuple[str, str]]:
    period = figures["period"]
    return [
        (_("Quarter"), period["label"]),
        (_("Period"), f"{period['start'][:10]} - {period['last_day']}"),
        (_("Figures as of (China time)"), _local(period["as_of"])),
        (_("Snapshot checksum (SHA-256)"), figures.get("checksum", "")),
    ]


def title(figures: dict) -> str:
    return _("Merchant quality report %(period)s") % {"period": figures["period"]["label"]}


def platform_rows(figures: dict) -> list[dict]:
    labels = figure_labels()
    previous = figures["previous"]["platform"]
    return [
        {
            "key": key,
            "label": labels[key],
            "value": figures["platform"].get(key),
            "previous": previous.get(key),
            "change": figures["change"].get(key),
            "value_text": format_value(key, figures["platform"].get(key)),
            "previous_text": format_value(key, previous.get(key)),
            "change_text": format_change(key, figures["change"].get(key)),
        }
        for key in PLATFORM_KEYS
    ]


# --- charts (shared by the SVG and the PDF) -------------------------------------------------
def charts(figures: dict) -> list[dict]:
    """The report's charts as data: title, bars (label, value, text), scale maximum."""
    labels = figure_labels()
    previous = figures["previous"]["platform"]
    targets = []
    for key in (
        "response_within_target_share",
        "resolution_within_target_share",
        "inspection_pass_rate",
    ):
        for who, source in (
            (figures["period"]["label"], figures["platform"]),
            (figures["previous"]["label"], previous),
        ):
            value = source.get(key)
            targets.append(
                {
                    "label": f"{labels[key]} · {who}",
                    "value": (value or 0) * 100,
                    "text": format_value(key, value),
                    "muted": source is previous,
                }
            )
    months = [
        {
            "label": row["month"],
            "value": row["complaints_filed"],
            "text": f"{row['complaints_filed']:,}",
            "muted": False,
        }
        for row in figures["months"]
    ]
    sanction_names = sanction_labels()
    sanctions = [
        {
            "label": sanction_names[kind],
            "value": figures["sanctions_by_kind"].get(kind, 0),
            "text": f"{figures['sanctions_by_kind'].get(kind, 0):,}",
            "muted": False,
        }
        for kind in SANCTION_KINDS
    ]
    return [
        {"id": "targets", "title": _("Service targets met (%)"), "bars": targets, "max": 100},
        {"id": "months", "title": _("Complaints filed per month"), "bars": months, "max": None},
        {"id": "sanctions", "title": _("Sanctions by kind"), "bars": sanctions, "max": None},
    ]


def _scale(chart: dict) -> float:
    top = chart["max"] or max((bar["value"] for bar in chart["bars"]), default=0)
    return float(top) or 1.0


def svg_chart(chart: dict) -> str:
    """A horizontal bar chart as inline SVG (no script, no inline style: the page's CSP
    allows none; cacheable with the page). Each label sits above its bar, so the drawing
    is narrow and its 12-unit text stays readable when it fills a phone's width."""
    bar_width, label, bar, gap = 240, 16, 16, 10
    step = label + bar + gap
    height = len(chart["bars"]) * step + 4
    width = bar_width + 80
    scale = _scale(chart)
    rows = []
    for index, item in enumerate(chart["bars"]):
        y = 4 + index * step
        length = round(bar_width * float(item["value"]) / scale, 1)
        rows.append(
            (
                y + 12,
                item["label"],
                y + label,
                length,
                bar,
                "#9aa5b1" if item["muted"] else "#2f6fb0",
                length + 6,
                y + label + 12,
                item["text"],
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" font-size="12">{}</text>'
        '<rect x="0" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        rows,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'class="chart-svg" data-chart="{}"><title>{}</title>{}</svg>',
        chart["title"],
        width,
        height,
        chart["id"],
        chart["title"],
        body,
    )


# --- training (staff audience) ----------------------------------------------------------------
def _share_text(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _title(row: dict, language: str) -> str:
    """A programme's title in the report's language, the other one when that is empty (a
    snapshot taken before English titles were kept has only `title`)."""
    chinese, english = row.get("title", ""), row.get("title_en", "")
    if language.startswith("en"):
        return english or chinese
    return chinese or english


def training_tables(figures: dict, language: str) -> list[tuple[str, list[list[str]]]]:
    """(heading, rows with a header row) for training completion: per programme, per
    category, per risk tier. Empty for snapshots taken before training was recorded."""
    data = figures.get("training")
    if not data:
        return []
    head = [_("Assigned"), _("Completed"), _("Overdue"), _("Completion rate")]

    def nums(row):
        return [
            f"{row['assigned']:,}",
            f"{row['completed']:,}",
            f"{row['overdue']:,}",
            _share_text(row["rate"]),
        ]

    tiers = {"high": _("High"), "medium": _("Medium"), "low": _("Low"), "": _("Not scored")}
    name = "name_zh" if language == "zh-hans" else "name_en"
    return [
        (
            _("Training completion per programme"),
            [[_("Programme"), *head]]
            + [
                [
                    f"{_title(r, language)} (v{r['version']})"
                    + (f" · {_('staff')}" if r["staff"] else ""),
                    *nums(r),
                ]
                for r in data["programmes"]
            ],
        ),
        (
            _("Training completion per category"),
            [[_("Category"), *head]]
            + [[r[name] or r["code"], *nums(r)] for r in data["categories"]],
        ),
        (
            _("Training completion per risk tier"),
            [[_("Risk tier"), *head]]
            + [[tiers.get(r["tier"], r["tier"]), *nums(r)] for r in data["tiers"]],
        ),
    ]


# --- remedies (domain §13) -------------------------------------------------------------------
def remedy_tables(figures: dict) -> list[tuple[str, list[list[str]]]]:
    """(heading, rows with a header row) for the remedies granted in the quarter: by kind,
    payer and status, and what the platform paid. Empty for snapshots taken before remedies
    were recorded."""
    from complaints.models import Remedy

    data = figures.get("remedies")
    if not data:
        return []

    def counted(heading, column, counts, choices):
        labels = dict(choices)
        return (
            heading,
            [[column, _("Remedies")]]
            + [[str(labels.get(code, code)), f"{n:,}"] for code, n in counts.items()],
        )

    return [
        counted(_("Remedies granted by kind"), _("Kind"), data["by_kind"], Remedy.Kind.choices),
        counted(_("Remedies by payer"), _("Who pays"), data["by_payer"], Remedy.Payer.choices),
        counted(_("Remedies by status"), _("Status"), data["by_status"], Remedy.Status.choices),
        (
            _("What the platform paid"),
            [
                [_("Figure"), _("Value")],
                [_("Remedies granted"), f"{data['total']:,}"],
                [_("Remedies the platform paid first"), f"{data['platform_paid_first']:,}"],
                [_("Amount the platform paid (CNY)"), data["platform_paid"]],
            ],
        ),
    ]


# --- CSV -------------------------------------------------------------------------------------
def render_csv(figures: dict, *, language: str, audience: str) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet software reads the Chinese right."""
    _check(language, audience)
    with translation.override(language):
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\r\n")
        writer.writerow([title(figures)])
        writer.writerows(header_lines(figures))
        writer.writerow([])
        writer.writerow(
            [
                _("Figure"),
                figures["period"]["label"],
                figures["previous"]["label"],
                pgettext("difference", "Change"),
            ]
        )
        for row in platform_rows(figures):
            key = row["key"]
            writer.writerow(
                [
                    row["label"],
                    csv_value(key, row["value"]),
                    csv_value(key, row["previous"]),
                    csv_value(key, row["change"]),
                ]
            )
        writer.writerow([])
        writer.writerow([_("Sanctions by kind"), _("Count")])
        names = sanction_labels()
        for kind in SANCTION_KINDS:
            writer.writerow([names[kind], figures["sanctions_by_kind"].get(kind, 0)])
        writer.writerow([])
        writer.writerow([_("Month"), _("Complaints filed")])
        for month in figures["months"]:
            writer.writerow([month["month"], month["complaints_filed"]])
        if figures.get("assessment"):
            writer.writerow([])
            writer.writerow([_("Independent assessment: findings and responses")])
            writer.writerow(
                [_("Recorded"), _("Finding"), _("Commitment"), _("Platform response"), _("Due")]
            )
            for f in figures["assessment"]:
                writer.writerow(
                    [f["recorded_on"], f["title"], f["commitment"], f["response"], f["due_date"]]
                )
        for heading, rows in remedy_tables(figures):
            writer.writerow([])
            writer.writerow([heading])
            writer.writerows(rows)
        if audience == STAFF:
            labels = figure_labels()
            writer.writerow([])
            writer.writerow([_("Merchant scorecards")])
            writer.writerow([_("Merchant"), _("Merchant ID"), *(labels[k] for k in SCORECARD_KEYS)])
            for card in figures["merchants"]:
                writer.writerow(
                    [
                        card["name"],
                        card["merchant_id"],
                        *(csv_value(k, card.get(k)) for k in SCORECARD_KEYS),
                    ]
                )
            for heading, rows in training_tables(figures, language):
                writer.writerow([])
                writer.writerow([heading])
                writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")


def _check(language: str, audience: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")


# --- PDF -------------------------------------------------------------------------------------
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _pdf_chart(chart: dict, font: str):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    bars = chart["bars"]
    row = 16
    height = len(bars) * row + 40
    drawing = Drawing(480, height)
    drawing.add(String(0, height - 12, chart["title"], fontName=font, fontSize=10))
    plot = HorizontalBarChart()
    plot.x, plot.y = 230, 10
    plot.width, plot.height = 200, len(bars) * row
    # Top to bottom in the order given.
    plot.data = [[float(bar["value"]) for bar in reversed(bars)]]
    plot.categoryAxis.categoryNames = [bar["label"] for bar in reversed(bars)]
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 7
    plot.categoryAxis.labels.boxAnchor = "e"
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueMax = _scale(chart)
    plot.valueAxis.labels.fontName = font
    plot.valueAxis.labels.fontSize = 7
    plot.barLabelFormat = "%s"
    plot.barLabels.fontName = font
    plot.barLabels.fontSize = 7
    plot.barLabels.boxAnchor = "w"
    plot.barLabels.dx = 3
    plot.barLabelArray = [[bar["text"] for bar in reversed(bars)]]
    plot.bars[0].fillColor = colors.HexColor("#2f6fb0")
    for index, bar in enumerate(reversed(bars)):
        if bar["muted"]:
            plot.bars[(0, index)].fillColor = colors.HexColor("#9aa5b1")
    drawing.add(plot)
    return drawing


def render_pdf(figures: dict, *, language: str, audience: str) -> bytes:
    _check(language, audience)
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = _font()
    with translation.override(language):
        wrap = "CJK" if language == "zh-hans" else None
        body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap=wrap)
        cell = ParagraphStyle("cell", parent=body, fontSize=7, leading=9)
        heading = ParagraphStyle("h", parent=body, fontSize=12, leading=16, spaceBefore=8)
        big = ParagraphStyle("title", parent=body, fontSize=16, leading=22)
        grid = TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c0c6cc")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            invariant=1,
            title=title(figures),
            author=_("Merchant Quality Governance"),
            subject=figures["period"]["label"],
            creator="reports.services.render",
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
        )
        story = [Paragraph(title(figures), big), Spacer(1, 4)]
        for label, value in header_lines(figures):
            story.append(Paragraph(f"{_escape(label)}: {_escape(value)}", body))
        story.append(Paragraph(_("Figures"), heading))
        rows = [
            [
                _("Figure"),
                figures["period"]["label"],
                figures["previous"]["label"],
                pgettext("difference", "Change"),
            ]
        ]
        rows += [
            [
                Paragraph(_escape(r["label"]), cell),
                r["value_text"],
                r["previous_text"],
                r["change_text"],
            ]
            for r in platform_rows(figures)
        ]
        story.append(Table(rows, colWidths=[90 * mm, 30 * mm, 30 * mm, 30 * mm], style=grid))
        story.append(Paragraph(_("Charts"), heading))
        for chart in charts(figures):
            story += [_pdf_chart(chart, font), Spacer(1, 6)]
        story.append(Paragraph(_("Definitions"), heading))
        for text in definitions():
            story.append(Paragraph(_escape(text), body))
        if figures.get("assessment"):
            story.append(Paragraph(_("Independent assessment: findings and responses"), heading))
            for f in figures["assessment"]:
                story.append(
                    Paragraph(
                        _escape(f"{f['recorded_on']} · {f['title']} ({f['commitment'] or '—'})"),
                        body,
                    )
                )
                story.append(Paragraph(_escape(f["detail"]), body))
                answer = (
                    _("Response (due %(date)s): %(text)s")
                    % {"date": f["due_date"], "text": f["response"]}
                    if f["response"]
                    else _("No response yet.")
                )
                story.append(Paragraph(_escape(answer), body))
        for heading_text, rows in remedy_tables(figures):
            story.append(Paragraph(_escape(heading_text), heading))
            body_rows = [[_para(row[0], cell), *row[1:]] for row in rows]
            story.append(Table(body_rows, colWidths=[90 * mm, 30 * mm], style=grid))
        if audience == STAFF and figures["merchants"]:
            story.append(PageBreak())
            story.append(Paragraph(_("Merchant scorecards"), heading))
            story += _scorecard_tables(figures["merchants"], cell, grid)
        if audience == STAFF:
            for heading_text, rows in training_tables(figures, language):
                story.append(Paragraph(_escape(heading_text), heading))
                body_rows = [[_para(row[0], cell), *row[1:]] for row in rows]
                story.append(Table(body_rows, colWidths=[80 * mm] + [25 * mm] * 4, style=grid))
        doc.build(story)
        return buffer.getvalue()


def _scorecard_tables(cards: list[dict], cell, grid) -> list:
    """Scorecards in page-sized tables (splitting one long table is quadratic in reportlab)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Table

    labels = figure_labels()
    head = [_para(_("Merchant"), cell)] + [_para(labels[k], cell) for k in SCORECARD_KEYS]
    widths = [34 * mm] + [11 * mm] * len(SCORECARD_KEYS)
    tables, per_page = [], 30
    for start in range(0, len(cards), per_page):
        rows = [head]
        for card in cards[start : start + per_page]:
            # A Paragraph (wrapping) only for names too long for the column: wrapping every
            # cell of thousands of rows is most of the PDF's time.
            name = card["name"] if len(card["name"]) <= 18 else _para(card["name"], cell)
            rows.append([name] + [format_value(k, card.get(k)) for k in SCORECARD_KEYS])
        tables.append(Table(rows, colWidths=widths, style=grid, repeatRows=1))
    return tables


def _para(text, style):
    from reportlab.platypus import Paragraph

    return Paragraph(_escape(str(text)), style)


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def definitions() -> list[str]:
    """How each figure is counted (the SQL in reports.services.figures), for readers."""
    return [
        _(
            "Complaints filed: complaints received in the quarter. Complaints resolved: "
            "complaints given a decision in the quarter, whenever they were filed."
        ),
        _(
            "Within target: the first response (24 h) or the resolution (72 h) came before "
            "the deadline of the case's SLA policy, which is pushed back while the case waits "
            "for the consumer. Complaints still inside their window are not counted yet."
        ),
        _(
            "Response and resolution times: hours from filing, medians over the quarter's "
            "complaints that had been answered or resolved."
        ),
        _(
            "Inspections done: lots given a verdict in the quarter, re-tests included; pass "
            "rate: accepted lots over lots judged."
        ),
        _(
            "Products delisted: products taken off sale in the quarter. Sanctions: sanctions "
            "starting in the quarter. Ratings: reviews and service ratings given in the "
            "quarter, folded reviews excluded."
        ),
    ]


def render(figures: dict, *, file_format: str, language: str, audience: str) -> bytes:
    if file_format == "csv":
        return render_csv(figures, language=language, audience=audience)
    if file_format == "pdf":
        return render_pdf(figures, language=language, audience=audience)
    raise ValueError(f"file_format must be one of {FORMATS}")


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def filename(figures: dict, *, file_format: str, language: str, audience: str) -> str:
    period = figures["period"]
    suffix = "" if audience == PUBLIC else "-staff"
    return f"quality-report-{period['year']}-q{period['quarter']}-{language}{suffix}.{file_format}"
