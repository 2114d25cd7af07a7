"""Sensitive fields are encrypted at rest and unreadable with another key."""

from __future__ import annotations

import pytest

from foodtrain.encryption import DecryptionError, FieldCipher


def test_round_trip_and_random_iv() -> None:
    cipher = FieldCipher(FieldCipher.new_key())
    first, second = cipher.encrypt("4821"), cipher.encrypt("4821")
    assert first != second and "4821" not in first
    assert cipher.decrypt(first) == "4821"


def test_other_key_or_tampering_is_refused() -> None:
    token = FieldCipher(FieldCipher.new_key()).encrypt("4821")
    with pytest.raises(DecryptionError):
        FieldCipher(FieldCipher.new_key()).decrypt(token)
    with pytest.raises(DecryptionError):
        FieldCipher(FieldCipher.new_key()).decrypt(token[:-4] + "AAAA")
