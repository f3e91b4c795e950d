"""Django's and allauth's strings that the project's zh_Hans catalogue translates itself.

Never imported: these markers only keep the msgids in locale/zh_Hans when makemessages runs with --no-obsolete; the
project's catalogue is read before the packages' own. Two reasons to be here:
- the address is 电子邮箱 in all our copy, where the stock translations say Email地址, 电子邮件地址 or Email 地址;
- Django 5.2 changed the too-short password message (%d instead of %(min_length)d), and its zh_Hans catalogue
  still has only the old one, so the sign-up page showed it in English;
- the password rules under the fields say 你 where all our copy says 您.
tests/core/test_form_wording.py checks the pages and that every validator and form message of Django and allauth
has a Chinese translation.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(  # django.contrib.auth.password_validation.MinimumLengthValidator
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    10,
)
PASSWORD_LENGTH_RULE = ngettext_lazy(
    "Your password must contain at least %(min_length)d character.",
    "Your password must contain at least %(min_length)d characters.",
    10,
)

STOCK_WORDING = (
    # django.contrib.auth.password_validation: the rules shown under the password fields
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    # django.core.validators, django.db.models.fields
    gettext_noop("Enter a valid email address."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    # allauth.account: forms, models (the admin), adapter messages
    gettext_noop("Email"),
    gettext_noop("Email address"),
    gettext_noop("Email address confirmation"),
    gettext_noop("email address"),
    gettext_noop("email addresses"),
    gettext_noop("email confirmation"),
    gettext_noop("email confirmations"),
    gettext_noop("You cannot remove your primary email address."),
    gettext_noop("This email address is already associated with this account."),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("A user is already registered with this email address."),
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("The email address is not assigned to any user account."),
    gettext_noop("Your primary email address must be verified."),
    # allauth.mfa
    gettext_noop("You cannot add an email address to an account protected by two-factor authentication."),
    gettext_noop("You cannot activate two-factor authentication until you have verified your email address."),
    # allauth's account pages and messages
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("Email Address"),
    gettext_noop("Current email"),
    gettext_noop("Your email address is still pending verification."),
    gettext_noop("Change Email"),
    gettext_noop("Confirm Email Address"),
    gettext_noop(
        'Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address for user %(user_display)s.'
    ),
    gettext_noop(
        'This email confirmation link expired or is invalid. Please <a href="%(email_url)s">issue a new email '
        "confirmation request</a>."
    ),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("Primary email address set."),
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we'll send you an email allowing you to reset it."
    ),
    gettext_noop(
        "You currently do not have any email address set up. You should really add an email address so you can "
        "receive notifications, reset your password, etc."
    ),
    gettext_noop("Verify Your Email Address"),
    gettext_noop(
        "This part of the site requires us to verify that\nyou are who you claim to be. For this purpose, we "
        "require that you\nverify ownership of your email address. "
    ),
    gettext_noop('<strong>Note:</strong> you can still <a href="%(email_url)s">change your email address</a>.'),
)
