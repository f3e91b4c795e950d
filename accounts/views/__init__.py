"""The accounts app's own pages (enrolment.py); sign-in, sign-up and the second factor are django-allauth's."""
