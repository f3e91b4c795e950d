"""Certificate numbers from settings.CERTIFICATE_NUMBER_PATTERN, a str.format pattern with named tokens.

    {year}    the year of issue, 4 digits          2026
    {yy}      the year of issue, 2 digits          26
    {seq}     the number within that year          1 ({seq:06d}: 000001)
    {recert}  the re-certification count           0 for an initial certification, 1, 2 … ("R{recert}": R0, R1 …)
    {size}    the organization's size letter       S, M or L (CERTIFICATE_SIZE_LETTERS)

str.format is kept because the original pattern ("CP-{year}-{seq:06d}") is one: every pattern written before
stays valid, and the sequence's width is an ordinary format spec. The sequence restarts each year, so a pattern
must hold {seq} and a year ({year} or {yy}) to keep numbers unique; check_pattern() says so at start-up.

The size letter follows CNCA's management-system numbers (domain.md §4.2), which end in a size letter. It is
taken from the number of employees the application declared, the figure the body already uses for audit
man-days, rather than from turnover, which the portal does not ask for.
"""

import re
import string
from datetime import date

from django.conf import settings

from applications.models import Application

from .models import CertificateNumberSequence
from .models.certificates import NUMBER_MAX_LENGTH

TOKENS = ("year", "yy", "seq", "recert", "size")
# Numbers go into file names (the stored PDF) and URLs: letters, digits and - _ . only.
ALLOWED_NUMBER = re.compile(r"^[A-Za-z0-9._-]+$")
MAX_LENGTH = NUMBER_MAX_LENGTH


def certificate_number(application: Application, issued_on: date) -> str:
    """The next number for a certificate issued on `issued_on`; call it inside the transaction that creates it."""
    seq = CertificateNumberSequence.next_value(issued_on.year)
    return format_number(
        settings.CERTIFICATE_NUMBER_PATTERN,
        year=issued_on.year,
        seq=seq,
        recert=recertification_count(application),
        size=size_letter(application.employee_count),
    )


def format_number(pattern: str, *, year: int, seq: int, recert: int, size: str) -> str:
    return pattern.format(year=year, yy=f"{year % 100:02d}", seq=seq, recert=recert, size=size)


def recertification_count(application: Application) -> int:
    """How many re-certifications lead to this application: 0 for an initial certification."""
    count = 0
    while application.kind == Application.Kind.RECERTIFICATION and application.renews is not None:
        count += 1
        application = application.renews
    return count


def size_letter(employee_count: int | None) -> str:
    """The letter of the largest threshold not above the count (the smallest threshold's below them all)."""
    bands = sorted(settings.CERTIFICATE_SIZE_LETTERS.items(), key=lambda item: item[1])
    letter = bands[0][0]
    for candidate, threshold in bands:
        if (employee_count or 0) >= threshold:
            letter = candidate
    return letter


def pattern_problems(pattern: str) -> list[str]:
    """What is wrong with a number pattern (empty when it is usable); in English, like Django's own checks."""
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as error:  # an unmatched brace
        return [f"{pattern!r} is not a valid pattern: {error}."]
    unknown = sorted({name for name in fields if name not in TOKENS})
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        return [f"{pattern!r} uses unknown tokens {names}; the tokens are {{{'}, {'.join(TOKENS)}}}."]
    problems = []
    if "seq" not in fields:
        problems.append(f"{pattern!r} lacks {{seq}}, the number within the year.")
    if "year" not in fields and "yy" not in fields:
        problems.append(f"{pattern!r} lacks {{year}} or {{yy}}: the sequence restarts every year.")
    if problems:
        return problems
    try:
        # The longest number the pattern makes in practice: a large sequence, a long chain, the longest letter.
        longest = max(settings.CERTIFICATE_SIZE_LETTERS or [""], key=len)
        sample = format_number(pattern, year=2026, seq=99999, recert=9, size=longest)
    except (ValueError, TypeError) as error:
        return [f"{pattern!r} cannot be filled in: {error}."]
    if not ALLOWED_NUMBER.match(sample):
        problems.append(f"{pattern!r} makes {sample!r}: use only letters, digits, '-', '_' and '.'.")
    if len(sample) > MAX_LENGTH:
        problems.append(f"{pattern!r} makes {sample!r}, longer than the {MAX_LENGTH} characters a number may have.")
    return problems


def size_letter_problems(letters: dict) -> list[str]:
    if not letters:
        return ["CERTIFICATE_SIZE_LETTERS is empty."]
    return [
        f"CERTIFICATE_SIZE_LETTERS: {letter!r} must be 1 to 3 letters or digits, with a threshold of 0 or more."
        for letter, threshold in letters.items()
        if not (re.fullmatch(r"[A-Za-z0-9]{1,3}", letter) and isinstance(threshold, int) and threshold >= 0)
    ]
