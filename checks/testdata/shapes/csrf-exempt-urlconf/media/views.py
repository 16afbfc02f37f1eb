from django.http import HttpResponse
from django.views import View

from .storage import store_archive


class Upload(View):
    def post(self, request):
        with open("/srv/media/" + request.FILES["file"].name, "wb") as out:
            out.write(request.FILES["file"].read())
        return HttpResponse(status=201)


def import_archive(request):
    if request.method == "POST":
        store_archive(request.FILES["archive"])
    return HttpResponse()
