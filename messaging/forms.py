from django import forms

from .models import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    # Lengths and emptiness are checked by messaging.services.message_send, whose errors land on this field.
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "maxlength": MESSAGE_MAX_LENGTH, "placeholder": "Write a message", "autofocus": True}
        ),
    )


class MessageEditForm(forms.Form):
    # As MessageForm: messaging.services.message_update checks the text and its errors land on this field.
    text = forms.CharField(
        required=False,
        strip=False,
        label="Edit your message",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MESSAGE_MAX_LENGTH, "autofocus": True}),
    )


class GroupForm(forms.Form):
    title = forms.CharField(required=False)
    usernames = forms.CharField(
        required=False,
        label="People",
        help_text="Usernames separated by commas or spaces.",
        widget=forms.TextInput(attrs={"placeholder": "alice, bob"}),
    )

    def username_list(self) -> list[str]:
        return self.cleaned_data["usernames"].replace(",", " ").split()
