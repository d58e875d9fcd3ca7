from django import forms

from posts.reposts import REPOST_NOTE_MAX_LENGTH

from .models import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a comment…", "maxlength": COMMENT_MAX_LENGTH}),
        label="Comment",
    )
    # Set when replying; comments.services checks it belongs to the same post and is top-level.
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    text = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
        label="Comment",
    )


class RepostForm(forms.Form):
    note = forms.CharField(
        max_length=REPOST_NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Add a note (optional)", "maxlength": 500}),
        label="Note",
    )
