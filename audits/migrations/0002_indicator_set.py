"""The GB/T 27922-2011 indicator tree (domain.md §2): 3 first-level, 15 second-level indicators and the
third-level items that could be recovered. Points are PLACEHOLDERS (the standard's allocation is not public)
except 5.1.2.2 = 5 points; the body must enter its real scoring sheet."""

from decimal import Decimal

from django.db import migrations

# code, zh, en, points (leaves only), excludable, sampled, confirmed points
TREE = [
    ("5.1", "售后服务体系", "After-sales service system", [
        ("5.1.1", "组织架构", "Organization structure", [
            ("5.1.1.1", "设立专门的售后服务部门，职能和岗位分工合理", "A dedicated after-sales department with a sensible split of functions and posts", 6, False, False, False),
            ("5.1.1.2", "服务网点覆盖销售区域并有效管理（需要时）", "Service outlets cover the sales area and are managed (where needed)", 4, True, False, False),
        ]),
        ("5.1.2", "人员配置", "Staffing", [
            ("5.1.2.1", "配备与行业相适应的技术和业务人员，具备相应资质", "Technical and business staff suited to the industry, with matching qualifications", 6, False, True, False),
            ("5.1.2.2", "按服务管理人员 10% 配置售后服务管理师", "售后服务管理师 staffed at 10% of service-management staff", 5, False, False, True),
        ]),
        ("5.1.3", "资源配置", "Resources", [
            ("5.1.3.1", "充足的资金，包括解决特定问题的专项资金", "Adequate funding, including reserved funds for specific problems", 4, False, False, False),
            ("5.1.3.2", "内部支持：技能培训、服务文化培训、激励与员工关系", "Internal support: skills and service-culture training, incentives, employee relations", 5, False, False, False),
        ]),
        ("5.1.4", "规范要求", "Rules and specifications", 6, False, False, False),
        ("5.1.5", "监督", "Supervision", 5, False, False, False),
        ("5.1.6", "改进", "Improvement", 5, False, False, False),
        ("5.1.7", "服务文化", "Service culture", 4, False, False, False),
    ]),
    ("5.2", "商品服务", "Product service", [
        ("5.2.1", "商品信息", "Product information", 5, False, False, False),
        ("5.2.2", "技术支持", "Technical support", 5, False, False, False),
        ("5.2.3", "配送", "Delivery", 6, True, False, False),
        ("5.2.4", "维修", "Repair", 6, True, True, False),
        ("5.2.5", "质量保证", "Quality assurance", 5, False, False, False),
        ("5.2.6", "废弃商品回收", "Recovery of discarded products", 3, True, False, False),
    ]),
    ("5.3", "顾客服务", "Customer service", [
        ("5.3.1", "顾客关系", "Customer relations", 10, False, True, False),
        ("5.3.2", "投诉处理", "Complaint handling", 10, False, True, False),
    ]),
]


def seed(apps, schema_editor):
    IndicatorSet = apps.get_model("audits", "IndicatorSet")
    Indicator = apps.get_model("audits", "Indicator")
    if IndicatorSet.objects.exists():
        return
    indicator_set = IndicatorSet.objects.create(
        name="GB/T 27922-2011 评价指标（占位分值 / placeholder points）", standard_edition="GB/T 27922-2011",
        version=1, is_active=True, has_placeholder_points=True)
    order = 0

    def add(node, parent, level):
        nonlocal order
        order += 1
        code, zh, en, rest = node[0], node[1], node[2], node[3:]
        if isinstance(rest[0], list):
            indicator = Indicator.objects.create(indicator_set=indicator_set, parent=parent, level=level, code=code,
                                                 title_zh=zh, title_en=en, order=order)
            total = sum(add(child, indicator, level + 1) for child in rest[0])
            indicator.max_points = total
            indicator.save(update_fields=["max_points"])
            return total
        points, excludable, sampled, confirmed = rest
        Indicator.objects.create(indicator_set=indicator_set, parent=parent, level=level, code=code, title_zh=zh,
                                 title_en=en, order=order, max_points=Decimal(points), excludable=excludable,
                                 sampled=sampled, points_are_placeholder=not confirmed)
        return Decimal(points)

    for first in TREE:
        add(first, None, 1)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
