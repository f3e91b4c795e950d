from django.db import migrations

CATEGORIES = [
    ("household_appliances", "家用电器", "Household appliances"),
    ("consumer_electronics", "消费电子与通信设备", "Consumer electronics and communication equipment"),
    ("computers_office", "计算机及办公设备", "Computers and office equipment"),
    ("automotive", "汽车及零部件", "Automobiles and parts"),
    ("machinery", "机械设备", "Machinery and equipment"),
    ("elevators_special", "电梯及特种设备", "Elevators and special equipment"),
    ("medical_devices", "医疗器械", "Medical devices"),
    ("furniture_home", "家具及家居用品", "Furniture and home furnishings"),
    ("building_materials", "建筑材料与卫浴", "Building materials and sanitary ware"),
    ("electrical_lighting", "电气设备及照明", "Electrical equipment and lighting"),
    ("instruments", "仪器仪表", "Instruments and meters"),
    ("security_smart", "安防与智能化设备", "Security and smart-building equipment"),
    ("retail_ecommerce", "零售与电子商务服务", "Retail and e-commerce services"),
    ("other", "其他商品或服务", "Other products or services"),
]


def seed(apps, schema_editor):
    ServiceCategory = apps.get_model("applications", "ServiceCategory")
    for order, (code, zh, en) in enumerate(CATEGORIES, start=1):
        ServiceCategory.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("applications", "0003_service_categories_and_notification_kinds")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
