"""Encryption of sensitive fields at rest (key-safe codes, second-factor secrets).

Fernet (AES-128-CBC with HMAC-SHA256, random IV). The key comes from
FOODTRAIN_ENCRYPTION_KEY or a key file in the instance folder, never the
database, so a copy of the database alone does not reveal the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken


class DecryptionError(ValueError):
    """The value was encrypted with another key or was altered."""


@dataclass(frozen=True)
class FieldCipher:
    key: bytes

    @staticmethod
    def new_key() -> bytes:
        return Fernet.generate_key()

    def encrypt(self, plain_text: str) -> str:
        return Fernet(self.key).encrypt(plain_text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return Fernet(self.key).decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as error:
            raise DecryptionError("This value cannot be decrypted with the installation's key.") from error
