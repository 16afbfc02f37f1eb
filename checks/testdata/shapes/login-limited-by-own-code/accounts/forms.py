from django import forms
from django.contrib.auth import authenticate

from .models import AttemptBucket


class LoginForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)

    def clean(self):
        email = self.cleaned_data.get("email")
        if not AttemptBucket.allow_login(email):
            raise forms.ValidationError("Too many attempts, try again later.")
        self.user = authenticate(username=email, password=self.cleaned_data.get("password"))
        return self.cleaned_data
