"""A small demo network plus known logins: `demo` (a normal user with some activity) and `admin` (staff)."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Profile, User
from accounts.services import follow_add, profile_update, user_delete, user_register
from comments.services import comment_create
from communities.models import Community
from communities.services import community_join
from messaging.services import conversation_get_or_create_direct, message_send
from posts.models import Post, Topic
from posts.services import like_add, post_create
from recommender.generator import NetworkSpec, clear_network, generate_network, write_network

DEMO_USERNAME, DEMO_PASSWORD = "demo", "demo-password-1"
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "admin-password-1"
DEMO_SPEC = dict(users=60, posts=300, days=14, seed=2024, feed_rows=20_000)


class Command(BaseCommand):
    help = "Seed a small demo network (idempotent; --force rebuilds it). Works on SQLite and PostgreSQL."
    requires_system_checks = []  # a data job: URL and admin checks are not its business

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="wipe the demo data and generate it again")

    def handle(self, *args, **options):
        if not options["force"] and User.objects.filter(username=DEMO_USERNAME).exists():
            self.stdout.write("Demo data already present (use --force to rebuild).")
            return
        clear_network()
        for user in User.objects.filter(username__in=[DEMO_USERNAME, ADMIN_USERNAME]):
            user_delete(user=user)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        counts = write_network(generate_network(NetworkSpec(**DEMO_SPEC, end=today)))
        with transaction.atomic():
            demo = self._demo_user()
            self._demo_activity(demo)
            admin = User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
            Profile.objects.create(user=admin, display_name="Site admin")
        self.stdout.write(
            f"Seeded {counts['users']} users, {counts['posts']} posts, {counts['views'] + counts['likes']} feed rows. "
            f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (staff: {ADMIN_USERNAME} / {ADMIN_PASSWORD})."
        )

    def _demo_user(self) -> User:
        demo = user_register(username=DEMO_USERNAME, email="demo@example.com", password=DEMO_PASSWORD,
                             user_agent="Mozilla/5.0 (Linux; Android 14)", utm_source="")
        profile_update(user=demo, display_name="Demo User", country="Russia", city="Moscow", gender="female",
                       occupation="designer", bio="Trying out socialnet.",
                       interests=list(Topic.objects.filter(name__in=["tech", "movie"])))
        return demo

    def _demo_activity(self, demo: User) -> None:
        """Some history of the demo account, written through the same services the site uses."""
        people = list(User.objects.filter(password__startswith="!").order_by("id")[:5])
        for person in people:
            follow_add(follower=demo, followee=person)
        for community in Community.objects.filter(topic__name__in=["tech", "movie"]).order_by("id")[:2]:
            community_join(user=demo, community=community)
        tech = Topic.objects.get(name="tech")
        hello = post_create(author=demo, text="Hello socialnet! Looking for good tech and film recommendations.",
                            topic=tech)
        for post in Post.objects.filter(topic__name="tech").exclude(author=demo).order_by("-created_at")[:3]:
            like_add(user=demo, post=post)
        if not people:
            return
        conversation, _ = conversation_get_or_create_direct(user=demo, other=people[0])
        message_send(sender=demo, conversation=conversation, text="Hi! Loved your last post.")
        # The network answers, so that the first login shows unread messages and notifications, not empty pages.
        message_send(sender=people[0], conversation=conversation, text="Thanks! Welcome to socialnet.")
        for person in people[1:4]:
            follow_add(follower=person, followee=demo)
        for person in people[:3]:
            like_add(user=person, post=hello)
        comment_create(author=people[1], post=hello, text="Welcome! The AI Research community is a good start.")
