def portal(request):
    """The navbar's unread-notification count: a counter on the user (applications.notifications keeps it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": user.unread_notifications}
