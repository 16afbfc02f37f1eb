from django.http import JsonResponse

from reports import queries


def leaderboard(request):
    sort = request.GET.get("sort", "spent")
    rows = queries.top_customers(10, sort)
    return JsonResponse({"rows": rows})


def region(request):
    return JsonResponse({"total": queries.totals_for_region(request.GET["region"])})
