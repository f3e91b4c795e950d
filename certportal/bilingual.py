"""Text the portal keeps in Chinese and English: an English session reads the English one, any other the Chinese."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def bilingual(zh: str, en: str) -> str:
    """`en` in an English session, `zh` otherwise."""
    return en if (get_language() or "").startswith("en") else zh


class BilingualName(models.Model):
    """A name in both languages; `name` (and the object's text) is the one of the session's language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)
