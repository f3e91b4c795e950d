"""Indicator sets as versioned data: read-only once used, copied to a new version, imported from a file."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from audits.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

GOOD_CSV = """code,title_zh,title_en,max_points,excludable,sampled,placeholder
5.1,售后服务体系,After-sales service system,,,,
5.1.1,组织架构,Organization structure,,,,
5.1.1.1,设立专门的售后服务部门,A dedicated department,12,,,
5.1.1.2,服务网点覆盖销售区域,Outlets cover the sales area,8,yes,,
5.1.2,人员配置,Staffing,30,,是,
5.2,商品服务,Product service,,,,
5.2.1,商品信息,Product information,25,,,
5.2.2,维修,Repair,25,,yes,
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_seeded_set_has_3_first_and_15_second_level_indicators():
    seeded = IndicatorSet.objects.get(is_active=True)
    assert seeded.has_placeholder_points
    assert seeded.indicators.filter(level=1).count() == 3
    assert seeded.indicators.filter(level=2).count() == 15
    assert sum(i.max_points for i in seeded.leaves()) == 100
    assert seeded.indicators.get(code="5.1.2.2").points_are_placeholder is False  # the one confirmed value (5)


def test_importing_a_scoring_sheet_creates_a_new_version(tmp_path):
    before = IndicatorSet.objects.get(is_active=True)
    call_command("import_indicators", write(tmp_path, "sheet.csv", GOOD_CSV), "--name", "机构评分表 2027", "--activate")
    created = IndicatorSet.objects.get(name="机构评分表 2027")
    assert (created.standard_edition, created.version, created.is_active) == ("GB/T 27922-2011", 2, True)
    assert not created.has_placeholder_points
    before.refresh_from_db()
    assert not before.is_active
    tree = {i.code: i for i in created.indicators.select_related("parent")}
    assert tree["5.1.1.2"].parent == tree["5.1.1"] and tree["5.1.1.2"].level == 3 and tree["5.1.1.2"].excludable
    assert tree["5.1.2"].sampled and tree["5.1.2"].level == 2
    assert (tree["5.1.1"].max_points, tree["5.1"].max_points, tree["5.2"].max_points) == (20, 50, 50)


def test_json_works_the_same(tmp_path):
    items = [
        {"code": "A", "title_zh": "甲", "title_en": "A", "max_points": None},
        {"code": "A.1", "title_zh": "甲一", "title_en": "A one", "max_points": "60", "placeholder": "yes"},
        {"code": "A.2", "title_zh": "甲二", "title_en": "A two", "max_points": 40},
    ]
    path = write(tmp_path, "sheet.json", json.dumps({"indicators": items}, ensure_ascii=False))
    call_command("import_indicators", path, "--edition", "T/XYZ 1-2027")
    created = IndicatorSet.objects.get(standard_edition="T/XYZ 1-2027")
    assert created.version == 1 and created.has_placeholder_points and not created.is_active


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code,title_zh\n5.1,x\n", "Missing column(s): title_en, max_points"),
        (GOOD_CSV + "5.2.2,重复,Duplicate,3,,,\n", "code 5.2.2 appears twice"),
        (
            GOOD_CSV.replace("5.2.1,商品信息,Product information,25", "5.2.1,商品信息,Product information,abc"),
            "is not a number",
        ),
        (GOOD_CSV.replace(",8,yes,,", ",-8,yes,,"), "between 0 and 999.99"),
        (GOOD_CSV.replace(",8,yes,,", ",8,maybe,,"), "excludable must be yes or no"),
        (GOOD_CSV.replace("5.1.2,人员配置,Staffing,30", "5.1.2,人员配置,Staffing,"), "give max_points > 0"),
        (
            GOOD_CSV.replace("5.1.1,组织架构,Organization structure,,", "5.1.1,组织架构,Organization structure,25,"),
            "add up to 20",
        ),
        (GOOD_CSV + "5.1.1.2.1,太深,Too deep,1,,,\n", "fourth-level"),
        (GOOD_CSV.replace("5.2.1,商品信息,", "5.2.1,,"), "title_zh missing"),
    ],
)
def test_a_bad_file_is_refused_with_the_line_and_nothing_is_created(tmp_path, text, expected):
    before = IndicatorSet.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("import_indicators", write(tmp_path, "bad.csv", text))
    assert expected in str(error.value)
    assert "nothing imported" in str(error.value)
    assert IndicatorSet.objects.count() == before


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD_CSV.replace(",8,yes,,", ",x,yes,,").replace("5.2.1,商品信息,", "5.2.1,,")
    with pytest.raises(CommandError) as error:
        call_command("import_indicators", write(tmp_path, "bad.csv", text))
    assert "line 5" in str(error.value) and "line 8" in str(error.value)


def test_dry_run_checks_only(tmp_path, capsys):
    before = IndicatorSet.objects.count()
    call_command("import_indicators", write(tmp_path, "sheet.csv", GOOD_CSV), "--dry-run")
    assert "is valid: 2 first-level indicators, 5 scored items, 100 points" in capsys.readouterr().out
    assert IndicatorSet.objects.count() == before


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_indicators", "/nonexistent/sheet.csv")


def test_copy_as_new_version_keeps_the_tree():
    seeded = IndicatorSet.objects.get(is_active=True)
    copy = seeded.copy_as_new_version(name="副本")
    assert (copy.version, copy.is_active, copy.name) == (2, False, "副本")
    original = {(i.code, i.parent.code if i.parent else None, i.max_points) for i in seeded.indicators.all()}
    copied = {(i.code, i.parent.code if i.parent else None, i.max_points) for i in copy.indicators.all()}
    assert original == copied
    assert not Indicator.objects.filter(indicator_set=copy, parent__indicator_set=seeded).exists()


def test_a_set_in_use_cannot_be_changed(make_audit):
    audit = make_audit()
    indicator_set = audit.indicator_set
    indicator = indicator_set.indicators.first()
    indicator.max_points = 99
    with pytest.raises(ValidationError):
        indicator.full_clean()
    indicator_set.name = "changed"
    with pytest.raises(ValidationError):
        indicator_set.full_clean()


def test_the_admin_shows_a_set_in_use_read_only_and_copies_it(client, administrator, make_audit):
    audit = make_audit()
    indicator_set = audit.indicator_set
    client.force_login(administrator)
    url = reverse("admin:audits_indicatorset_change", args=[indicator_set.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = client.post(url, {"name": "x"})
    assert response.status_code == 403
    client.post(
        reverse("admin:audits_indicatorset_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [indicator_set.pk]},
    )
    copy = IndicatorSet.objects.get(version=2)
    assert client.get(reverse("admin:audits_indicatorset_change", args=[copy.pk])).context["has_change_permission"]
    client.post(reverse("admin:audits_indicatorset_changelist"), {"action": "activate", "_selected_action": [copy.pk]})
    copy.refresh_from_db()
    indicator_set.refresh_from_db()
    assert copy.is_active and not indicator_set.is_active
    assert audit.indicator_set_id == indicator_set.pk  # the audit keeps the set it was scored against


def test_staff_reopen_a_submitted_report_with_a_reason(client, administrator, make_audit):
    from audits.models import Audit

    audit = make_audit(Audit.Status.SUBMITTED)
    client.force_login(administrator)
    change = client.get(reverse("admin:audits_audit_change", args=[audit.pk])).content.decode()
    url = reverse("admin:audits_audit_reopen", args=[audit.pk])
    assert url in change
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED
    client.post(url, {"reason": "得分录入错误"})
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS
    assert audit.history.first().history_change_reason == "得分录入错误"


def test_an_applicant_cannot_reopen(client, applicant, make_audit):
    from audits.models import Audit

    audit = make_audit(Audit.Status.SUBMITTED)
    client.force_login(applicant)
    client.post(reverse("admin:audits_audit_reopen", args=[audit.pk]), {"reason": "x"})
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED
