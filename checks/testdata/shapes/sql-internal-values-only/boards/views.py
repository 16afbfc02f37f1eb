from django.db import connection
from django.http import JsonResponse

from .models import Board
from .utils import with_is_pinned, with_pin_count


def boards(request):
    qs = with_is_pinned(with_pin_count(Board.objects.all()), request.user)
    page = int(request.GET.get("page", 1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM boards_board ORDER BY id LIMIT 20 OFFSET %s" % ((page - 1) * 20))
        cursor.execute(
            "SELECT id FROM boards_board WHERE owner_id = %s AND title = %s",
            [request.user.id, request.GET.get("title", "")],
        )
    return JsonResponse({"n": qs.count()})
