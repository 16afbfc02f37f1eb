from functools import wraps

from django.http import JsonResponse

from monitor.models import Project


def api_key_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get("X-Api-Key", "")
        project = Project.objects.filter(api_key=key).first()
        if project is None:
            return JsonResponse({"error": "wrong api key"}, status=401)
        request.project = project
        return view(request, *args, **kwargs)

    return wrapper
