import hashlib
import hmac

import stripe
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Invoice


@require_POST
@csrf_exempt
def payment_webhook(request):
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers["Stripe-Signature"], settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponse(status=400)
    Invoice.objects.filter(ref=event.data.object.id).update(paid=True)
    return HttpResponse()


@csrf_exempt
def repository_hook(request):
    if request.method != "POST":
        return HttpResponse(status=405)
    mac = hmac.new(settings.HOOK_SECRET.encode(), request.body, hashlib.sha256)
    if not hmac.compare_digest("sha256=" + mac.hexdigest(), request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponse(status=403)
    Invoice.objects.create(ref=request.headers["X-Delivery"])
    return HttpResponse()


@csrf_exempt
def relay(request):
    # A shared secret in the form, compared with the deployment's own.
    if request.POST.get("secret") != settings.RELAY_SECRET:
        return HttpResponse(status=403)
    Invoice.objects.create(ref=request.POST["ref"])
    return HttpResponse()


@csrf_exempt
def unpaid(request):
    # The same write, with nothing that authenticates the sender.
    if request.method == "POST":
        Invoice.objects.filter(ref=request.POST["ref"]).update(paid=False)
    return HttpResponse()
