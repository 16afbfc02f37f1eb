from uuid import UUID

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt

from monitor.auth import api_key_required
from monitor.models import Check, Project


@api_key_required
def create_check(request):
    check = Check(project=request.project, name=request.POST["name"])
    check.save()
    return JsonResponse({"id": check.id}, status=201)


@csrf_exempt
def checks(request):
    if request.method == "POST":
        return create_check(request)
    return JsonResponse({"checks": []})


@csrf_exempt
def ping(request, code: UUID):
    check = get_object_or_404(Check, code=code)
    check.last_body = request.body[:1000]
    check.save()
    return HttpResponse("OK")


@csrf_exempt
def rotate(request):
    token = request.META.get("HTTP_AUTHORIZATION", "")
    if request.method == "POST":
        Project.objects.filter(api_key=token).update(api_key="")
    return HttpResponse()


@csrf_exempt
def rotate_mine(request):
    # The header is optional: without it the session decides.
    token = request.META.get("HTTP_AUTHORIZATION", "")
    owner = request.user if not token else None
    if request.method == "POST":
        Project.objects.filter(owner=owner).update(api_key="")
    return HttpResponse()
