"""Every app is laid out the same way, the staff dashboard sits above the apps, and read-only inlines are written once."""

import ast
from pathlib import Path

from django.contrib import admin

from certportal.history import ReadOnlyInline

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "applications", "audits", "certificates", "staff"]
PACKAGES = ["models", "views", "admin"]  # each a package where the app has it at all
MODULES = ["permissions.py", "services.py", "tasks.py", "urls.py"]  # each one module, at the app's top


def _python_files(app: str) -> list[Path]:
    return [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]


def test_models_views_and_admin_are_packages():
    for app in APPS:
        for name in PACKAGES:
            assert not (ROOT / app / f"{name}.py").exists(), f"{app}/{name}.py: make it {app}/{name}/"
        beside = [path.name for path in (ROOT / app).glob("*.py") if path.stem.startswith(("admin_", "views_"))]
        assert beside in ([], ["admin_site.py"] if app == "accounts" else []), f"{app}: {beside}"


def test_permissions_services_tasks_and_urls_are_one_module_each():
    for app in APPS:
        for name in MODULES:
            found = [path.relative_to(ROOT / app) for path in _python_files(app) if path.name == name]
            assert found in ([], [Path(name)]), f"{app}: {found}"


def test_the_four_apps_never_import_the_staff_dashboard():
    for app in APPS[:-1]:
        for path in _python_files(app):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module]
                else:
                    continue
                assert not any(name.split(".")[0] == "staff" for name in names), path.relative_to(ROOT)


def test_no_inline_restates_the_shared_read_only_inline():
    inlines = {
        inline
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if inline.__module__.split(".")[0] in APPS
    }
    read_only = {inline.__name__ for inline in inlines if issubclass(inline, ReadOnlyInline)}
    assert read_only == {
        "CertificateStatusChangeInline",
        "CorrectiveActionInline",
        "QuoteLineInline",
        "SurveillanceInline",
        "TeamInline",
    }
    for inline in inlines - {inline for inline in inlines if issubclass(inline, ReadOnlyInline)}:
        assert inline.can_delete, f"{inline.__name__} is read-only by hand: make it a ReadOnlyInline"


def test_a_read_only_inline_shows_its_fields_and_changes_nothing(rf, django_user_model):
    request = rf.get("/")
    request.user = django_user_model(is_staff=True, is_superuser=True, is_active=True)
    for model_admin in admin.site._registry.values():
        for inline in model_admin.get_inline_instances(request):
            if isinstance(inline, ReadOnlyInline):
                assert inline.get_readonly_fields(request) == inline.fields
                assert not inline.has_add_permission(request, None)
                assert not inline.has_change_permission(request)
                assert not inline.has_delete_permission(request)
