"""Printable PDFs (A4, reportlab): the teams' delivery sheets and the shops' picking lists.

Pure rendering: plain dataclasses in, PDF bytes out. Every stop (and every
picking-list order) is one KeepTogether block, so it is never split across
pages; every page carries a running head (van, team and date, or shop and date),
the confidentiality footer and "Page n of m". Body text is at least 12 pt, for
older eyes (BODY_FONT_PT).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Flowable,
    Table,
    TableStyle,
)

FOOTER_TEXT = "Confidential \u2014 return or shred after the round"
MAX_NOTE_CHARS = 700
BODY_FONT_PT = 12
BODY_LEADING_PT = 15
HEAD_FONT_PT = 12


@dataclass(frozen=True)
class SheetStop:
    """One stop of a team's round as printed: a collection at a shop or a delivery at a door."""

    number: int
    kind: str
    arrival: str
    customer_name: str = ""
    address: str = ""
    phone: str = ""
    access_notes: str = ""
    support_needs: str = ""
    shop_name: str = ""
    crates: str = ""
    amount_due: str = ""
    payment_method: str = ""
    order_ref: str = ""
    key_safe_code: str = ""
    cancelled: bool = False
    # A collection: (order number, customer, crates) of each order picked up at the shop.
    pickup_orders: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class TeamSheet:
    delivery_date: date
    van_name: str
    team: str
    start: str
    end: str
    distance_km: float
    stops: tuple[SheetStop, ...]
    changes: tuple[str, ...] = ()  # what changed on this round since it was planned


@dataclass(frozen=True)
class PickingLine:
    item: str
    quantity: int
    notes: str
    substitute_allowed: bool


@dataclass(frozen=True)
class PickingOrder:
    """One order as a shop picks it: the customer's name and the lines (no address or health data)."""

    order_ref: str
    customer_name: str
    notes: str
    lines: tuple[PickingLine, ...]
    crates: int | None = None  # counted by the shop once packed
    crates_estimate: int = 0  # from the lines, until the shop has counted

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class PickingList:
    shop_name: str
    delivery_date: date
    ready_by: str
    orders: tuple[PickingOrder, ...]


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["Normal"], fontName="Helvetica", fontSize=BODY_FONT_PT, leading=BODY_LEADING_PT
    )
    return {
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=13, leading=17, spaceAfter=2),
        "stop": ParagraphStyle(
            "stop", parent=body, fontName="Helvetica-Bold", fontSize=14, leading=18, spaceBefore=2, spaceAfter=3
        ),
        "label": ParagraphStyle("label", parent=body, fontName="Helvetica-Bold"),
        "body": body,
    }


def _text(value: str, limit: int = MAX_NOTE_CHARS) -> str:
    """Escaped for reportlab's mini-markup, shortened when very long, line breaks kept."""
    value = value.strip()
    if len(value) > limit:
        value = value[:limit].rstrip() + " \u2026 (see the office for the rest)"
    return escape(value).replace("\n", "<br/>")


class RunningHead(Flowable):
    """Sets the head printed at the top of this page and every following one (until the next RunningHead)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.running_head = self.text


class _NumberedCanvas(Canvas):
    """A canvas that knows the page count when it saves, for the running head, 'Page n of m' and the footer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []
        self.running_head = ""

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        width, height = A4
        self.saveState()
        self.setStrokeColor(colors.black)
        if self.running_head:
            self.setFont("Helvetica-Bold", HEAD_FONT_PT)
            self.drawString(15 * mm, height - 12 * mm, self.running_head)
            self.line(15 * mm, height - 14 * mm, width - 15 * mm, height - 14 * mm)
        self.line(15 * mm, 16 * mm, width - 15 * mm, 16 * mm)
        self.setFont("Helvetica-Bold", 11)
        self.drawString(15 * mm, 11 * mm, FOOTER_TEXT)
        self.setFont("Helvetica", 11)
        self.drawRightString(width - 15 * mm, 11 * mm, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def _document(buffer: BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author="foodtrain",
        subject=FOOTER_TEXT,
    )


def _tick_boxes(labels: list[str], styles: dict[str, ParagraphStyle]) -> Table:
    """Empty squares to tick by hand, each with its label."""
    cells: list[Any] = []
    widths: list[float] = []
    for label in labels:
        cells += ["", Paragraph(escape(label), styles["body"])]
        widths += [6 * mm, (180 / len(labels) - 6) * mm]
    table = Table([cells], colWidths=widths, rowHeights=[8 * mm])
    commands: list[tuple[Any, ...]] = [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for index in range(0, len(cells), 2):
        commands.append(("BOX", (index, 0), (index, 0), 1.2, colors.black))
    table.setStyle(TableStyle(commands))
    return table


def _facts(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    data = [
        [Paragraph(escape(label), styles["label"]), Paragraph(value or "\u2014", styles["body"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[34 * mm, 146 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _pickup_table(stop: SheetStop, styles: dict[str, ParagraphStyle]) -> Table:
    """The orders collected at a shop: order number, customer and crates, one row each."""
    rows = stop.pickup_orders or ((stop.order_ref, stop.customer_name, stop.crates),)
    data: list[list[Any]] = [
        [Paragraph(f"<b>{label}</b>", styles["body"]) for label in ("Order", "Customer", "Crates")]
    ]
    data += [
        [
            Paragraph(_text(ref, 40), styles["body"]),
            Paragraph(_text(name, 200), styles["body"]),
            Paragraph(_text(crates, 40), styles["body"]),
        ]
        for ref, name, crates in rows
    ]
    table = Table(data, colWidths=[30 * mm, 110 * mm, 40 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def sheet_head(sheet: TeamSheet) -> str:
    """The running head of a team's pages: van, team and date."""
    return f"{sheet.van_name} \u00b7 Team: {sheet.team} \u00b7 {sheet.delivery_date.strftime('%A %-d %B %Y')}"


def picking_head(picking: PickingList) -> str:
    """The running head of a shop's picking-list pages: shop and date."""
    return f"Picking list \u00b7 {picking.shop_name} \u00b7 {picking.delivery_date.strftime('%A %-d %B %Y')}"


def _stop_block(stop: SheetStop, styles: dict[str, ParagraphStyle]) -> KeepTogether:
    parts: list[Any] = []
    if stop.kind == "pickup":
        parts.append(
            Paragraph(
                f"Stop {stop.number} \u00b7 {escape(stop.arrival)} \u00b7 Collect at {escape(stop.shop_name)}",
                styles["stop"],
            )
        )
        parts.append(_pickup_table(stop, styles))
        parts.append(_tick_boxes(["All orders collected", "Checked against the lists"], styles))
        parts.append(Paragraph(f"Checked by: ______________________________ (stop {stop.number})", styles["body"]))
    elif stop.cancelled:
        parts.append(
            Paragraph(
                f"Stop {stop.number} \u00b7 CANCELLED \u00b7 do not deliver \u00b7 "
                f"<strike>{escape(stop.customer_name)}</strike>",
                styles["stop"],
            )
        )
        parts.append(
            Paragraph(
                f"<strike>{_text(stop.address)}</strike> \u00b7 order {escape(stop.order_ref)} was "
                "cancelled after the round was published: leave it at the shop.",
                styles["body"],
            )
        )
    else:
        parts.append(
            Paragraph(
                f"Stop {stop.number} \u00b7 {escape(stop.arrival)} \u00b7 Deliver to {escape(stop.customer_name)}",
                styles["stop"],
            )
        )
        parts.append(
            _facts(
                [
                    ("Address", _text(stop.address)),
                    ("Phone", _text(stop.phone)),
                    ("Access notes", _text(stop.access_notes)),
                    *([("Key safe code", _text(stop.key_safe_code))] if stop.key_safe_code else []),
                    ("Support needs", _text(stop.support_needs)),
                    ("Shop", _text(stop.shop_name)),
                    ("Crates", _text(stop.crates)),
                    ("Amount due", _text(stop.amount_due)),
                    ("Pays by", _text(stop.payment_method)),
                    ("Order number", _text(stop.order_ref)),
                ],
                styles,
            )
        )
        parts.append(_tick_boxes(["Delivered", "Checked with receipt", "Paid", "Not delivered"], styles))
        parts.append(
            Paragraph(
                "Amount received: \u00a3 __________ &nbsp;&nbsp; Reason if not delivered: ________________________",
                styles["body"],
            )
        )
        parts.append(Spacer(1, 2 * mm))
        parts.append(
            Paragraph(f"Customer signature: ______________________________ (stop {stop.number})", styles["body"])
        )
    rule = Table([[""]], colWidths=[180 * mm], rowHeights=[3 * mm])
    rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.8, colors.grey)]))
    parts.append(rule)
    parts.append(Spacer(1, 3 * mm))
    return KeepTogether(parts)


def _sheet_story(sheet: TeamSheet, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        RunningHead(sheet_head(sheet)),
        Paragraph(
            f"Delivery sheet \u00b7 {escape(sheet.van_name)} \u00b7 {sheet.delivery_date.strftime('%A %-d %B %Y')}",
            styles["title"],
        ),
        Paragraph(f"Team: {escape(sheet.team)} \u00b7 Van: {escape(sheet.van_name)}", styles["subtitle"]),
        Paragraph(
            f"Leave the base {escape(sheet.start)} \u00b7 back about {escape(sheet.end)} \u00b7 "
            f"{sheet.distance_km:.1f} km \u00b7 {sum(1 for s in sheet.stops if s.kind == 'delivery' and not s.cancelled)} "
            "deliveries",
            styles["subtitle"],
        ),
        Spacer(1, 4 * mm),
    ]
    if sheet.changes:
        story.append(Paragraph("Changed since this round was planned (the office will re-plan):", styles["label"]))
        story += [Paragraph(f"\u2022 {_text(change, 300)}", styles["body"]) for change in sheet.changes]
        story.append(Spacer(1, 4 * mm))
    story += [_stop_block(stop, styles) for stop in sheet.stops]
    story.append(CondPageBreak(30 * mm))
    story.append(
        KeepTogether(
            [
                Paragraph("End of the round", styles["stop"]),
                Paragraph(
                    "Driver: ______________________________ &nbsp; Mate: ______________________________", styles["body"]
                ),
                Spacer(1, 3 * mm),
                Paragraph("Cash and cheques handed in to: ______________________ at ______ (time)", styles["body"]),
            ]
        )
    )
    return story


def render_delivery_sheets(sheets: list[TeamSheet]) -> bytes:
    """One PDF with each team's sheet starting on a new page."""
    buffer = BytesIO()
    styles = _styles()
    story: list[Any] = []
    for index, sheet in enumerate(sheets):
        if index:
            story.append(PageBreak())
        story += _sheet_story(sheet, styles)
    if not story:
        story.append(Paragraph("No rounds.", styles["body"]))
    title = "Delivery sheets" if len(sheets) != 1 else f"Delivery sheet {sheets[0].van_name}"
    _document(buffer, title).build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def _picking_block(order: PickingOrder, styles: dict[str, ParagraphStyle]) -> KeepTogether:
    parts: list[Any] = [
        Paragraph(f"Order {escape(order.order_ref)} \u00b7 {escape(order.customer_name)}", styles["stop"])
    ]
    data: list[list[Any]] = [
        [
            Paragraph("<b>Qty</b>", styles["body"]),
            Paragraph("<b>Item</b>", styles["body"]),
            Paragraph("<b>Notes</b>", styles["body"]),
            Paragraph("<b>Substitute?</b>", styles["body"]),
            Paragraph("<b>Got</b>", styles["body"]),
        ]
    ]
    for line in order.lines:
        data.append(
            [
                str(line.quantity),
                Paragraph(_text(line.item, 200), styles["body"]),
                Paragraph(_text(line.notes, 300), styles["body"]),
                "yes" if line.substitute_allowed else "NO",
                "",
            ]
        )
    table = Table(data, colWidths=[14 * mm, 70 * mm, 60 * mm, 24 * mm, 12 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 1), (-1, -1), "Helvetica"),
                ("FONTSIZE", (0, 1), (-1, -1), BODY_FONT_PT),
            ]
        )
    )
    parts.append(table)
    if order.notes:
        parts.append(Paragraph(f"<b>Order notes:</b> {_text(order.notes)}", styles["body"]))
    parts.append(Spacer(1, 2 * mm))
    parts.append(
        Paragraph(
            f"Crates: ______ &nbsp; Till receipt: \u00a3 ________ &nbsp; Packed by: "
            f"______________ (order {escape(order.order_ref)})",
            styles["body"],
        )
    )
    parts.append(Spacer(1, 5 * mm))
    return KeepTogether(parts)


def render_picking_lists(lists: list[PickingList]) -> bytes:
    """One PDF with each shop's list starting on a new page, one unsplit block per order."""
    buffer = BytesIO()
    styles = _styles()
    story: list[Any] = []
    for index, picking in enumerate(lists):
        if index:
            story.append(PageBreak())
        story.append(RunningHead(picking_head(picking)))
        story.append(
            Paragraph(
                f"Picking list \u00b7 {escape(picking.shop_name)} \u00b7 "
                f"{picking.delivery_date.strftime('%A %-d %B %Y')}",
                styles["title"],
            )
        )
        story.append(
            Paragraph(f"{len(picking.orders)} orders to be ready by {escape(picking.ready_by)}", styles["subtitle"])
        )
        story.append(Spacer(1, 4 * mm))
        story += [_picking_block(order, styles) for order in picking.orders]
    if not story:
        story.append(Paragraph("No orders to pick.", styles["body"]))
    _document(buffer, "Picking lists").build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


@dataclass(frozen=True)
class ExtraJobSheet:
    """An EXTRA home-support job as printed for the volunteer who does it."""

    job_ref: str
    task: str
    day: date
    part: str
    volunteer: str
    customer_name: str
    address: str
    phone: str
    access_notes: str
    details: str
    price: str


def render_extra_job_sheet(sheet: ExtraJobSheet) -> bytes:
    """One page: where and what, then boxes to fill in (time spent, amount paid, how) and sign."""
    buffer = BytesIO()
    styles = _styles()
    story: list[Any] = [
        Paragraph(_text(f"EXTRA job sheet \u2014 {sheet.task}"), styles["title"]),
        Paragraph(
            _text(f"{sheet.day:%A %-d %B %Y}, {sheet.part} \u00b7 {sheet.volunteer} \u00b7 {sheet.job_ref}"),
            styles["subtitle"],
        ),
        Spacer(1, 4 * mm),
        _facts(
            [
                ("Customer", _text(sheet.customer_name)),
                ("Address", _text(sheet.address)),
                ("Phone", _text(sheet.phone)),
                ("Access", _text(sheet.access_notes)),
                ("The job", _text(sheet.details)),
                ("Price", _text(sheet.price)),
            ],
            styles,
        ),
        Spacer(1, 8 * mm),
        _facts(
            [
                ("Time spent", "______ minutes"),
                ("Amount paid", "\u00a3 ______"),
                ("Signed", "________________________"),
            ],
            styles,
        ),
        Spacer(1, 3 * mm),
        _tick_boxes(["Cash", "Cheque", "Other arrangement"], styles),
    ]
    _document(buffer, f"EXTRA job sheet {sheet.job_ref}").build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
