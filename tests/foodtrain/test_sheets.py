"""Delivery sheets and picking lists as real PDFs, read back with pypdf."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

from pypdf import PdfReader

from foodtrain.sheets import (
    FOOTER_TEXT,
    PickingLine,
    PickingList,
    PickingOrder,
    SheetStop,
    TeamSheet,
    render_delivery_sheets,
    render_picking_lists,
)

DAY = date(2026, 12, 1)


def _stop(number: int, name: str, notes: str = "") -> SheetStop:
    return SheetStop(
        number=number,
        kind="delivery",
        arrival=f"{9 + number // 6:02d}:{(number * 7) % 60:02d}",
        customer_name=name,
        address=f"{number} Church Road, Dumfries, DG1 2BD",
        phone="01387 123456",
        access_notes=notes or "Key safe by the back door",
        support_needs="Unpacking and putting away",
        shop_name="Nithside Superstore",
        crates="2 (estimate)",
        amount_due="receipt + £3.00 charge",
        payment_method="Cash",
        order_ref=str(1000 + number),
        key_safe_code="4711" if number == 2 else "",
    )


def _sheet(van: str, names: list[str], team: str = "Ann Driver and Bob Mate") -> TeamSheet:
    pickup = SheetStop(
        number=1,
        kind="pickup",
        arrival="09:30",
        customer_name="; ".join(names[:3]),
        shop_name="Nithside Superstore",
        crates="2; 2; 2",
        order_ref="1001, 1002, 1003",
    )
    stops = (pickup, *(_stop(k + 2, name, "Knock loudly. " * (k % 5) * 8) for k, name in enumerate(names)))
    return TeamSheet(
        delivery_date=DAY, van_name=van, team=team, start="09:10", end="14:40", distance_km=42.5, stops=stops
    )


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def _assert_blocks_unsplit(pages: list[str], start: str, end: str) -> int:
    """Each block's opening marker and closing marker are on the same page; returns how many blocks."""
    starts = {int(n): i for i, text in enumerate(pages) for n in re.findall(start, text)}
    ends = {int(n): i for i, text in enumerate(pages) for n in re.findall(end, text)}
    assert starts and starts.keys() == ends.keys()
    split = [n for n in starts if starts[n] != ends[n]]
    assert split == [], f"blocks split across pages: {split}"
    return len(starts)


def test_delivery_sheet_has_names_footer_page_numbers_and_no_stop_split() -> None:
    """A long round spans pages: every name printed, footer and 'Page n of m' on each page, no stop split."""
    names = [f"Customer{k:02d} Maxwell" for k in range(30)]
    pdf = render_delivery_sheets([_sheet("Van 1", names)])
    assert pdf.startswith(b"%PDF")
    pages = _pages(pdf)
    assert len(pages) >= 3
    text = "\n".join(pages)
    assert all(name in text for name in names)
    for number, page in enumerate(pages, start=1):
        assert FOOTER_TEXT in page and f"Page {number} of {len(pages)}" in page
    assert "Ann Driver and Bob Mate" in pages[0] and "Van 1" in pages[0]
    assert "receipt + £3.00 charge" in text and "Key safe by the back door" in text
    assert "Key safe code" in pages[0] and "4711" in pages[0] and text.count("Key safe code") == 1
    assert _assert_blocks_unsplit(pages, r"Stop (\d+) ·", r"\(stop (\d+)\)") == 31
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_all_teams_in_one_file_each_team_from_a_new_page() -> None:
    """The day's file holds every team's sheet, each starting on its own page."""
    sheets = [_sheet("Van 1", ["Agnes Brown", "Isa Wilson"]), _sheet("Van 2", ["Jean Murray"], "Cat and Dan")]
    pages = _pages(render_delivery_sheets(sheets))
    second = next(i for i, page in enumerate(pages) if "Delivery sheet · Van 2" in page)
    assert second >= 1 and pages[second].startswith("Delivery sheet · Van 2")
    assert "Cat and Dan" in pages[second] and "Jean Murray" in pages[second]
    assert all("Jean Murray" not in page for page in pages[:second])
    assert "Agnes Brown" in pages[0] and all("Van 1" not in page for page in pages[second:])


def test_sheet_text_is_escaped_not_interpreted() -> None:
    """Markup-like characters in names and notes are printed as typed, not taken as formatting."""
    pages = _pages(render_delivery_sheets([_sheet("Van <b>1</b>", ["O'Neil & <Smith>"])]))
    assert "O'Neil & <Smith>" in pages[0] and "Van <b>1</b>" in pages[0]


def test_picking_lists_one_unsplit_block_per_order() -> None:
    """Picking lists: shop and ready time on top, every order's items present, no order split across pages."""
    orders = tuple(
        PickingOrder(
            str(500 + k),
            f"Picker{k:02d} Smith",
            "Ring the bell" if k % 3 == 0 else "",
            tuple(
                PickingLine(f"item {k}-{j}", 1 + j % 3, "own brand" if j % 2 else "", j % 4 != 0)
                for j in range(4 + k % 9)
            ),
        )
        for k in range(25)
    )
    pdf = render_picking_lists([PickingList("Nithside Superstore", DAY, "09:30", orders)])
    pages = _pages(pdf)
    assert len(pages) >= 2
    assert "Nithside Superstore" in pages[0] and "25 orders to be ready by 09:30" in pages[0]
    text = "\n".join(pages)
    assert all(f"Picker{k:02d} Smith" in text for k in range(25)) and "item 24-9" in text
    assert all(FOOTER_TEXT in page for page in pages)
    assert _assert_blocks_unsplit(pages, r"Order (\d+) ·", r"\(order (\d+)\)") == 25


def test_running_head_on_every_page_of_each_sheet_and_picking_list() -> None:
    """Continuation pages name the van, team and date (sheets) or the shop and date (picking lists)."""
    names = [f"Customer{k:02d} Maxwell" for k in range(30)]
    pages = _pages(render_delivery_sheets([_sheet("Van 1", names), _sheet("Van 2", names[:20], team="Cy and Di")]))
    assert len(pages) > 4
    heads = [
        text for text in pages if "Van 1 \u00b7 Team: Ann Driver and Bob Mate \u00b7 Tuesday 1 December 2026" in text
    ]
    seconds = [text for text in pages if "Van 2 \u00b7 Team: Cy and Di \u00b7 Tuesday 1 December 2026" in text]
    assert len(heads) + len(seconds) == len(pages) and heads and seconds
    lines = tuple(PickingLine(f"Item {k}", 1, "", True) for k in range(12))
    picking = PickingList(
        "Nithside Superstore", DAY, "08:30", tuple(PickingOrder(str(k), f"Customer {k}", "", lines) for k in range(8))
    )
    picking_pages = _pages(render_picking_lists([picking]))
    assert len(picking_pages) > 1
    assert all(
        "Picking list \u00b7 Nithside Superstore \u00b7 Tuesday 1 December 2026" in text for text in picking_pages
    )


def test_body_text_at_least_12_pt() -> None:
    """No text on a sheet or picking list is set below 12 pt except the page footer (11 pt)."""
    from pypdf import PdfReader as Reader

    sizes: set[float] = set()

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.add(round(size * tm[0], 1) if tm[0] else size)

    pdfs = [
        render_delivery_sheets([_sheet("Van 1", ["Ann Bell", "Cy Dunn"])]),
        render_picking_lists(
            [
                PickingList(
                    "Shop",
                    DAY,
                    "08:30",
                    (PickingOrder("1", "Ann", "notes", (PickingLine("Milk", 2, "semi-skimmed", False),)),),
                )
            ]
        ),
    ]
    for pdf in pdfs:
        for page in Reader(BytesIO(pdf)).pages:
            page.extract_text(visitor_text=visit)
    assert sizes and min(sizes - {11.0}) >= 12, sizes


def test_pickup_block_lists_crates_per_customer_and_cancelled_stop_struck_through() -> None:
    """The collection lists each order's customer and crates; a cancelled stop says CANCELLED, no delivery."""
    pickup = SheetStop(
        number=1,
        kind="pickup",
        arrival="09:30",
        shop_name="Nithside Superstore",
        pickup_orders=(("1001", "Ann Bell", "2"), ("1002", "Cy Dunn", "3 (estimate)")),
    )
    cancelled = SheetStop(
        number=2,
        kind="delivery",
        arrival="10:00",
        customer_name="Ann Bell",
        address="1 Church Road",
        order_ref="1001",
        cancelled=True,
    )
    text = _pages(
        render_delivery_sheets([TeamSheet(DAY, "Van 1", "Ann and Bob", "09:00", "12:00", 10.0, (pickup, cancelled))])
    )[0]
    assert re.search(r"1001\s*Ann Bell\s*2", text) and re.search(r"1002\s*Cy Dunn\s*3 \(estimate\)", text)
    assert "Stop 2 · CANCELLED · do not deliver" in text and "Deliver to Ann Bell" not in text
    assert "0 deliveries" in text
