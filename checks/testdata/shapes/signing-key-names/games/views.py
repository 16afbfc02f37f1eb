import jwt
from django.conf import settings
from django.http import JsonResponse


def badge(request):
    token = jwt.encode({"user": request.user.pk}, settings.BADGE_SIGNER, algorithm="HS256")
    return JsonResponse({"badge": token})
