"""Factories for every model, in one place."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Block, Follow, Profile, User
from analytics.models import Activity, Experiment
from comments.models import Comment, CommentLike
from communities.models import Community, Membership
from messaging.models import Conversation, Message, Participant
from notifications.models import Notification
from posts.models import Like, Post, PostView, Repost, Topic
from recommender.models import ModelVersion

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory, profile=None)
    # Not a random real name: a search test must not find the viewer because Faker named them "Alison".
    display_name = factory.Sequence(lambda n: f"Member {n}")
    gender = "female"
    country = "Russia"
    city = "Moscow"


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followee = factory.SubFactory(UserFactory)


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("name",)

    name = factory.Iterator(["business", "covid", "entertainment", "sport", "politics", "tech", "movie"])


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    text = factory.Faker("paragraph")
    topic = factory.SubFactory(TopicFactory)


class LikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Like

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)


class RepostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repost

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)


class PostViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostView

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)
    source = PostView.Source.FEED


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    description = factory.Faker("sentence")
    topic = factory.SubFactory(TopicFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.SubFactory(UserFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SubFactory(UserFactory)
    text = factory.Faker("sentence")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Faker("sentence")


class CommentLikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentLike

    user = factory.SubFactory(UserFactory)
    comment = factory.SubFactory(CommentFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    verb = Notification.Verb.FOLLOW


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    actor = factory.SubFactory(UserFactory)
    verb = "post_view"


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    status = ModelVersion.Status.CANDIDATE
    cutoff = factory.LazyFunction(timezone.now)


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    name = factory.Sequence(lambda n: f"experiment-{n}")
    salt = factory.Sequence(lambda n: f"salt-{n}")


def picture_bytes(*, size=(320, 240), image_format="PNG", colour=(200, 30, 30), **save_options) -> bytes:
    """A real picture, generated: one colour, of `size`, in `image_format` (Pillow's name)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=image_format, **save_options)
    return buffer.getvalue()


def picture_upload(name="me.png", content: bytes | None = None, **picture) -> SimpleUploadedFile:
    """An uploaded file, as a form or the API receives it: `content`, else picture_bytes(**picture)."""
    return SimpleUploadedFile(name, picture_bytes(**picture) if content is None else content)
