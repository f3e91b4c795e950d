"""Filling in the application: self-check, the form's steps, the review page, submit, withdraw, the PDF form."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certportal.pdf import render_pdf
from certportal.ratelimit import allow
from certportal.workflow import TransitionError

from .. import permissions, selfcheck
from ..forms import STEPS, SelfCheckForm, SubmitForm, WithdrawForm, step_form_class
from ..models import Application
from . import get_application, load_membership, refuse

STEP_SLUGS = [step.slug for step in STEPS]
FORM_PDF_TEMPLATE = "applications/application_form_pdf.html"
FORM_PDF_CACHE_SECONDS = 7 * 24 * 3600  # a week: a version nobody downloads again leaves the cache


@login_required
def start_application(request):
    """The eligibility self-check; answering it opens the draft application that keeps the answers."""
    membership = load_membership(request)
    if membership is None:
        return redirect("applications:create_organization")
    if not permissions.can_start_application(request.user, membership.organization):
        return refuse(request, _("Your organization already has an application in progress."), "applications:dashboard")
    form = SelfCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            application = Application.start(organization=membership.organization, by=request.user)
            application.self_check = selfcheck.record(form.cleaned_data, by=request.user)
            application.save(update_fields=["self_check"])
        return redirect("applications:self_check_result", pk=application.pk)
    return render(request, "applications/self_check.html", {"form": form})


@login_required
def self_check(request, pk):
    application = get_application(request, pk)
    if not permissions.can_edit_application(request.user, application):
        return refuse(request, _("This application can no longer be changed."), application)
    initial = application.self_check.get("answers", {})
    form = SelfCheckForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        application.self_check = selfcheck.record(form.cleaned_data, by=request.user)
        application.save(update_fields=["self_check"])
        return redirect("applications:self_check_result", pk=application.pk)
    return render(request, "applications/self_check.html", {"form": form, "application": application})


@login_required
def self_check_result(request, pk):
    application = get_application(request, pk)
    context = {
        "application": application,
        "outcome": selfcheck.outcome(application.self_check),
        "answers": selfcheck.answered_questions(application.self_check),
        "can_edit": permissions.can_edit_application(request.user, application),
    }
    return render(request, "applications/self_check_result.html", context)


@login_required
def edit_step(request, pk, step):
    if step not in STEP_SLUGS:
        raise Http404
    application = get_application(request, pk)
    if not permissions.can_edit_application(request.user, application):
        return refuse(request, _("This application can no longer be changed."), application)
    index = STEP_SLUGS.index(step)
    form = step_form_class(STEPS[index])(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except TransitionError as error:
            return refuse(request, error.message, application)
        messages.success(request, _("Saved."))
        if request.POST.get("go") == "stay":
            return redirect("applications:edit", pk=pk, step=step)
        if index + 1 < len(STEPS):
            return redirect("applications:edit", pk=pk, step=STEPS[index + 1].slug)
        return redirect("applications:materials", pk=pk)
    context = {"application": application, "form": form, "step": STEPS[index], "steps": STEPS, "index": index}
    return render(request, "applications/application_form.html", context)


@login_required
def review(request, pk):
    """Everything on one page, with what is still missing, and the submit button."""
    application = get_application(request, pk)
    items = application.material_items.select_related("material_type").prefetch_related("files")
    context = {
        "application": application,
        "categories": list(application.categories.all()),
        "items": items,
        "missing": application.missing_for_submit() if application.is_editable else [],
        "form": SubmitForm(application=application),
        "can_submit": permissions.can_submit(request.user, application),
        "steps": STEPS,
    }
    return render(request, "applications/review.html", context)


@login_required
@require_POST
def submit(request, pk):
    application = get_application(request, pk)
    if not permissions.can_submit(request.user, application):
        return refuse(request, _("This application has already been submitted."), application)
    form = SubmitForm(request.POST, application=application)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(map(str, error)))
        return redirect("applications:review", pk=pk)
    try:
        application.submit(by=request.user)
    except TransitionError as error:
        return refuse(request, error.message, "applications:review", pk=pk)
    messages.success(request, _("Your application is submitted. We will tell you by e-mail when it is reviewed."))
    return redirect(application)


@login_required
def withdraw(request, pk):
    application = get_application(request, pk)
    if not permissions.can_withdraw(request.user, application):
        return refuse(request, _("This application can no longer be withdrawn."), application)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application.withdraw(by=request.user, reason=form.cleaned_data["reason"])
        except TransitionError as error:
            return refuse(request, error.message, application)
        messages.success(request, _("The application is withdrawn."))
        return redirect(application)
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


@login_required
def form_pdf(request, pk):
    """The application form (申请表) as a PDF, to print, stamp with the company seal and upload back.

    Rendered once per version of the form: the PDF is cached under the application and a hash of the form's HTML
    (any change to what the PDF shows makes a new key). Each member may ask for it FORM_PDF_DOWNLOADS_PER_MINUTE
    times a minute."""
    application = get_application(request, pk)
    if not permissions.is_member(request.user, application.organization):
        raise PermissionDenied
    if not allow(f"form-pdf:{request.user.pk}", limit=settings.FORM_PDF_DOWNLOADS_PER_MINUTE, window=60):
        return render(request, "applications/form_pdf_limited.html", {"application": application}, status=429)
    context = {
        "application": application,
        "categories": list(application.categories.all()),
        "answers": selfcheck.answered_questions(application.self_check),
        "outlets": [line.strip() for line in application.service_outlets.splitlines() if line.strip()],
        "BODY_NAME": settings.CERTIFICATION_BODY_NAME,
        "LANGUAGE_CODE": get_language(),
    }
    version = hashlib.sha256(render_to_string(FORM_PDF_TEMPLATE, context).encode()).hexdigest()
    key = f"form-pdf:{application.pk}:{version}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(FORM_PDF_TEMPLATE, context)
        cache.set(key, pdf, timeout=FORM_PDF_CACHE_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{application.reference}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
