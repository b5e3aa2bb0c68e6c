"""Personal data at the door: keyed pseudonyms for customer ids, masked contact details.

Customer identifiers are replaced by an HMAC-SHA256 of the value under a secret key before they
are written anywhere (not even the staging table sees them). Columns whose header says they hold
a name, an e-mail address or a phone number (``personal_data_kind``) may only feed the (hashed)
customer identifier; the mapping refuses anything else, and reports never show their values. The
key comes from ``SERVICE_ATLAS_KEY`` or from a key file next to the database, made with
``secrets`` on first use and published atomically (``.gitignore`` keeps it out of the repository).

Free text (comments, and every value a refused-row report shows) keeps its words; ``mask_contacts``
replaces exactly these:

- e-mail addresses, also written with ``(at)`` for ``@`` and ``(dot)`` for a dot, in round,
  square, curly or angle brackets (``anna (at) example (dot) com``, ``anna[at]example.com``)
  -> ``[e-mail]``;
- payment card numbers: 13-19 digits, optionally grouped by spaces or dashes, that pass the Luhn
  check (``4111 1111 1111 1111``) -> ``[card]``; a 16-19 digit order number that fails it stays;
- phone numbers: 8-15 digits (7 when written ``+…``/``00…`` or grouped), alone or with the
  separators phone numbers are written with, not starting like a date -> ``[phone]``. Any other
  number of that length (an order or tracking number) is masked too.

Not detected: people's names in free text (that needs a language model, and a wrong guess would
mask product and place names), postal addresses, and e-mails spelt out with a bare ``at``/``dot``
(``anna at example dot com``). Keep such columns out of the mapping.

This module must not log, print or store an identifier it has not hashed.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

KEY_ENV = "SERVICE_ATLAS_KEY"
KEY_FILE_NAME = "service_atlas.key"
MIN_KEY_CHARS = 16
PSEUDONYM_HEX_CHARS = 32  # 128 bits of the HMAC: collisions are not a practical concern

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_AT = r"\s*[(\[{<]\s*at\s*[)\]}>]\s*"
_DOT = r"\s*[(\[{<]\s*dot\s*[)\]}>]\s*"
# in free text: plain e-mail addresses and ones written "anna (at) example (dot) com"
EMAIL_IN_TEXT = re.compile(rf"[\w.+'-]+(?:@|{_AT})[\w-]+(?:(?:\.|{_DOT})[\w-]+)+", re.IGNORECASE)
# 13-19 digits, optionally grouped by spaces or dashes; a card number only if Luhn says so
CARD = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
# A run of digits with the separators phone numbers are written with; checked further below.
PHONE = re.compile(r"(?<![\w])(?:\+|\(\+?)?\d[\d ().\-/]{5,}\d(?![\w])")
DATE_PREFIX = re.compile(r"^\d{1,4}([-/.])\d{1,2}\1\d{1,4}")
# RE2 pre-filter: only values that may contain contact details go through Python's regex.
_MAYBE_CONTACT = r"@|\d[\d ().\-/]{5,}\d|(?i:[(\[{<]\s*at\s*[)\]}>])"
EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
HIDDEN = "(hidden: personal data)"  # shown instead of a value from a name/e-mail/phone column

# Header words that say a column holds a person's contact details or name.
_CONTACT_WORDS = {
    "e-mail": ("email", "e mail", "mail address", "emailaddress"),
    "phone number": (
        "phone",
        "telephone",
        "tel",
        "cellphone",
        "mobile number",
        "mobile no",
        "cell number",
        "ani",
        "caller id",
        "msisdn",
    ),
}
_NAME_HEADERS = (
    "name", "full name", "first name", "last name", "surname", "given name", "family name",
    "requester", "requester name", "customer name", "contact name", "client name", "caller name",
    "submitter", "submitter name", "recipient name", "respondent name", "user name", "username",
    "recipient first name", "recipient last name", "requester full name",
)  # fmt: skip


class PseudonymKeyError(ValueError):
    """The pseudonymisation key is missing or unusable."""


def pseudonymisation_key(db_path: Path) -> bytes:
    """The secret key: ``SERVICE_ATLAS_KEY``, else the key file next to ``db_path`` (made once)."""
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise PseudonymKeyError(
                f"{KEY_ENV} is too short: use at least {MIN_KEY_CHARS} characters."
            )
        return configured.encode()
    path = Path(db_path).resolve().parent / KEY_FILE_NAME
    if not path.exists():
        _publish_new_key(path)
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise PseudonymKeyError(
            f"The key file {path} is damaged (expected 64 hex digits)."
        ) from None
    if len(key) < MIN_KEY_CHARS:
        raise PseudonymKeyError(f"The key file {path} is too short (expected 64 hex digits).")
    return key


def _publish_new_key(path: Path) -> None:
    """Write a new key to a private file beside ``path``, then link it into place.

    ``os.link`` fails if the key file already exists, so when several processes start at once
    the first link wins and everyone reads that complete key (never a half-written file).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, draft = tempfile.mkstemp(prefix=f"{KEY_FILE_NAME}.draft-", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as out:  # mkstemp makes it readable by its owner only
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)


def pseudonym(value: str, key: bytes) -> str:
    """Keyed hash of an identifier; e-mail addresses are compared case-insensitively."""
    value = value.strip()
    if "@" in value:
        value = value.casefold()
    return hmac.digest(key, value.encode(), "sha256").hex()[:PSEUDONYM_HEX_CHARS]


def pseudonymise(values: pa.Array, key: bytes) -> pa.Array:
    """Every non-null value replaced by its pseudonym (each distinct value hashed once)."""
    encoded = values.dictionary_encode()
    hashed = pa.array([pseudonym(v, key) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(hashed, encoded.indices)


def is_contact(value: str) -> bool:
    """The whole value is an e-mail address or a phone number."""
    value = value.strip()
    return bool(EMAIL.fullmatch(value)) or (PHONE.fullmatch(value) is not None and
                                            _is_phone(value))  # fmt: skip


def pseudonymise_contacts(values: pa.Array, key: bytes) -> pa.Array:
    """Hash only the values that are e-mail addresses or phone numbers (e.g. an agent e-mail)."""
    encoded = values.dictionary_encode()
    replaced = [pseudonym(v, key) if is_contact(v) else v
                for v in encoded.dictionary.to_pylist()]  # fmt: skip
    return pc.take(pa.array(replaced, pa.string()), encoded.indices)


def _is_phone(candidate: str) -> bool:
    """7–15 digits written like a phone number, and not a date (or a date and a time)."""
    core = candidate.strip("()[] ")
    if DATE_PREFIX.match(core):
        core = DATE_PREFIX.sub("", core, count=1).strip("()[] ")
    digits = sum(ch.isdigit() for ch in core)
    if digits > 15:
        return False
    international = core.startswith("+") or core.startswith("00")
    grouped = re.search(r"\d[\s.\-]\d", core) is not None
    return digits >= 8 or (digits == 7 and (international or grouped))


def _mask_phone(match: re.Match[str]) -> str:
    return PHONE_MASK if _is_phone(match.group(0)) else match.group(0)


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    return CARD_MASK if _luhn(re.sub(r"\D", "", match.group(0))) else match.group(0)


def mask_contacts(text: str) -> str:
    """``text`` with e-mail addresses, card numbers and phone numbers replaced by placeholders."""
    text = CARD.sub(_mask_card, EMAIL_IN_TEXT.sub(EMAIL_MASK, text))
    return PHONE.sub(_mask_phone, text)


def mask_array(values: pa.Array) -> pa.Array:
    """``mask_contacts`` on every value that might hold contact details; others pass as they are."""
    if len(values) == 0 or values.null_count == len(values):
        return values
    candidates = pc.fill_null(pc.match_substring_regex(values, _MAYBE_CONTACT), False)
    if not pc.any(candidates).as_py():
        return values
    python = values.to_pylist()
    flags = candidates.to_pylist()
    return pa.array(
        [mask_contacts(v) if flag else v for v, flag in zip(python, flags, strict=True)],
        pa.string(),
    )


def _normalised_header(header: str) -> str:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)
    return re.sub(r"[^0-9a-z]+", " ", spaced.casefold()).strip()


def personal_data_kind(header: str) -> str | None:
    """'e-mail', 'phone number' or 'name' when a header says the column holds personal data."""
    words = _normalised_header(header)
    padded = f" {words} "
    for kind, markers in _CONTACT_WORDS.items():
        if any(f" {marker} " in padded for marker in markers):
            return kind
    if words in ("mobile", "cell"):
        return "phone number"
    if words in _NAME_HEADERS:
        return "name"
    return None
