from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError

from posts.models import Topic

from .models import Profile
from .services import password_change, password_confirm, validate_birth_date


class RegisterForm(forms.Form):
    """Shape of the sign-up input; the rules (unique name, password strength) live in services.user_register."""

    username = forms.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
    email = forms.EmailField()
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Password confirmation", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", ValidationError("The two passwords differ."))
        return cleaned


class ProfileForm(forms.ModelForm):
    email = forms.EmailField()
    interests = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Profile
        fields = ["display_name", "bio", "gender", "birth_date", "country", "city", "occupation", "interests"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "gender": "Only you see this; it helps pick posts for you.",
            "birth_date": "Others see your age, never the date.",
        }

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        validate_birth_date(birth_date)
        return birth_date


class AccountDeleteForm(forms.Form):
    """The password that confirms deleting one's own account; services.account_delete checks it."""

    password = forms.CharField(
        label="Your current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change page, with the old password checked by services.password_confirm (throttled) and
    the change written by services.password_change, as the API does."""

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        password_confirm(user=self.user, password=old_password)
        return old_password

    def save(self, commit=True):
        password_change(
            user=self.user,
            old_password=self.cleaned_data["old_password"],
            new_password=self.cleaned_data["new_password1"],
        )
        return self.user
