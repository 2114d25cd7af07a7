"""Forms for taking, packing, delivering and cancelling orders: parsing and checking what the browser sends."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import HiddenInput

from foodtrain.field_rules import MAX_ID
from foodtrain.models import PAYMENT_METHOD_LABELS, PaymentMethod
from foodtrain.money import MoneyFormatError, parse_pounds
from foodtrain.services.orders.rules import REASON_MAX_LENGTH
from foodtrain.services.orders.shops import MAX_CRATES
from foodtrain.services.orders.taking import (
    ITEM_MAX_LENGTH,
    LINE_NOTES_MAX_LENGTH,
    MAX_QUANTITY,
    ORDER_NOTES_MAX_LENGTH,
    OrderLineInput,
)

# Without JavaScript the form offers this many blank lines, and "Add more lines" adds MORE_LINES each time.
BLANK_LINES = 15
MORE_LINES = 10
# A guard against absurd posts, far above any shopping list.
MAX_LINES = 400

_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class OrderLineForm(Form):
    """One line of the list (a sub-form: the CSRF token belongs to the whole order form)."""

    item = StringField(
        "Item",
        validators=[Optional(), Length(max=ITEM_MAX_LENGTH)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "maxlength": ITEM_MAX_LENGTH},
    )
    quantity = StringField(
        "Quantity",
        default="1",
        filters=[_strip],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 3, "maxlength": 6},
    )
    notes = StringField(
        "Notes",
        validators=[Optional(), Length(max=LINE_NOTES_MAX_LENGTH)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "maxlength": LINE_NOTES_MAX_LENGTH},
    )
    substitute_allowed = BooleanField("Substitute allowed", default=True)

    def is_blank(self) -> bool:
        return not (self.item.data or "") and not (self.notes.data or "")


class OrderForm(FlaskForm):
    """The shopping list taken on the phone: lines, notes, and (when editing) the version it was loaded at."""

    customer_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    delivery_date = DateField(widget=HiddenInput(), validators=[InputRequired()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31)])
    lines = FieldList(FormField(OrderLineForm), min_entries=BLANK_LINES, max_entries=MAX_LINES)
    notes = TextAreaField(
        "Notes for the whole order",
        validators=[Optional(), Length(max=ORDER_NOTES_MAX_LENGTH)],
        filters=[_strip],
        render_kw={"rows": 3},
    )
    add_item = StringField(validators=[Optional(), Length(max=ITEM_MAX_LENGTH)])
    more_lines = SubmitField("Add more lines")
    save = SubmitField("Save order")

    def wants_more_lines(self) -> bool:
        return bool(self.more_lines.data)

    def wants_usual_item(self) -> bool:
        return bool((self.add_item.data or "").strip()) and not self.save.data

    def add_blank_lines(self, count: int = MORE_LINES) -> None:
        for _ in range(min(count, MAX_LINES - len(self.lines.entries))):
            self.lines.append_entry()

    def add_usual_item(self, item: str) -> None:
        """Put a usual item on the first blank line (or a new one) without saving anything."""
        item = item.strip()[:ITEM_MAX_LENGTH]
        for entry in self.lines.entries:
            if entry.form.is_blank():
                entry.form.item.data = item
                entry.form.quantity.data = "1"
                return
        if len(self.lines.entries) < MAX_LINES:
            self.lines.append_entry({"item": item, "quantity": "1", "notes": "", "substitute_allowed": True})

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        filled = 0
        for number, entry in enumerate(self.lines.entries, start=1):
            line = entry.form
            if line.is_blank():
                continue
            filled += 1
            if not line.item.data:
                line.item.errors = [*line.item.errors, f"Line {number}: say what the item is."]
                valid = False
            quantity = line.quantity.data or "1"
            if not _WHOLE_NUMBER.fullmatch(quantity) or not 1 <= int(quantity) <= MAX_QUANTITY:
                line.quantity.errors = [
                    *line.quantity.errors,
                    f"Line {number}: the quantity must be a whole number from 1 to {MAX_QUANTITY}.",
                ]
                valid = False
        if filled == 0:
            self.form_errors.append("Enter at least one item.")
            valid = False
        return valid

    def line_inputs(self) -> list[OrderLineInput]:
        """Every line as the service takes it, blank ones included, so error positions match the form."""
        inputs = []
        for entry in self.lines.entries:
            line = entry.form
            quantity = line.quantity.data or "1"
            inputs.append(
                OrderLineInput(
                    item=line.item.data or "",
                    notes=line.notes.data or "",
                    quantity=int(quantity) if _WHOLE_NUMBER.fullmatch(quantity) else 0,
                    substitute_allowed=bool(line.substitute_allowed.data),
                )
            )
        return inputs

    def apply_errors(self, field_errors: dict[str, str]) -> None:
        """Show a service's field errors ("lines-3-quantity", "notes") next to the matching fields."""
        for key, message in field_errors.items():
            match = re.fullmatch(r"lines-(\d+)-(item|quantity|notes)", key)
            if match and int(match.group(1)) < len(self.lines.entries):
                field = getattr(self.lines.entries[int(match.group(1))].form, match.group(2))
                field.errors = [*field.errors, message]
            elif key == "notes":
                self.notes.errors = [*self.notes.errors, message]
            else:
                self.form_errors.append(message)


class _VersionedForm(FlaskForm):
    """Every edit carries the version it was loaded at: without it the changed-by-someone-else check is skipped."""

    version = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired("Reload the page and try again."), NumberRange(min=1, max=MAX_ID)],
    )


class PackingForm(_VersionedForm):
    """Crates and the till receipt, recorded when the shop has packed the order."""

    crates = StringField("Crates", filters=[_strip], render_kw={"inputmode": "numeric", "maxlength": 3})
    till_receipt = StringField(
        "Till receipt (£)", filters=[_strip], render_kw={"inputmode": "decimal", "maxlength": 14}
    )
    return_shop_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    return_date = DateField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save packing")

    crates_count: int = 0
    till_receipt_pence: int = 0

    def validate_crates(self, field: StringField) -> None:
        text = field.data or ""
        if not text:
            raise FieldError(f"Enter the number of crates (1 to {MAX_CRATES}).")
        if not _WHOLE_NUMBER.fullmatch(text) or not 1 <= int(text) <= MAX_CRATES:
            raise FieldError(f"The crates must be a whole number from 1 to {MAX_CRATES}.")
        self.crates_count = int(text)

    def validate_till_receipt(self, field: StringField) -> None:
        try:
            self.till_receipt_pence = parse_pounds(field.data or "")
        except MoneyFormatError as error:
            raise FieldError(str(error)) from None


PAYMENT_CHOICES = [SelectChoice("", "— choose —")] + [
    SelectChoice(method.value, PAYMENT_METHOD_LABELS[method]) for method in PaymentMethod
]


class DeliveryForm(_VersionedForm):
    """Delivered (amount received, how paid) or not delivered (why)."""

    outcome = RadioField(
        "Outcome",
        choices=[SelectChoice("delivered", "Delivered"), SelectChoice("not_delivered", "Not delivered")],
        validators=[InputRequired(message="Choose delivered or not delivered.")],
    )
    amount_received = StringField(
        "Amount received (£)", filters=[_strip], render_kw={"inputmode": "decimal", "maxlength": 14}
    )
    payment_method = SelectField("Paid by", choices=PAYMENT_CHOICES, validators=[Optional()])
    reason = StringField(
        "Reason not delivered",
        filters=[_strip],
        validators=[Optional(), Length(max=REASON_MAX_LENGTH)],
        render_kw={"maxlength": REASON_MAX_LENGTH},
    )
    submit = SubmitField("Save delivery")

    amount_received_pence: int | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome.data == "delivered"

    @property
    def method(self) -> PaymentMethod | None:
        return next((m for m in PaymentMethod if m.value == self.payment_method.data), None)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data == "delivered":
            try:
                self.amount_received_pence = parse_pounds(self.amount_received.data or "")
            except MoneyFormatError as error:
                self.amount_received.errors = [*self.amount_received.errors, str(error)]
                valid = False
            if self.method is None:
                self.payment_method.errors = [*self.payment_method.errors, "Choose how the customer paid."]
                valid = False
        elif self.outcome.data == "not_delivered" and not self.reason.data:
            self.reason.errors = [*self.reason.errors, "Say why the order was not delivered."]
            valid = False
        return valid


class CancelForm(_VersionedForm):
    reason = StringField(
        "Why is it cancelled?",
        filters=[_strip],
        validators=[InputRequired(message="Say why the order is cancelled."), Length(max=REASON_MAX_LENGTH)],
        render_kw={"maxlength": REASON_MAX_LENGTH},
    )
    confirmed = HiddenField()
    submit = SubmitField("Cancel this order")


class MoveForm(_VersionedForm):
    """Move the order, lines and all, to another delivery date."""

    delivery_date = DateField(
        "New delivery date", validators=[InputRequired("Choose the new delivery date.")], render_kw={"type": "date"}
    )
    submit = SubmitField("Move the order")


class UndoCancelForm(_VersionedForm):
    submit = SubmitField("Undo the cancellation")


class UndoDeliveryForm(_VersionedForm):
    """Take back a delivered / not delivered record made by mistake (the team's phone page)."""

    submit = SubmitField("Undo")
