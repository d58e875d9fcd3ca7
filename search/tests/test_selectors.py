import pytest
from django.db import connection
from django.utils import timezone

from search.selectors import search_communities, search_posts, search_users
from tests.factories import BlockFactory, CommunityFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="full-text search is PostgreSQL's")


def texts(posts):
    return [p.text for p in posts]


@postgres_only
def test_posts_match_stemmed_words_ranked_best_first(user):
    PostFactory(text="She runs every morning before work.")
    PostFactory(text="Running, running and more running: a runner's diary.")
    PostFactory(text="A quiet day of reading.")
    assert texts(search_posts(text="running", viewer=user)) == [
        "Running, running and more running: a runner's diary.",
        "She runs every morning before work.",
    ]


@postgres_only
def test_websearch_syntax(user):
    PostFactory(text="Chess openings for beginners")
    PostFactory(text="Chess endgames for experts")
    assert texts(search_posts(text="chess -endgames", viewer=user)) == ["Chess openings for beginners"]
    assert texts(search_posts(text='"endgames for experts"', viewer=user)) == ["Chess endgames for experts"]
    assert texts(search_posts(text="chess or nothing", viewer=user)) != []


def test_posts_exclude_blocked_authors_and_removed_posts(user):
    blocked, blocker = UserFactory(), UserFactory()
    BlockFactory(blocker=user, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=user)
    PostFactory(author=blocked, text="garden tomatoes")
    PostFactory(author=blocker, text="garden tomatoes too")
    PostFactory(text="garden tomatoes removed", removed_at=timezone.now())
    visible = PostFactory(text="garden tomatoes visible")
    assert list(search_posts(text="garden tomatoes", viewer=user)) == [visible]
    assert len(search_posts(text="garden tomatoes", viewer=None)) == 3


def test_users_by_username_or_display_name_without_blocked(user):
    alice = UserFactory(username="alice", profile__display_name="Alice Gardener")
    gardener = UserFactory(username="bob", profile__display_name="Bob the gardener")
    hidden = UserFactory(username="gardener_carl", profile__display_name="Carl")
    BlockFactory(blocker=hidden, blocked=user)
    assert set(search_users(text="gardener", viewer=user)) == {alice, gardener}
    assert list(search_users(text="alice", viewer=user)) == [alice]
    assert set(search_users(text="gardener", viewer=None)) == {alice, gardener, hidden}


@postgres_only
def test_people_and_communities_match_as_names_are_typed(user):
    alice = UserFactory(username="alice", profile__display_name="Alice Gardener")
    UserFactory(username="bob", profile__display_name="Bob Builder")
    chess = CommunityFactory(name="Chess club", description="")
    assert list(search_users(text="ali", viewer=user)) == [alice]
    assert list(search_users(text="Alice gard", viewer=user)) == [alice]
    assert list(search_communities(text="che")) == [chess]
    assert not search_users(text="'&|!:*()", viewer=user).exists()  # tsquery syntax is not passed through


@postgres_only
def test_one_letter_or_a_partial_name_finds_people_whose_name_starts_with_it(user):
    alice = UserFactory(username="alice", profile__display_name="Alice Gardener")
    anna = UserFactory(username="bell", profile__display_name="anna Bell")
    happy = UserFactory(username="happiness_fan", profile__display_name="")
    UserFactory(username="carl", profile__display_name="Carl Alsop")
    # "a" is an English stop word and "happin" a partial stem: full-text search alone finds neither.
    assert list(search_users(text="a", viewer=user)) == [alice, anna]
    assert list(search_users(text="A", viewer=user)) == [alice, anna]
    assert list(search_users(text="happin", viewer=user)) == [happy]
    assert list(search_users(text="ANNA b", viewer=user)) == [anna]


@postgres_only
def test_exact_then_prefix_usernames_rank_first(user):
    word_match = UserFactory(username="zed", profile__display_name="Zed Alder")
    by_display_name = UserFactory(username="bundy", profile__display_name="Al Bundy")
    prefix = UserFactory(username="alfred", profile__display_name="Fred")
    exact = UserFactory(username="Al", profile__display_name="Someone")
    assert list(search_users(text="al", viewer=user)) == [exact, prefix, by_display_name, word_match]


def test_name_prefixes_respect_blocks_and_inactive_people(user):
    blocked, blocker = UserFactory(username="ab_blocked"), UserFactory(username="ab_blocker")
    BlockFactory(blocker=user, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=user)
    UserFactory(username="ab_gone", is_active=False)
    visible = UserFactory(username="ab_here")
    assert list(search_users(text="a", viewer=user)) == [visible]
    assert list(search_users(text="ab", viewer=None)) == [blocked, blocker, visible]


def test_like_wildcards_in_a_name_are_plain_characters(user):
    underscored = UserFactory(username="a_b")
    UserFactory(username="axb")
    assert list(search_users(text="a_", viewer=user)) == [underscored]
    assert not search_users(text="%", viewer=user).exists()


def test_communities_by_name_or_description_with_member_counts():
    chess = CommunityFactory(name="Chess club", description="We play on Sundays")
    CommunityFactory(name="Bridge", description="Cards")
    assert [(c, c.member_count) for c in search_communities(text="sundays")] == [(chess, 0)]
    assert list(search_communities(text="chess")) == [chess]


def test_empty_query_finds_nothing(user):
    PostFactory(text="anything")
    assert not search_posts(text="  ", viewer=user).exists()
    assert not search_users(text="", viewer=user).exists()
    assert not search_communities(text="").exists()


def test_fallback_without_postgres_matches_every_word(settings, user):
    settings.IS_POSTGRES = False
    PostFactory(text="Garden tomatoes in July")
    PostFactory(text="Tomatoes from the shop")
    assert texts(search_posts(text="tomatoes garden", viewer=user)) == ["Garden tomatoes in July"]
    assert [u.username for u in search_users(text="ixq", viewer=user)] == []
    UserFactory(username="alixqa")
    assert [u.username for u in search_users(text="ixq", viewer=user)] == ["alixqa"]


@postgres_only
@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: search_posts(text="running"), "search_post_text_fts"),
        (lambda: search_communities(text="chess"), "search_community_fts"),
        (lambda: search_users(text="alice"), "search_user_username_fts"),
        (lambda: search_users(text="alice"), "search_profile_display_name_fts"),
        (lambda: search_users(text="a"), "search_user_username_prefix"),
        (lambda: search_users(text="a"), "search_profile_display_name_prefix"),
    ],
)
def test_queries_can_use_the_gin_and_prefix_indexes(queryset, index):
    # Test tables are tiny (and may carry statistics from earlier bulk loads), so the planner would rather read a
    # whole table or walk another index; with only bitmap scans allowed, a match must come through the GIN index.
    scans = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
    with connection.cursor() as cursor:
        for scan in scans:
            cursor.execute(f"SET {scan} = off")
    try:
        plan = queryset().explain()
    finally:
        with connection.cursor() as cursor:
            for scan in scans:
                cursor.execute(f"SET {scan} = on")
    assert index in plan
