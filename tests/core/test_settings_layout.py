"""settings.py reads top to bottom: imports first, the apps and the middleware each written out once."""

import ast
import re
from pathlib import Path

SETTINGS = Path(__file__).resolve().parents[2] / "certportal" / "settings.py"
DECLARED_ONCE = ("INSTALLED_APPS", "MIDDLEWARE", "TEMPLATES", "AUTHENTICATION_BACKENDS", "LOGGING")


def _tree() -> ast.Module:
    return ast.parse(SETTINGS.read_text())


def test_every_import_is_at_the_top():
    body = _tree().body[1:]  # after the docstring
    imports = [isinstance(node, ast.Import | ast.ImportFrom) for node in body]
    first_other = imports.index(False)
    assert not any(imports[first_other:]), "an import below the first setting"
    assert "E402" not in SETTINGS.read_text()


def test_apps_middleware_and_templates_are_declared_once_and_never_changed_later():
    tree = _tree()
    assigned = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in DECLARED_ONCE
    ]
    assert sorted(assigned) == sorted(DECLARED_ONCE)
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign | ast.Subscript | ast.Attribute):
            base = node.target if isinstance(node, ast.AugAssign) else node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            name = getattr(base, "id", None)
            assert name not in DECLARED_ONCE, f"{name} changed after its declaration (line {node.lineno})"


def test_the_middleware_order():
    from django.conf import settings

    order = settings.MIDDLEWARE
    assert order[0] == "django_prometheus.middleware.PrometheusBeforeMiddleware"
    assert order[-2:] == ["django_prometheus.middleware.PrometheusAfterMiddleware", "axes.middleware.AxesMiddleware"]
    assert order.index("certportal.health.HealthProbeMiddleware") < order.index(
        "certportal.ratelimit.ForwardedForRequiredMiddleware"
    )
    assert order.index("django.middleware.security.SecurityMiddleware") + 1 == order.index(
        "csp.middleware.CSPMiddleware"
    )
    auth = order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert order[auth + 1] == "certportal.logs.RequestContextMiddleware"
    assert order.index("accounts.middleware.StaffSessionLimitMiddleware") + 1 == order.index(
        "accounts.middleware.RequireSecondFactorMiddleware"
    )
    assert len(order) == len(set(order))


def test_comments_name_no_issue_numbers():
    assert not re.search(r"#.*\bissue\b", SETTINGS.read_text(), re.IGNORECASE)
