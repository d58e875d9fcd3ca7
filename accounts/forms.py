from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from posts.models import Topic

from .models import Profile
from .services import validate_birth_date


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
        fields = [
            "display_name", "bio", "gender", "birth_date", "country", "city", "occupation", "interests",
            "who_can_message",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "gender": "Only you see this; it helps pick posts for you.",
            "birth_date": "Others see your age, never the date.",
            "who_can_message": "Who may start a conversation with you or add you to a group. People you already "
            "talk with one to one can still write to you.",
        }

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        validate_birth_date(birth_date)
        return birth_date


class AvatarForm(forms.Form):
    """The picture file; services.avatar_set checks that it is one (as for the API) and makes the thumbnail."""

    avatar = forms.FileField(
        label="New picture",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"].help_text = (
            f"JPEG, PNG or WebP, up to {settings.AVATAR_MAX_UPLOAD_MB} MB; its middle square is shown."
        )


class AccountDeleteForm(forms.Form):
    """The password that confirms deleting one's own account; services.account_delete checks it."""

    password = forms.CharField(
        label="Your current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )


class NewPasswordForm(forms.Form):
    """A new password typed twice; the service that sets it checks its strength, as for the API. Django's reset
    page hands its form the link's user, which the service finds again from the link."""

    new_password1 = forms.CharField(
        label="New password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label="New password confirmation", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password1") and cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", "The two password fields didn’t match.")
        return cleaned


class PasswordChangeForm(NewPasswordForm):
    """The shape of a password change; services.password_change checks the current password (throttled) and the
    new one's strength, as for the API."""

    field_order = ["old_password", "new_password1", "new_password2"]

    old_password = forms.CharField(
        label="Old password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordResetForm(forms.Form):
    """The address to send a reset link to; services.password_reset_request has it sent (throttled), as for the API."""

    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
