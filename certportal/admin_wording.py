"""Django admin strings whose stock zh-hans translation reads badly.

Never imported: these markers only keep the msgids in the project's catalogue when makemessages runs with
--no-obsolete. The project's LOCALE_PATHS catalogue is merged last, so its translations win over
django/contrib/admin's own (e.g. 选择要修改的审核 instead of 选择 审核 来修改).
"""

from django.utils.translation import gettext_noop

ADMIN_WORDING = (
    gettext_noop("Select %s"),  # changelist title in a pop-up (django.contrib.admin.views.main)
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %s"),  # change form titles (django.contrib.admin.options)
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Add another %(verbose_name)s"),  # inline formsets (django.contrib.admin.helpers)
    gettext_noop("None available"),  # index page: no recent actions (admin/index.html)
    gettext_noop("Recent actions"),
    gettext_noop("My actions"),
    gettext_noop("Run the selected action"),  # actions bar (admin/actions.html)
    gettext_noop("Filter"),  # changelist filter sidebar (admin/change_list.html)
)
