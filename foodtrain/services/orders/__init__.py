"""Orders through the weekly cycle: the order board, taking an order, picking, packing, delivery, cancelling.

Every function takes a session and plain values, scopes every query to one branch through
`in_branch`/`get_in_branch`, owns its transaction (commit on success, rollback on any error) and returns
ids or plain dataclasses. One stage of the cycle per module; import from the module that holds a name:

- :mod:`.rules`: what every change shares (statuses and what they allow, the version check, the transaction).
- :mod:`.board`: the order board of a delivery date.
- :mod:`.taking`: taking and editing an order.
- :mod:`.shops`: the shops' summary, picking lists and packing.
- :mod:`.delivery`: recording (and undoing) a delivery at the door.
- :mod:`.cancelling`: cancelling (and undoing a cancel), and cancelling an erased customer's open orders.
"""
