from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import APIView

from .models import Cart


@method_decorator(csrf_exempt, name="dispatch")
class CartItems(LoginRequiredMixin, View):
    def get(self, request):
        return JsonResponse({"items": list(Cart.objects.filter(owner=request.user).values())})

    def delete(self, request, pk):
        Cart.objects.filter(owner=request.user, pk=pk).delete()
        return HttpResponse(status=204)


class ExemptView(View):
    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class Checkout(ExemptView):
    def post(self, request):
        self.empty_cart(request.user)
        return HttpResponse()

    def empty_cart(self, user):
        Cart.objects.filter(owner=user).update(items=[])


class Coupons(View):
    # Django reads the exemption from dispatch only: this one does nothing.
    @method_decorator(csrf_exempt)
    def post(self, request):
        Cart.objects.filter(owner=request.user).update(coupon=request.POST["code"])
        return HttpResponse()


@method_decorator(csrf_exempt, name="dispatch")
class CartApi(APIView):
    def post(self, request):
        Cart.objects.create(owner=request.user)
        return HttpResponse()


@method_decorator(csrf_exempt, name="dispatch")
class Status(View):
    def get(self, request):
        return JsonResponse({"ok": True})
