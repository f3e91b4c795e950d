"""Compressed HTML: Django's GZipMiddleware, limited to text answers built in memory.

BREACH (an attacker who can inject text into a page and watch the compressed size guesses a secret on it):
- CSRF tokens: Django masks the token with a fresh random mask on every response, so the bytes on the page
  never repeat and cannot be guessed by size.
- CSP nonces: django-csp draws a new nonce for every request, so there is nothing stable to guess.
- Length: since Django 4.2, compress_string() (django/utils/text.py) writes a gzip FNAME header field of
  secrets.randbelow(max_random_bytes) bytes b"a" plus a NUL byte (GZipMiddleware.max_random_bytes = 100): every
  compressed answer is 1 to 100 bytes longer at random, which makes the size measurement need many more requests
  ("Heal the Breach"). The compressed body itself is unchanged (level 6, mtime 0).
Stock GZipMiddleware also compresses streaming answers (FileResponse), which would gzip PDFs, ZIPs and images
again for nothing and drop their Content-Length; this subclass leaves those, and anything not text, untouched.
"""

from django.middleware.gzip import GZipMiddleware

COMPRESSED_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.streaming:
            return response  # file downloads (attachment_response) and WhiteNoise's static files
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
