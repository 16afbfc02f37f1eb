from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .models import Comment, Post


@csrf_exempt
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    # Creating a default row on first view happens on GET just the same.
    first = Comment.objects.first() or Comment.objects.create(text="Welcome")
    return render(request, "home.html", {"first": first})


@csrf_exempt
def search(request):
    q = request.POST.get("q", "")
    posts = Post.objects.filter(title__icontains=q)
    response = render(request, "search.html", {"posts": posts})
    response.set_cookie("last_search", q)
    return response


@csrf_exempt
def one_time_code(request):
    if request.method == "GET":
        Post.objects.filter(pk=1).update(code="1234")
        return render(request, "code.html")
    else:
        ok = Post.objects.filter(code=request.POST.get("code")).exists()
        return render(request, "code.html", {"ok": ok})


@csrf_exempt
@require_GET
def feed(request):
    Post.objects.filter(pk=1).update(views=0)
    return render(request, "feed.xml")
