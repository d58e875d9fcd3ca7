from django import forms

from communities.models import Community

from .models import POST_MAX_LENGTH, Topic


class PostForm(forms.Form):
    """Shape of a post; emptiness after stripping and community membership are checked by posts.services."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=POST_MAX_LENGTH)
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), empty_label="Choose a topic")
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(), required=False, empty_label="My wall", label="Post to"
    )

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["community"]  # a post stays where it was published
        else:
            self.fields["community"].queryset = Community.objects.filter(
                memberships__user=user, memberships__is_banned=False
            ).order_by("name")
