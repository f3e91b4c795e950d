"""PDF rendering with WeasyPrint: Django templates in, bytes out, nothing fetched from outside.

The URL fetcher serves only `data:` URIs and the project's own static files (found through the staticfiles
finders), so a template — or applicant text that somehow became markup — cannot reach the network, read
local files (`file://`), follow redirects or attach files (targets.md §4.7).
"""

import functools
import mimetypes
from urllib.parse import unquote, urlparse

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

STATIC_SCHEME = "static"  # templates refer to our static files as static:/img/logo.svg


class RefusedURL(ValueError):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        """Allow data: URIs and static:<path> of our own static files; refuse everything else."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", STATIC_SCHEME}, allow_redirects=False, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else STATIC_SCHEME
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == STATIC_SCHEME:  # static:/img/logo.svg, or a relative path such as img/logo.svg
                path = unquote(urlparse(url).path).lstrip("/")
                found = finders.find(path) if path and ".." not in path.split("/") else None
                if found:
                    with open(found, "rb") as f:
                        body = f.read()
                    mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
            self.refused.append(url)
            raise RefusedURL(f"refused: {url[:200]}")

    return SafeFetcher


def safe_fetcher():
    return _fetcher_class()()


def render_pdf(template_name: str, context: dict, *, fetcher=None, stylesheet: str = "") -> bytes:
    """Render a template (autoescaped) to PDF bytes with the safe fetcher; `stylesheet`: a static CSS file."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    fetcher = fetcher or safe_fetcher()
    return HTML(string=html, base_url=f"{STATIC_SCHEME}:/", url_fetcher=fetcher).write_pdf(
        presentational_hints=False, stylesheets=[parsed_stylesheet(stylesheet)] if stylesheet else None
    )


@functools.cache
def parsed_stylesheet(path: str):
    """A static stylesheet, parsed once per process (about a twentieth of a certificate's render time)."""
    from weasyprint import CSS

    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, encoding="utf-8") as f:
        return CSS(string=f.read(), url_fetcher=safe_fetcher())


def harfbuzz_subset_available() -> bool:
    from weasyprint.text import ffi

    return getattr(ffi, "harfbuzz_subset", None) is not None
