"""Serving private files: always as an attachment, never sniffed or rendered inline by the browser."""

from django.http import FileResponse


def attachment_response(field_file, filename: str, content_type: str = "application/octet-stream") -> FileResponse:
    """Stream a stored file (after the caller's permission check) with safe download headers."""
    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
