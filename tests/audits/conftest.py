"""Audits in each state with their team, and photos made on the fly (with EXIF and GPS, or hostile)."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from applications.models import Application
from audits.models import Audit, AuditTeamMember, ItemScore
from tests.factories import AuditFactory, AuditTeamMemberFactory, UserFactory, in_state

S = Audit.Status


@pytest.fixture
def lead(db):
    return UserFactory(role="auditor")


@pytest.fixture
def member(db):
    return UserFactory(role="auditor")


@pytest.fixture
def make_audit(organization, lead):
    """An audit of `organization`'s application; the application's status follows the audit's."""

    def make(status=S.IN_PROGRESS, *, team=(), kind=Audit.Kind.INITIAL, **kwargs):
        app_status = Application.Status.AUDIT_PLANNED if status in (S.PLANNED, S.IN_PROGRESS) else "audit_reported"
        application = in_state(app_status, organization=organization)
        audit = AuditFactory(application=application, status=status, kind=kind, **kwargs)
        AuditTeamMemberFactory(audit=audit, auditor=lead)
        for user in team:
            AuditTeamMemberFactory(audit=audit, auditor=user, role=AuditTeamMember.Role.MEMBER)
        return audit

    return make


@pytest.fixture
def audit(make_audit, member):
    return make_audit(team=[member])


def leaves(audit):
    return list(audit.indicator_set.leaves().order_by("order"))


def score_all(audit, *, by, points=None, skip=0):
    """Full points on every leaf (or `points(indicator)`), leaving the last `skip` leaves unscored."""
    items = leaves(audit)
    for indicator in items[: len(items) - skip]:
        value = points(indicator) if points else indicator.max_points
        ItemScore.objects.update_or_create(
            audit=audit, indicator=indicator, defaults={"points": value, "updated_by": by}
        )


def jpeg_with_gps(size=(2400, 1800), orientation: int = 6) -> bytes:
    """A JPEG with EXIF: camera, GPS position and an orientation tag (6 = rotate 90° to view)."""
    image = Image.new("RGB", size, (200, 60, 40))
    for x in range(0, size[0], 40):  # a pattern, so the derivative is a real picture
        image.paste((30, 90, 160), (x, 0, x + 20, size[1] // 3))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 31.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels with almost no data (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def photo_bytes():
    return jpeg_with_gps()
