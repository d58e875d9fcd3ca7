"""How people's text is shown: escaped, with web addresses and @mentions as links."""

import pytest
from django.template import Context, Template

from accounts.mentions import mentioned_usernames


def render(text: str) -> str:
    return Template("{% load rich_text %}{{ text|rich_text }}").render(Context({"text": text}))


def test_mentions_and_addresses_become_links_and_the_rest_stays_escaped():
    html = render("Ask @anna.ivanov.1. See https://example.com/a?b=1&c=2 <script>x</script>")
    assert '<a href="/accounts/u/anna.ivanov.1/" class="mention">@anna.ivanov.1</a>.' in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow">https://example.com/a?b=1&amp;c=2</a>' in html
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("text", [
    "mail demo@example.com",
    "https://example.com/@bob",
    "https://example.com/?u=@bob",
    "a lone @ sign",
])
def test_an_at_inside_an_address_or_alone_is_not_a_mention(text):
    assert 'class="mention"' not in render(text)
    assert mentioned_usernames(text) == []


def test_mentioned_usernames_are_each_listed_once_in_order():
    assert mentioned_usernames("@b hi @a_1, @b and @c-d. (@e+f)") == ["b", "a_1", "c-d", "e+f"]


def test_posts_comments_and_messages_show_their_links(auth_client, user, other_user):
    from comments.services import comment_create
    from messaging.services import conversation_get_or_create_direct, message_send
    from tests.factories import PostFactory

    post = PostFactory(author=other_user, text=f"Hi @{user.username}, see https://example.org")
    comment_create(author=user, post=post, text=f"Thanks @{other_user.username}!")
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message_send(sender=other_user, conversation=conversation, text="Slides: https://example.org/slides")

    page = auth_client.get(f"/posts/{post.pk}/").content.decode()
    assert f'<a href="/accounts/u/{user.username}/" class="mention">@{user.username}</a>' in page
    assert f'<a href="/accounts/u/{other_user.username}/" class="mention">@{other_user.username}</a>!' in page
    assert '<a href="https://example.org" rel="nofollow">' in page
    thread = auth_client.get(f"/messages/{conversation.pk}/").content.decode()
    assert '<a href="https://example.org/slides" rel="nofollow">' in thread
    other_user.profile.bio = "Blog: https://example.org/blog"
    other_user.profile.save()
    profile = auth_client.get(f"/accounts/u/{other_user.username}/").content.decode()
    assert '<a href="https://example.org/blog" rel="nofollow">' in profile
