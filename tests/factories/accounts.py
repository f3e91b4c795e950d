"""Factories for accounts: users (with a role group) and security events."""

import factory
from django.contrib.auth.models import Group

from accounts.models import SecurityEvent, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `role="reviewer"` (any role group) puts them in the group, and staff roles are staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
            self.is_staff = extracted in {"reviewer", "decision_maker", "administrator"}
        self.save()


class SecurityEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityEvent

    kind = SecurityEvent.Kind.LOGIN
    user = factory.SubFactory(UserFactory)
    username = factory.SelfAttribute("user.username")
