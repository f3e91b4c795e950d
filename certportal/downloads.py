"""Serving private files: always as an attachment, never sniffed or rendered inline by the browser.

Locally the bytes are streamed from the private folder. On S3 Django never streams them (DJ-5): after the caller's
permission check the browser is redirected to a presigned URL that lives at most five minutes and makes S3 answer
with the same attachment headers.
"""

from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

PRESIGNED_URL_MAX_SECONDS = 300


def attachment_response(field_file, filename: str, content_type: str = "application/octet-stream") -> HttpResponseBase:
    """A download of a stored file (after the caller's permission check) with safe headers."""
    response: HttpResponseBase
    if isinstance(field_file.storage, S3Storage):
        response = HttpResponseRedirect(presigned_download_url(field_file, filename, content_type))
    else:
        response = FileResponse(field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"  # the redirect carries a credential, the file is private
    # accounts.middleware logs every download, S3 redirects included (an attribute of ours: hence the ignore)
    response.download_filename = filename  # type: ignore[union-attr]
    return response


def presigned_download_url(field_file, filename: str, content_type: str) -> str:
    storage = field_file.storage
    parameters = {
        "ResponseContentDisposition": content_disposition_header(True, filename),  # RFC 6266 filename* when needed
        "ResponseContentType": content_type,
        "ResponseCacheControl": "private, no-store",
    }
    expire = min(storage.querystring_expire, PRESIGNED_URL_MAX_SECONDS)
    return storage.url(field_file.name, parameters=parameters, expire=expire)
