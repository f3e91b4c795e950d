"""Public: the signed daily checkpoints of the certification record, as a page, as JSON and each signature."""

import datetime

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .models import TrailCheckpoint

LIST_LENGTH = 90


@require_safe
def checkpoints(request: HttpRequest) -> HttpResponse:
    recent = list(TrailCheckpoint.objects.order_by("-date")[:LIST_LENGTH])
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "checkpoints": [
                    {
                        "date": c.date.isoformat(),
                        "seq": c.seq,
                        "hash": c.hash,
                        "signed_content": c.signed_content().decode(),
                        "signature": request.build_absolute_uri(reverse("trail:signature", args=[c.date])),
                    }
                    for c in recent
                ]
            },
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "trail/checkpoints.html", {"checkpoints": recent})


@require_safe
def signature(request: HttpRequest, date: str) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404 from None
    checkpoint = get_object_or_404(TrailCheckpoint, date=day)
    response = HttpResponse(bytes(checkpoint.signature), content_type="application/pkcs7-signature")
    response["Content-Disposition"] = f'attachment; filename="checkpoint-{checkpoint.date}.p7s"'
    return response
