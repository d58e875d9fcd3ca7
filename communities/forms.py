from django import forms

from posts.models import POST_MAX_LENGTH, Topic

from .models import Community


class CommunityForm(forms.ModelForm):
    """Shape of a community; uniqueness of the slug and the rules are checked by communities.services."""

    slug = forms.SlugField(
        max_length=100,
        required=False,
        label="Address",
        help_text="Lowercase letters, digits and hyphens. Leave blank to derive it from the name.",
    )

    class Meta:
        model = Community
        fields = ["name", "slug", "description", "topic"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].empty_label = "No particular topic"
        if editing:
            del self.fields["slug"]  # the slug is the community's address and stays

    def validate_unique(self):
        """Left to the service, which reports a taken slug with its own message."""


class CommunityPostForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=POST_MAX_LENGTH, label="Write a post")
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), empty_label="Choose a topic")


class UsernameForm(forms.Form):
    username = forms.CharField(max_length=150)


class CommunityDeleteForm(forms.Form):
    """Deleting a community is confirmed by typing its name, so that it cannot be done by a slip of the mouse."""

    name = forms.CharField(max_length=100, label="Type the community's name to confirm")

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name != self.community.name:
            raise forms.ValidationError("This is not the community's name; type it exactly as shown above.")
        return name
