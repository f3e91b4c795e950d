"""PDF rendering needs HarfBuzz's subsetter: without it a Chinese certificate takes ~10 s instead of ~0.1 s."""

from django.core.checks import Error, register


@register("pdf")
def harfbuzz_subset_check(app_configs=None, **kwargs):
    from certportal.pdf import harfbuzz_subset_available

    if harfbuzz_subset_available():
        return []
    return [
        Error(
            "WeasyPrint cannot load HarfBuzz's font subsetter (libharfbuzz-subset0).",
            hint="Install it (Debian/Ubuntu: apt-get install libharfbuzz-subset0, or `make system-deps`).",
            id="certificates.E001",
        )
    ]
