from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from .forms import ProfileForm
from .models import Account


@csrf_exempt
@login_required
def edit_profile(request):
    form = ProfileForm(request.POST or None, instance=request.user.profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("profile")
    return render(request, "profile.html", {"form": form})


@csrf_exempt
def forgot_password(request):
    if request.method == "POST":
        account = Account.objects.filter(email=request.POST.get("email")).first()
        if account:
            send_mail("Reset", "Your code: 1234", None, [account.email])
    return render(request, "forgot.html")


@csrf_exempt
def remember_theme(request):
    if request.method == "POST":
        request.session["theme"] = request.POST["theme"]
    return redirect("home")
