from django.db import connection
from django.http import JsonResponse

from .models import Book


def book_search(request):
    title = request.POST.get("title", "")
    query = "SELECT * FROM library_book WHERE title = '" + title + "'"
    books = Book.objects.raw(query)
    return JsonResponse({"ids": [b.id for b in books]})


def loans(request, pk):
    # pk is an integer URL parameter; the member name is not.
    member = request.GET["member"]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT * FROM library_loan WHERE book_id = %s AND member = '%s'"
            % (pk, member)
        )
        rows = cur.fetchall()
    return JsonResponse({"rows": rows})


def shelf(request, shelf):
    cursor = connection.cursor()
    cursor.execute("SELECT * FROM library_book WHERE shelf = '%(shelf)s'" % {"shelf": shelf})
    return JsonResponse({"rows": cursor.fetchall()})


def author(request, author_id):
    # author_id matches \d+ only: digits cannot change the query.
    cursor = connection.cursor()
    cursor.execute("SELECT * FROM library_book WHERE author_id = %s" % author_id)
    return JsonResponse({"rows": cursor.fetchall()})


class TagList:
    def get_queryset(self):
        prefix = self.request.GET.get("prefix", "")
        clause = "name LIKE '{}%%'".format(prefix)
        return Book.objects.extra(where=[clause])
