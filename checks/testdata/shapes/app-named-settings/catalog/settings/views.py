from django.shortcuts import render

DEFAULT_TEMPLATE = "settings/preferences.html"


def preferences(request):
    return render(request, DEFAULT_TEMPLATE)
