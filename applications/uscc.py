"""统一社会信用代码 (Unified Social Credit Code), GB 32100-2015: normalisation and validation (domain.md §6)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, …, 28
AUTHORITY_CODES = set("123456789ANY")


def normalize(raw: str) -> str:
    """Full-width characters become ASCII (NFKC), whitespace is removed, letters are upper-cased."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> None:
    """Raise ValidationError with a translated message saying what is wrong with the code."""
    code = normalize(raw)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(code)},
        )
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "The code contains characters that never appear in a credit code: %(chars)s (I, O, S, V and Z are not used)."
            ),
            code="charset",
            params={"chars": " ".join(bad)},
        )
    if code[0] not in AUTHORITY_CODES:
        raise ValidationError(_("The first character (registration authority) is not valid."), code="authority")
    if not code[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 (the region code) must be digits."), code="region")
    if check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character does not match: please compare the code with your business licence."),
            code="checksum",
        )


def is_valid(raw: str) -> bool:
    try:
        validate_uscc(raw)
    except ValidationError:
        return False
    return True
