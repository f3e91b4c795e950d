from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model


class PortalAuthenticationBackend(AuthenticationBackend):
    """allauth's e-mail sign-in. On every request it loads the signed-in user together with their organization
    membership: nearly every portal page needs it (permissions, the navbar), and this saves each one a query."""

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("membership__organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
