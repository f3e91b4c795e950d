"""Every model of the four apps has a factory in tests/factories, and each factory builds a valid object graph."""

import factory
import pytest
from django.apps import apps

from tests import factories

APPS = ("accounts", "applications", "audits", "certificates")


def own_models():
    """The apps' concrete models, without the history tables django-simple-history derives from them."""
    return [
        model
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy and not hasattr(model, "instance_type")
    ]


FACTORIES = {
    value._meta.get_model_class(): value
    for value in vars(factories).values()
    if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory)
}


def test_every_model_has_a_factory():
    assert [model._meta.label for model in own_models() if model not in FACTORIES] == []


@pytest.mark.parametrize("model", own_models(), ids=lambda model: model._meta.label)
def test_the_factory_saves_a_valid_object(db, model):
    instance = FACTORIES[model]()
    instance.full_clean()
    assert model.objects.filter(pk=instance.pk).exists()
