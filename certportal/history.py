"""Read-only history in the admin for the workflow models (django-simple-history)."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Shows every version with who, when and why, and never saves one back.

    simple-history saves a POSTed historical version (a "revert") even with SIMPLE_HISTORY_REVERT_DISABLED and for
    users who may only view, which would move a status without its transition.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def status(self, obj):
        # history_list_display = ["status"] shows the translated label rather than the stored code.
        return obj.get_status_display()
