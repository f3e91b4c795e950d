"""An online order's own pages: WeChat Pay's QR code page (Native; also where H5 payers come back to) and the
status our pages poll while the payer pays (the order's state as our callback and query left it)."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from ..models import Application, OnlineOrder, Payment
from . import load_membership


def _order_of(request, pk) -> OnlineOrder:
    """The order, for the people of the organization it bills (another organization's: 404)."""
    load_membership(request)
    visible = Application.objects.visible_to(request.user)
    return get_object_or_404(
        OnlineOrder.objects.select_related("payment__application"), pk=pk, payment__application__in=visible
    )


def _state(order: OnlineOrder) -> dict:
    paid = order.payment.status == Payment.Status.CONFIRMED
    return {
        "status": order.status,
        "paid": paid,
        "open": order.status == OnlineOrder.Status.OPEN and not order.is_expired and not paid,
        "next": reverse("applications:fee", args=[order.payment.application_id]),
    }


@login_required
@never_cache
def wechat_order(request, pk):
    order = _order_of(request, pk)
    state = _state(order)
    qr = ""
    if state["open"] and order.provider == "wechat" and order.pay_url.startswith("weixin://"):
        qr = segno.make(order.pay_url, error="m").svg_data_uri(scale=5, border=2)
    context = {"order": order, "payment": order.payment, "application": order.payment.application, "qr": qr}
    return render(request, "applications/wechat_order.html", context | state)


@login_required
@never_cache
def order_status(request, pk):
    return JsonResponse(_state(_order_of(request, pk)))
